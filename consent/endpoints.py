"""Public consent API for banners (CORS only for each site's own origins), the well-known files,
and the admin API for the set-up. The cookie policy page is `consent.policy_page`."""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, HttpMethod, Request, Response, get, post, put, route
from litestar.datastructures import Cookie, Headers
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler
from prometheus_client import Counter

from consent import decisions, identity, records, setup
from consent.cache import SetupCache
from consent.decisions import LoadedSetup
from consent.documents import SITE_DOCUMENT_MAX_AGE, Document
from consent.location import CDN_HEADERS, locate
from consent.recorder import RecordWriter
from consent.schemas import (
    ConsentHistory,
    ConsentSetup,
    Decision,
    IdentityIn,
    Jurisdiction,
    RecordIn,
    RecordOut,
    Regime,
    SiteDocument,
)
from privacy.actors import Permission
from privacy.db import utcnow
from privacy.network import client_address
from privacy.ratelimit import Per, RateLimit
from privacy.settings import Settings
from privacy.web import DbSession, EncodedJSON, current_actor

STATIC = Path(__file__).parent / "static"
# The day this service began to honour Global Privacy Control (the file's required lastUpdate).
GPC_SUPPORT_SINCE = date(2026, 11, 22)
Key = Annotated[str, QueryParameter(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$", max_length=100)]
# Each choice is a stored row: counted per network, so hopping between one's own addresses gains nothing.
CONSENT_WRITES = RateLimit("consent-records", "consent_records_per_minute", Per.NETWORK, what="consent records")


# The decision path is left out of the generic HTTP metrics (they cost more than the decision).
_DECISIONS = Counter(
    "privacy_consent_decisions", "Consent decisions answered, by regime and banner", ["regime", "banner"]
)
DECISIONS = {
    (regime, shown): _DECISIONS.labels(regime.value, "shown" if shown else "hidden")
    for regime in Regime
    for shown in (True, False)
}


@functools.cache
def decision_vary(trusted_cdns: tuple[str, ...]) -> bytes:
    names = ["Origin", "Sec-GPC", *[header for cdn in trusted_cdns for header in CDN_HEADERS[cdn]]]
    return ", ".join(names).encode()


def gpc_signal(headers: Headers) -> bool:
    return headers.get("sec-gpc") == "1"  # exactly "1"; any other value is no signal


def visitor_jurisdiction(
    request: Request[Any, Any, Any], headers: Headers, current: LoadedSetup
) -> tuple[Jurisdiction, str | None]:
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else None
    address = client_address(peer, headers.get("x-forwarded-for"), settings.trusted_proxy_networks)
    country, region, source = locate(headers, address, settings.trusted_cdns)
    return decisions.jurisdiction(current, country=country, region=region, source=source), address


def cors_headers(headers: Headers, current: LoadedSetup, site_key: str) -> dict[str, str]:
    """The CORS answer for the calling origin, once the service has allowed it (`allowed_origin`)."""
    origin = decisions.allowed_origin(current, site_key=site_key, origin=headers.get("origin"))
    return {} if origin is None else {"access-control-allow-origin": origin, "vary": "Origin"}


def cached_answer(headers: Headers, document: Document, *, media_type: str, cache: dict[str, str]) -> Response[bytes]:
    """The document, or 304 without a body when the client's copy (`If-None-Match`) is this one."""
    answer_headers = {**cache, "etag": document.etag}
    if document.matches(headers.get("if-none-match")):
        return Response(b"", status_code=304, headers=answer_headers)
    return Response(document.body, media_type=media_type, headers=answer_headers)


class ReceiptCookie(Cookie):
    """A cookie written straight into its header. Litestar's own goes through `dataclasses.asdict`
    (a deep copy) and `SimpleCookie`, which took a sixth of a consent record's time; the values here
    (a compact JWS, a UUID) need no quoting."""

    def to_encoded_header(self) -> tuple[bytes, bytes]:
        parts = [f"{self.key}={self.value}", f"Max-Age={self.max_age}", f"Path={self.path}", "SameSite=lax"]
        return b"set-cookie", "; ".join([*parts, *(["Secure"] if self.secure else [])]).encode("latin-1")


def receipt_cookies(out: RecordOut, *, site: str, secure: bool, now: datetime) -> list[Cookie]:
    """The receipt and its consent id as first-party cookies set by the service, which browsers
    keep for the receipt's lifetime (script-set cookies are capped at 7 days by some). Readable by
    the banner, which applies the receipt itself."""
    lifetime = max(0, int((out.valid_until - now).total_seconds()))
    return [
        ReceiptCookie(key=name, value=value, max_age=lifetime, path="/", secure=secure, samesite="lax")
        for name, value in (
            (f"privacy_consent_{site}", out.receipt),
            (f"privacy_consent_{site}_id", str(out.consent_id)),
        )
    ]


class ConsentController(Controller):
    path = "/api/v1/consent"
    tags = ["consent"]

    @get(
        "/decision",
        summary="What may run for this visitor now, and whether to show the banner",
        responses={200: ResponseSpec(Decision, description="The decision", generate_examples=False)},
    )
    async def decision(
        self,
        request: Request[Any, Any, Any],
        site: Key,
        receipt: Annotated[str | None, QueryParameter(max_length=4096)] = None,
        lang: Annotated[str | None, QueryParameter(pattern=r"^[a-z]{2}$")] = None,
    ) -> EncodedJSON:
        cache: SetupCache = request.app.state.consent_cache
        current = cache.require()
        headers = request.headers
        where, _ = visitor_jurisdiction(request, headers, current)
        verdict = decisions.decide(
            current,
            site_key=site,
            where=where,
            gpc=gpc_signal(headers),
            receipt=receipt,
            keyring=request.app.state.keyring,
            now=utcnow(),
            language=lang,
        )
        DECISIONS[where.regime, verdict.show_banner].inc()
        settings: Settings = request.app.state.settings
        origin = decisions.allowed_origin(current, site_key=site, origin=headers.get("origin"))
        answer_headers = [  # raw header pairs: `cors_headers`' answer, without a dict on this hot path
            *([] if origin is None else [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]),
            (b"cache-control", b"private, no-store"),
            (b"vary", decision_vary(settings.trusted_cdns)),
        ]
        return EncodedJSON(decisions.decision_json(current, verdict=verdict), answer_headers)

    @get(
        "/site",
        summary="What a banner checks a standing receipt against: the site's policy version, text hash and categories",
        description="The same for every visitor and cacheable by browsers and CDNs; revalidate with If-None-Match.",
        responses={
            200: ResponseSpec(SiteDocument, description="The site document", generate_examples=False),
            304: ResponseSpec(None, description="The copy named in If-None-Match is current"),
        },
    )
    async def site_document(self, request: Request[Any, Any, Any], site: Key) -> Response[bytes]:
        document = decisions.site_document_of(request.app.state.consent_cache.require(), site)
        # The same public document for every origin and visitor, as consent.js is.
        cache = {"cache-control": f"public, max-age={SITE_DOCUMENT_MAX_AGE}", "access-control-allow-origin": "*"}
        return cached_answer(request.headers, document, media_type="application/json", cache=cache)

    @post("/records", guards=[CONSENT_WRITES], summary="Record a visitor's choice; answers with a signed receipt")
    async def record(self, request: Request[Any, Any, Any], data: JSONBody[RecordIn]) -> Response[RecordOut]:
        cache: SetupCache = request.app.state.consent_cache
        current = cache.require()
        headers = cors_headers(request.headers, current, data.site)
        where, address = visitor_jurisdiction(request, request.headers, current)
        writer: RecordWriter = request.app.state.consent_writer
        now = utcnow()
        out = await records.record_choice(
            request.app.state.sessions,
            writer=writer,
            keyring=request.app.state.keyring,
            current=current,
            data=data,
            where=where,
            gpc=gpc_signal(request.headers),
            address=address,
            now=now,
        )
        settings: Settings = request.app.state.settings
        cookies = receipt_cookies(out, site=data.site, secure=settings.served_over_https, now=now)
        return Response(out, status_code=201, headers={**headers, "cache-control": "no-store"}, cookies=cookies)

    @post(
        "/identity",
        guards=[CONSENT_WRITES],
        summary="A signed-in person's latest choice on this site, from any device, with a fresh receipt",
    )
    async def identity(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[IdentityIn]
    ) -> Response[RecordOut]:
        current = request.app.state.consent_cache.require()
        headers = cors_headers(request.headers, current, data.site)
        now = utcnow()
        out = await identity.persons_standing_choice(
            db_session, current=current, site=data.site, token=data.identity, now=now
        )
        settings: Settings = request.app.state.settings
        cookies = receipt_cookies(out, site=data.site, secure=settings.served_over_https, now=now)
        return Response(out, status_code=200, headers={**headers, "cache-control": "no-store"}, cookies=cookies)

    @route(
        ["/records", "/identity"],
        http_method=HttpMethod.OPTIONS,
        summary="CORS preflight for the banner's origin",
        include_in_schema=False,
    )
    # Litestar registers a controller's handlers in name order and gives a path its automatic OPTIONS
    # handler when none is there yet: this one's name must sort before those of the POST handlers.
    async def answer_preflight(self, request: Request[Any, Any, Any], site: Key) -> Response[None]:
        headers = cors_headers(request.headers, request.app.state.consent_cache.require(), site)
        return Response(
            None,
            status_code=204,
            headers={
                **headers,
                "access-control-allow-methods": "POST",
                "access-control-allow-headers": "content-type",
                "access-control-max-age": "600",
            },
        )

    @get("/records/{consent_id:uuid}", summary="Current state and history of one consent id")
    async def history(self, db_session: DbSession, consent_id: FromPath[uuid.UUID]) -> ConsentHistory:
        return await records.consent_history(db_session, consent_id=consent_id)


@get("/.well-known/gpc.json", tags=["consent"], summary="Declares support for Global Privacy Control")
async def gpc_json() -> dict[str, Any]:
    return {"gpc": True, "lastUpdate": GPC_SUPPORT_SINCE.isoformat()}


class ConsentSetupController(Controller):
    path = "/consent/setup"
    tags = ["consent"]

    @get("/", opt={"permission": Permission.READ}, summary="The consent set-up")
    async def show(self, db_session: DbSession) -> ConsentSetup:
        return await setup.current_setup(db_session)

    @put("/", opt={"permission": Permission.EDIT_REGISTER}, summary="Replace the consent set-up")
    async def replace(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[ConsentSetup]
    ) -> ConsentSetup:
        await setup.save_setup(db_session, setup=data, actor=current_actor(request), now=utcnow())
        return data


ASSETS = {name: Document.of((STATIC / name).read_bytes()) for name in ("consent.js", "consent.css")}
# Embedded in other sites' pages: cacheable for an hour, revalidated after.
ASSET_CACHE = {
    "cache-control": "public, max-age=3600",
    "cross-origin-resource-policy": "cross-origin",
    "access-control-allow-origin": "*",
}


@get("/consent.js", tags=["consent"], summary="The banner script", include_in_schema=False)
async def consent_js(request: Request[Any, Any, Any]) -> Response[bytes]:
    # Litestar adds the charset.
    return cached_answer(request.headers, ASSETS["consent.js"], media_type="text/javascript", cache=ASSET_CACHE)


@get("/consent.css", tags=["consent"], summary="The banner's styles", include_in_schema=False)
async def consent_css(request: Request[Any, Any, Any]) -> Response[bytes]:
    return cached_answer(request.headers, ASSETS["consent.css"], media_type="text/css", cache=ASSET_CACHE)


PUBLIC_HANDLERS: list[ControllerRouterHandler] = [
    ConsentController,
    gpc_json,
    consent_js,
    consent_css,
]
ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [ConsentSetupController]
