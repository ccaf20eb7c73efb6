"""What every console page shares: the page with the signed-in actor and what they may do, and a
form post (the change, then on to the next page; or the form again, saying what was wrong)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import ValidationError

from privacy.actors import Actor, Permission
from privacy.errors import FieldError, PrivacyError, form_errors

Form = URLEncodedBody[dict[str, str]]
# A form with a group of check boxes: a field ticked more than once arrives as a list.
TickedForm = URLEncodedBody[dict[str, str | list[str]]]


def console_page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """`template` names the domain's folder: `"retention/console.html"`."""
    actor: Actor | None = request.scope.get("user")
    return Template(
        template_name=template,
        status_code=status_code,
        headers=headers,
        context={"actor": actor, "permissions": Permission, "errors": [], "field_labels": {}, "form": {}, **context},
    )


def error_status(error: Exception) -> int:
    return error.status_code if isinstance(error, PrivacyError) else 422


async def submit_form(
    change: Callable[[], Awaitable[str]],
    *,
    again: Callable[[list[FieldError], int], Awaitable[Response[Any]]],
) -> Response[Any]:
    """Make the change a form asks for and go to the page it answers (303), or show the form again
    with each field's problem (422, or the error's own status)."""
    try:
        location = await change()
    except (ValidationError, PrivacyError) as error:
        return await again(form_errors(error), error_status(error))
    return Redirect(location, status_code=303)


def textarea_lines(text: str) -> list[str]:
    """A textarea's lines that hold something, trimmed."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def key_and_value(line: str) -> tuple[str, str]:
    """`name = value` as its two sides, trimmed (no `=`: the value is empty)."""
    name, _, value = line.partition("=")
    return name.strip(), value.strip()
