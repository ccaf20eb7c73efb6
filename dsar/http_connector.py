"""Other systems' HTTP endpoints as connectors: a signed request (`privacy.signing`) to export,
erase, rectify or suppress one person, answered at once or later through a signed callback."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import httpx

from dsar.connectors import Erasure, Kept, Table
from dsar.systems import System
from privacy.errors import Invalid, Unauthorized
from privacy.json_input import json_from_body
from privacy.outbound import post_to_system
from privacy.settings import Settings
from privacy.signing import signature_is_valid, signed_headers
from privacy.systems import BadAnswer, answer_of, reaching

TIMEOUT = httpx.Timeout(15.0, connect=5.0)


async def call_system(
    system: System,
    *,
    action: str,
    email: str,
    step_reference: str,
    callback_url: str,
    settings: Settings,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The system's answer, or None when it will answer through the callback (202). `details` go
    with the action: a rectification's `fields`, an objection's `activities`."""
    connection = system.reached
    message = {"action": action, "email": email, "request": step_reference, "callback_url": callback_url}
    body = json.dumps({**message, **(details or {})}).encode()
    async with reaching(connection.key):
        response = await post_to_system(
            connection.url,
            body=body,
            headers=signed_headers(connection.secret or "", body, now),
            timeouts=TIMEOUT,
            settings=settings,
        )
        if response.status_code == 202:
            return None
        if response.status_code != 200:
            raise BadAnswer(f"answered {response.status_code}")
        return answer_of(response)


def tables_from(system: System, answer: dict[str, Any]) -> list[Table]:
    try:
        return [
            Table(
                system.key,
                str(table["name"]),
                str(table.get("category", "identification")),
                list(table["rows"]),
                provided_by_person=bool(table.get("provided_by_person", False)),
            )
            for table in answer["tables"]
        ]
    except (KeyError, TypeError) as error:
        raise BadAnswer("the export answer lacks tables with a name and rows") from error


def erasure_from(system: System, answer: dict[str, Any]) -> Erasure:
    try:
        return Erasure(
            system.key,
            erased=[str(item) for item in answer.get("erased", [])],
            kept=[
                Kept(str(k["what"]), str(k["why"]), date.fromisoformat(k["until"]) if k.get("until") else None)
                for k in answer.get("kept", [])
            ],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BadAnswer("the erasure answer is not in the expected shape") from error


def corrected_from(answer: dict[str, Any], fields: dict[str, str | None]) -> list[str]:
    """The fields the system says it corrected (`corrected`), among those it was sent: nothing else
    it says reaches the person's letter."""
    corrected = answer.get("corrected")
    if not isinstance(corrected, list):
        raise BadAnswer("the rectification answer lacks `corrected`, the list of fields corrected")
    return sorted(set(fields) & {str(name) for name in corrected})


def callback_answer(
    system: System, *, timestamp: str | None, signature: str | None, content_type: str, body: bytes, now: datetime
) -> tuple[int, Any]:
    """A later answer through the callback: the step it answers and the answer, once the signature
    (the system's secret over the timestamp and the body) verifies."""
    secret = system.connection.secret if system.connection else None
    if not secret or not signature_is_valid(secret, timestamp=timestamp, given=signature, body=body, now=now):
        raise Unauthorized("the signature does not verify")
    answer = json_from_body(content_type, body)  # as every JSON body: typed, not too deep
    try:
        return int(answer["request"]), answer
    except (ValueError, KeyError, TypeError) as error:
        raise Invalid("the body must be JSON naming the request it answers") from error
