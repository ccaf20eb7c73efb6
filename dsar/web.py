"""What the request API and the privacy centre's pages share over HTTP: where the person's token
travels, and how often a client may write (the form and the API of one action share a count,
`privacy.ratelimit`)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from privacy.ratelimit import RateLimit

REQUEST_COOKIE = "privacy_request"
# Per client and minute; the privacy centre's forms count under the same limits as the API.
REQUEST_INTAKE = RateLimit("request-intake", "request_posts_per_minute", what="requests submitted")
CODE_TRIES = RateLimit("code-attempts", "code_attempts_per_minute", what="codes tried")
CODE_RESENDS = RateLimit("code-resends", "code_resends_per_minute", what="new codes asked for")


def person_token(request: Request[Any, Any, Any]) -> str | None:
    """The person's token: from `Authorization: Bearer` (API) or the privacy centre's cookie (pages).
    Never from the URL, where it would end up in histories and logs."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(REQUEST_COOKIE)
