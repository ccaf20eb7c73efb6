"""YAML is bounded: size, depth and what anchors and aliases expand to are checked before anything
is built from it, in `privacy apply`, the configuration parser and the console's set-up form."""

from __future__ import annotations

import html
import re
import subprocess
import time
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.actors import Role
from privacy.composition import configuration
from privacy.errors import Invalid
from privacy.settings import Settings
from privacy.yaml_input import MAX_ALIAS_VALUES, MAX_DEPTH, load_yaml
from tests.conftest import add_user, app_with_demo, client_of, environment_for, login, privacy_command, sessions_of


def laughs(levels: int) -> str:
    """The 'billion laughs': each level ten aliases of the one before."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


# A few kilobytes, valid today: a consent set-up whose services and cookies are aliases of one
# another. Expanded, 500 services of 100 cookies each, which the toolkit used to store as one row.
COOKIE_BOMB = (
    'consent:\n  policy_version: "1"\n  sites: [{key: www}]\n'
    "  categories: [{key: necessary, labels: {en: Necessary}}]\n"
    "  texts: {en: {title: t, body: b, accept_all: a, reject_all: r, customise: c, save: s}}\n"
    "  services:\n"
    "    - &service {key: x, category: necessary, vendor: v, purpose: p, cookies: [&cookie {name: a-long-name, "
    "duration: thirteen months, domain: example.org}, "
    + ", ".join(["*cookie"] * 99)
    + "]}\n"
    + "".join("    - *service\n" for _ in range(499))
)
SHARED_TEXTS = """
policy_version: "1"
sites: [{key: www}, {key: shop}]
categories: [{key: necessary, labels: &labels {en: Necessary, fr: Nécessaires}}]
texts:
  en: &texts
    {title: Cookies, body: We use cookies., accept_all: Accept, reject_all: Reject, customise: Choose, save: Save}
  fr: *texts
"""


def refused_quickly(text: str, **limits: int) -> str:
    started = time.monotonic()
    with pytest.raises(Invalid) as refused:
        configuration().parse(text, **limits)
    assert time.monotonic() - started < 1.0, "refused in under a second"
    return refused.value.detail


def test_a_billion_laughs_is_refused_in_under_a_second() -> None:
    assert "aliases expand" in refused_quickly(laughs(9))


def test_aliases_that_multiply_services_and_cookies_are_refused() -> None:
    assert len(COOKIE_BOMB.encode()) < 10_000
    assert "aliases expand" in refused_quickly(COOKIE_BOMB)


def test_a_few_aliases_sharing_texts_are_fine() -> None:
    setup = load_yaml(SHARED_TEXTS)
    assert setup["texts"]["fr"] == setup["texts"]["en"]


def test_aliases_may_not_grow_a_document_past_the_size_limit() -> None:
    long_value = "x" * 2000
    text = f"a: &long {long_value}\nb: [{', '.join(['*long'] * 5)}]\n"
    assert "larger than 4096 bytes" in refused_quickly(text, max_bytes=4096)
    assert load_yaml(text, max_bytes=20_000)["b"][4] == long_value


def test_a_file_past_the_size_limit_is_refused_before_it_is_read() -> None:
    assert "larger than 2048 bytes" in refused_quickly("# padding\n" * 300, max_bytes=2048)
    six_megabytes = "# padding\n" * 630_000
    assert "PRIVACY_MAX_YAML_BYTES" in refused_quickly(six_megabytes)


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 100_000])
def test_yaml_nested_too_deep_is_refused(levels: int) -> None:
    flow = "organisation: " + "[" * levels + "]" * levels
    assert "nested deeper" in refused_quickly(flow)
    block = "".join(f"{'  ' * level}k{level}:\n" for level in range(min(levels, 2000))) + "  " * levels + "x: 1\n"
    assert "nested deeper" in refused_quickly(block)


def test_aliases_may_not_nest_a_document_deeper_than_the_limit() -> None:
    lines = ["a0: &a0 [x]"]
    for level in range(1, 8):  # each level nests the one before eight deep: 56 levels in all
        lines.append(f"a{level}: &a{level} " + "[" * 8 + f"*a{level - 1}" + "]" * 8)
    assert "nested deeper" in refused_quickly("\n".join(lines))


def test_an_alias_inside_its_own_value_is_refused() -> None:
    assert "inside the value it refers to" in refused_quickly("a: &a [1, *a]\n")


def test_within_the_limits_anchors_still_work() -> None:
    document = load_yaml("base: &base {a: 1}\nmerged: {<<: *base, b: 2}\n")
    assert document["merged"] == {"a": 1, "b": 2}
    assert load_yaml("") is None
    items = ", ".join(["*one"] * (MAX_ALIAS_VALUES // 2))
    assert len(load_yaml(f"one: &one 1\nmany: [{items}]\n")["many"]) == MAX_ALIAS_VALUES // 2


def test_privacy_apply_refuses_a_bomb_with_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(laughs(9))
    started = time.monotonic()
    result = subprocess.run(
        privacy_command("apply", str(bomb)),
        env=environment_for(settings),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "aliases expand" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 20, "the command's own start-up included"


async def test_the_console_set_up_form_refuses_a_bomb_and_an_oversized_document(settings: Settings) -> None:
    settings = settings.model_copy(update={"max_yaml_bytes": 4096})
    app: Litestar = await app_with_demo(settings)
    async with sessions_of(app, settings) as sessions:
        await add_sessions_user(sessions)
    async with client_of(app) as client:
        assert await login(client, "officer@example.org") == 303
        token = await form_token(client)
        for document, expected in ((laughs(9), "aliases expand"), ("# padding\n" * 500, "larger than 4096 bytes")):
            started = time.monotonic()
            refused = await client.post("/console/consent/setup", data={"document": document, "_csrf_token": token})
            assert time.monotonic() - started < 1.0
            assert refused.status_code == 422
            assert expected in html.unescape(refused.text)


async def add_sessions_user(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "officer@example.org", Role.PRIVACY_OFFICER)


async def form_token(client: AsyncTestClient[Litestar]) -> str:
    page = await client.get("/console/consent/setup")
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)
