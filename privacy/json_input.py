"""JSON from outside: sent as JSON, valid, and nested no deeper than a document of ours ever is.

Every JSON body reaches a handler through `Request.json()` (Litestar's `JSONBody`), so the app's
request class checks there; a handler that reads the raw body (to check a signature first) calls
`json_from_body` itself."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from privacy.errors import PrivacyError

# The deepest document the toolkit takes (the consent set-up) is about eight levels deep. Deeper
# nesting only costs: parsers and validators recurse, and a thousand levels overflow the stack.
MAX_DEPTH = 32


class UnsupportedMediaType(PrivacyError):
    status_code = 415
    title = "Unsupported media type"


def is_json_media_type(media_type: str) -> bool:
    """`application/json`, or a JSON-based type such as `application/merge-patch+json`."""
    media_type = media_type.strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def require_json_media_type(media_type: str) -> None:
    if not is_json_media_type(media_type):
        raise UnsupportedMediaType(
            f"this endpoint takes JSON: send the body as application/json, not {media_type or 'without a type'}"
        )


def parse_json(body: bytes) -> Any:
    """The document in `body`; 400 when it is not JSON or nests deeper than MAX_DEPTH."""
    try:
        value = msgspec.json.decode(body)
    except RecursionError as error:  # msgspec's own limit, far above ours
        raise _too_deep() from error
    except msgspec.DecodeError as error:
        raise PrivacyError(f"the body is not valid JSON: {error}") from error
    # Every level opens a bracket: a body with few brackets cannot be deep, and needs no walk.
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise _too_deep()
    return value


def json_from_body(content_type: str, body: bytes) -> Any:
    require_json_media_type(content_type)
    return parse_json(body)


def _too_deep() -> PrivacyError:
    return PrivacyError(f"the JSON document is nested deeper than {MAX_DEPTH} levels")


def _deeper_than(value: Any, limit: int) -> bool:
    """Without recursion, so that the check itself cannot overflow the stack."""
    pending: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        container, depth = pending.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONCheckedRequest(Request[Any, Any, Any]):
    """The app's request class: a JSON body must say it is JSON, and is parsed with the checks above."""

    async def json(self) -> Any:
        require_json_media_type(self.content_type[0])
        return parse_json(await self.body())
