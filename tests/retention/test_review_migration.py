"""Migration 0014: rules saved before review existed stay approved; new ones await review."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from privacy.db import migration_commands, upgrade_database
from tests.privacy.test_migrations import empty_database, execute_sql, settings_for

__all__ = ["empty_database"]  # the fixture, used by name


def test_rules_saved_before_review_existed_stay_approved(empty_database: str, tmp_path: Path) -> None:
    settings = settings_for(empty_database, tmp_path)
    migration_commands(settings).upgrade("0013")
    rule = {"key": "mail", "period": "P90D", "store": {"kind": "toolkit", "name": "delivered_mail"}}
    insert = "INSERT INTO retention_rules (key, content, updated_at) VALUES ('mail', :content, :now)"
    now = datetime.now(UTC).replace(tzinfo=None)
    asyncio.run(execute_sql(empty_database, insert, {"content": json.dumps(rule), "now": now}))
    upgrade_database(settings)
    rows = asyncio.run(execute_sql(empty_database, "SELECT key, awaiting_review FROM retention_rules"))
    assert [(key, bool(awaiting)) for key, awaiting in rows] == [("mail", False)]
