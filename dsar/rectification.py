"""Rectification (Art. 16 GDPR): the privacy team decides, system by system, the corrected values
or why the data stays as it is. The toolkit writes the corrections (an SQL system's rectifiable
columns, or a signed `rectify` request to an HTTP system); in a manual system staff correct it by
hand and say what they corrected. Once every system is done, the person is told what was corrected
where, and why not elsewhere with their right to complain (Art. 12(3)-(4))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dsar import systems
from dsar.connector_schemas import ConnectorKind
from dsar.connectors import Payload
from dsar.http_connector import call_system, corrected_from
from dsar.schemas import ManualResultIn
from dsar.sql_connector import rectify_sql
from privacy.errors import FieldError, Invalid
from privacy.settings import Settings

RECTIFY = "rectify"


def decided(found: systems.System, *, result: ManualResultIn) -> Payload | None:
    """Staff's decision for one system: the step's result when the decision finishes it (a refusal,
    or a manual system corrected by hand), None when the toolkit is to write the corrections."""
    if result.refused and result.fields:
        raise Invalid(
            "either the corrected values or why not, not both",
            errors=[FieldError("refused", "leave empty when giving corrected values")],
        )
    if result.refused:
        return outcome(found, corrected=[], refused=result.refused)
    if not result.fields:
        raise Invalid(
            "give the corrected values (fields) or why the data is not corrected (refused)",
            errors=[FieldError("fields", "give the corrected values, or a reason in refused")],
        )
    if found.config.kind is ConnectorKind.SQL:
        allowed = {name for mapping in found.config.tables for name in mapping.rectifiable}
        unknown = sorted(set(result.fields) - allowed)
        if unknown:
            raise Invalid(
                f"{found.config.name} has no rectifiable column named {', '.join(unknown)}",
                errors=[FieldError(f"fields.{name}", "not a rectifiable column of this system") for name in unknown],
            )
    if found.config.kind is ConnectorKind.MANUAL:
        return outcome(found, corrected=sorted(result.fields), refused=None)
    return None


async def write_corrections(
    found: systems.System,
    *,
    fields: dict[str, str | None],
    email: str,
    step_reference: str,
    callback_url: str,
    settings: Settings,
    now: datetime,
) -> Payload | None:
    """The corrections written in the system; None when an HTTP system answers later."""
    if found.config.kind is ConnectorKind.SQL:
        corrected = await rectify_sql(found, fields=fields, email=email, settings=settings)
        return outcome(found, corrected=corrected, refused=None)
    answer = await call_system(
        found,
        action=RECTIFY,
        email=email,
        step_reference=step_reference,
        callback_url=callback_url,
        settings=settings,
        now=now,
        details={"fields": fields},
    )
    return None if answer is None else outcome_from_answer(found, answer=answer, fields=fields)


def outcome_from_answer(found: systems.System, *, answer: dict[str, Any], fields: dict[str, str | None]) -> Payload:
    return outcome(found, corrected=corrected_from(answer, fields), refused=None)


def outcome(found: systems.System, *, corrected: list[str], refused: str | None) -> Payload:
    return {"rectification": {"system": found.config.name, "corrected": corrected, "refused": refused}}


def answer_lines(results: list[Payload]) -> tuple[str, list[str], bool]:
    """The outcome, a line per system for the person, and whether any system refused."""
    outcomes = [result["rectification"] for result in results if "rectification" in result]
    outcome = "rectified" if any(item["corrected"] for item in outcomes) else "not rectified"
    # Art. 12(4): where nothing was corrected, or a system refused, the person may complain.
    contested = outcome == "not rectified" or any(item["refused"] for item in outcomes)
    return outcome, [_line(item) for item in outcomes], contested


def _line(item: dict[str, Any]) -> str:
    if item["refused"]:
        return f"{item['system']}: not corrected. {item['refused']}"
    if not item["corrected"]:
        return f"{item['system']}: nothing of yours to correct was found"
    return f"{item['system']}: corrected {'; '.join(item['corrected'])}"
