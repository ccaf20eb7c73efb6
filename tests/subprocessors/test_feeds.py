"""The published list as CSV and as an Atom feed read by a real feed parser."""

from __future__ import annotations

import csv
import io

import feedparser

from tests.subprocessors.conftest import Client, new_subprocessor


async def test_atom_feed_has_one_entry_per_published_change(web: Client, admin: dict[str, str]) -> None:
    await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    before = feedparser.parse((await web.get("/subprocessors.atom")).content)
    assert [entry.title for entry in before.entries if "Plausible" in entry.title] == [], "proposals stay internal"
    await web.post("/api/v1/admin/subprocessors/plausible/announce", json={"summary": "Cookieless"}, headers=admin)
    answer = await web.get("/subprocessors.atom")
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title == "Sub-processors of Nordlicht Hosting GmbH"
    assert len(feed.entries) == 5, "four in use since the set-up, one announced"
    newest = feed.entries[0]
    assert newest.title.startswith("Announced: Plausible Insights OÜ, from ")
    assert "Cookieless" in newest.summary and newest.link.endswith(f"#change-{newest.id.rsplit('-', 1)[1]}")
    assert len({entry.id for entry in feed.entries}) == 5


async def test_csv_lists_what_is_in_use_on_the_day(web: Client) -> None:
    answer = await web.get("/subprocessors.csv", params={"at": "2024-06-01"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["key"] for row in rows] == ["hetzner", "stripe", "zendesk"]
    stripe = next(row for row in rows if row["key"] == "stripe")
    assert stripe["processing_locations"] == "IE; US" and stripe["transfer_mechanism"] == "eu_us_data_privacy_framework"
