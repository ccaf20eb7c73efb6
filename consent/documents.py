"""Documents that browsers and CDNs keep and revalidate: the banner's script and styles, and each
site's document, which a returning visitor's banner checks its receipt against instead of asking
for a decision. Each carries a strong ETag of its bytes, so a revalidation with `If-None-Match`
is answered 304 without a body."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from consent.declarations import Declarations
from consent.schemas import SiteDocument

# How long a browser or CDN may use the site document without revalidating: a new policy version
# or text reaches a returning visitor's banner within this time.
SITE_DOCUMENT_MAX_AGE = 300


@dataclass(frozen=True, slots=True)
class Document:
    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Document:
        return cls(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')

    def matches(self, if_none_match: str | None) -> bool:
        """Whether the copy the client holds is this one (RFC 9110 §13.1.2: weak comparison)."""
        if not if_none_match:
            return False
        held = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in held or self.etag in held


def site_document(
    *,
    site: str,
    policy_version: str,
    text_hash: str,
    categories: list[str],
    declared: Declarations,
    exempt_in: list[str],
) -> Document:
    """What a banner holding a receipt needs to apply it without asking: the policy version and
    banner text the receipt must name, the site's categories, and what they declare: the Consent
    Mode signals each grants, and when the receipt is not enough (`SiteDocument`)."""
    shown = SiteDocument(
        site=site,
        policy_version=policy_version,
        text_hash=text_hash,
        categories=categories,
        signals=declared.signals,
        gpc_opt_out=list(declared.gpc_opt_out),
        exempt=list(declared.exempt),
        exempt_in=exempt_in,
    )
    return Document.of(shown.model_dump_json().encode())
