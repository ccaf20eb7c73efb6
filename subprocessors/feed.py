"""The Atom feed of the sub-processor list (RFC 4287): one entry per published change."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from subprocessors.models import SubProcessorChange

ATOM = "http://www.w3.org/2005/Atom"
KIND_TITLES = {
    "announced": "Announced: {name}, from {effective_on}",
    "activated": "In use: {name}",
    "updated": "Details changed: {name}",
    "retirement_announced": "Leaving: {name}, from {effective_on}",
    "retired": "No longer used: {name}",
}


def atom(changes: list[SubProcessorChange], *, public_url: str, organisation: str | None, now: datetime) -> bytes:
    base = public_url.rstrip("/")
    ElementTree.register_namespace("", ATOM)
    root = ElementTree.Element(f"{{{ATOM}}}feed")
    _text(root, "id", f"{base}/subprocessors.atom")
    _text(root, "title", f"Sub-processors{f' of {organisation}' if organisation else ''}")
    updated = max((change.at for change in changes), default=now)
    _text(root, "updated", _instant(updated))
    ElementTree.SubElement(root, f"{{{ATOM}}}link", rel="self", href=f"{base}/subprocessors.atom")
    ElementTree.SubElement(root, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/privacy/subprocessors")
    author = ElementTree.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", organisation or "privacy team")
    for change in changes:
        _entry(root, change, base)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _entry(root: ElementTree.Element, change: SubProcessorChange, base: str) -> None:
    entry = ElementTree.SubElement(root, f"{{{ATOM}}}entry")
    name = str(change.content.get("name", change.key))
    _text(entry, "id", f"{base}/privacy/subprocessors#change-{change.id}")
    _text(entry, "title", KIND_TITLES.get(change.kind, "{name}").format(name=name, effective_on=change.effective_on))
    _text(entry, "updated", _instant(change.at))
    ElementTree.SubElement(
        entry, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/privacy/subprocessors#change-{change.id}"
    )
    locations = ", ".join(change.content.get("processing_locations", []))
    summary = f"{change.content.get('service')}: {change.content.get('purpose')}. Processing in {locations}."
    if change.summary:
        summary = f"{summary} {change.summary}"
    _text(entry, "summary", summary)


def _text(parent: ElementTree.Element, tag: str, value: str) -> None:
    ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}").text = value


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
