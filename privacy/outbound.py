"""Connections the toolkit opens to other systems. Every one goes only to addresses the outbound
allow-list admits (public ones by default), checked after the name is resolved and pinned to the
checked address; never to the toolkit's own database; SQLite files only from the folder set aside
for them, opened read-only where nothing is to be written, and never created."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from privacy.errors import FieldError, Invalid, PrivacyError
from privacy.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
POSTGRESQL = "postgresql+asyncpg"
SQLITE = "sqlite+aiosqlite"
POSTGRESQL_NAMES = {"postgresql", "postgres", POSTGRESQL}
SQLITE_NAMES = {"sqlite", SQLITE}
# Query parameters a PostgreSQL system's URL may carry: TLS only. `host` and the like would let a
# URL point at a local socket behind the address that was checked.
POSTGRESQL_PARAMETERS = {"ssl"}
SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
CONNECT_SECONDS = 10.0


class OutboundRefused(PrivacyError):
    """A connection the rules above do not allow; nothing was opened."""


@dataclass(frozen=True)
class OutboundPolicy:
    """`PRIVACY_OUTBOUND_ALLOW`: host names and networks admitted beyond the public internet."""

    hosts: frozenset[str]
    networks: tuple[Network, ...]

    def admits(self, host: str, address: Address) -> bool:
        if host.lower().rstrip(".") in self.hosts or any(address in network for network in self.networks):
            return True
        return _is_public(address)


def _is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@functools.cache
def outbound_policy(allow: str) -> OutboundPolicy:
    hosts, networks = set(), []
    for item in (part.strip() for part in allow.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item.lower().rstrip("."))
    return OutboundPolicy(frozenset(hosts), tuple(networks))


async def admitted_addresses(host: str, port: int, settings: Settings) -> list[str]:
    """The addresses `host` resolves to, when the allow-list admits every one of them."""
    policy = outbound_policy(settings.outbound_allow)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise OutboundRefused(f"the host name {host} does not resolve") from error
    addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))
    if not addresses or not all(policy.admits(host, ipaddress.ip_address(a)) for a in addresses):
        raise OutboundRefused(f"{host} is not a public address and PRIVACY_OUTBOUND_ALLOW does not admit it")
    return addresses


# HTTP systems


def check_http_url(text: str, settings: Settings) -> str:
    """An HTTP system's URL as registered: absolute, http or https, no credentials in it, and not
    an address the allow-list refuses (names are checked when the system is reached)."""
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as error:
        raise _invalid("url", "not a URL") from error
    if url.scheme not in ("http", "https") or not url.host:
        raise _invalid("url", "an HTTP system's URL starts with https:// (or http://) and names a host")
    if url.userinfo:
        raise _invalid("url", "credentials do not belong in the URL: give the system a shared secret")
    _refuse_unadmitted_address(url.host, settings)
    return str(url)


def _refuse_unadmitted_address(host: str, settings: Settings) -> None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return  # a name: resolved and checked at every connection
    if not outbound_policy(settings.outbound_allow).admits(host, address):
        raise _invalid("url", f"{host} is not a public address and PRIVACY_OUTBOUND_ALLOW does not admit it")


async def post_to_system(
    url: str, *, body: bytes, headers: dict[str, str], timeouts: httpx.Timeout, settings: Settings
) -> httpx.Response:
    """POST to another system at an address the allow-list admits, pinned to that address (the
    name is not resolved again behind the check), without following redirects or proxies."""
    target = httpx.URL(url)
    port = target.port or (443 if target.scheme == "https" else 80)
    addresses = await admitted_addresses(target.host, port, settings)
    host_header = target.host if target.port is None else f"{target.host}:{target.port}"
    async with httpx.AsyncClient(timeout=timeouts, follow_redirects=False, trust_env=False) as client:
        return await client.post(
            target.copy_with(host=addresses[0]),
            content=body,
            headers={**headers, "host": host_header},
            extensions={"sni_hostname": target.host},
        )


# SQL systems


async def check_sql_url(text: str, settings: Settings) -> str:
    """A SQL system's URL as registered (PostgreSQL through asyncpg, or a SQLite file in
    `PRIVACY_EXTERNAL_SQLITE_DIR`), with its driver named; never the toolkit's own database."""
    try:
        url = make_url(text)
    except ArgumentError as error:
        raise _invalid("url", "not a database URL such as postgresql://user:password@host/database") from error
    if url.drivername in POSTGRESQL_NAMES:
        url = await _checked_postgresql(url.set(drivername=POSTGRESQL), settings)
    elif url.drivername in SQLITE_NAMES:
        url = url.set(drivername=SQLITE, database=str(_checked_sqlite_file(url, settings)))
    else:
        raise _invalid("url", "a SQL system is a PostgreSQL database or a SQLite file")
    return url.render_as_string(hide_password=False)


async def _checked_postgresql(url: URL, settings: Settings) -> URL:
    if not url.host or "," in url.host or url.host.startswith("/"):
        raise _invalid("url", "name the database server's host: local sockets and host lists are not accepted")
    if not url.database:
        raise _invalid("url", "name the database")
    unknown = set(url.query) - POSTGRESQL_PARAMETERS
    if unknown:
        raise _invalid("url", f"only ssl may be set in the URL, not {', '.join(sorted(unknown))}")
    if url.query.get("ssl") not in (None, *SSL_MODES):
        raise _invalid("url", f"ssl is one of {', '.join(sorted(SSL_MODES))}")
    if await _same_postgresql_database(url, settings):
        raise _invalid("url", "this is the toolkit's own database, which can never be another system")
    _refuse_unadmitted_address(url.host, settings)
    return url


async def _same_postgresql_database(url: URL, settings: Settings) -> bool:
    own = make_url(settings.effective_database_url)
    if own.drivername not in POSTGRESQL_NAMES or own.database != url.database:
        return False
    if (own.port or 5432) != (url.port or 5432):
        return False
    return bool(await _host_addresses(own.host or "localhost") & await _host_addresses(url.host or ""))


async def _host_addresses(host: str) -> set[str]:
    """The host and what it resolves to, so `localhost` and `127.0.0.1` are seen as one server."""
    names = {host.lower().rstrip(".")}
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return names
    return names | {str(info[4][0]).split("%")[0] for info in found}


def _checked_sqlite_file(url: URL, settings: Settings) -> Path:
    if url.query or not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise _invalid("url", "a SQLite system is a file path, with no options: sqlite:////path/to/file.sqlite3")
    return sqlite_file_allowed(Path(url.database), settings)


def sqlite_file_allowed(path: Path, settings: Settings) -> Path:
    """The file, symlinks followed, when it lies in the folder for other systems' SQLite files and
    is nothing of the toolkit's own."""
    if settings.external_sqlite_dir is None:
        raise _invalid("url", "SQLite systems are switched off: PRIVACY_EXTERNAL_SQLITE_DIR is not set")
    resolved = path.resolve()
    if _toolkit_owns(resolved, settings):
        raise _invalid("url", "this file belongs to the toolkit itself and can never be another system")
    if not resolved.is_relative_to(settings.external_sqlite_dir.resolve()):
        raise _invalid("url", "SQLite files of other systems must lie in PRIVACY_EXTERNAL_SQLITE_DIR")
    return resolved


def _toolkit_owns(resolved: Path, settings: Settings) -> bool:
    if resolved.is_relative_to(settings.data_dir.resolve()):
        return True
    own = make_url(settings.effective_database_url)
    if own.drivername not in SQLITE_NAMES or not own.database:
        return False
    database = Path(own.database).resolve()
    return resolved in {database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")}


async def open_sql_system(text: str, *, read_only: bool, settings: Settings) -> AsyncEngine:
    """An engine for another system's database, checked again now (a file may have become a
    symlink, a name may resolve elsewhere): SQLite opened read-only or read-write, never created;
    PostgreSQL only at an address the allow-list admits, read-only transactions when asked."""
    try:
        url = make_url(await check_sql_url(text, settings))
    except Invalid as error:
        raise OutboundRefused("; ".join(item.message for item in error.errors) or error.detail) from error
    options: dict[str, Any] = {"poolclass": NullPool}
    if url.drivername == SQLITE:
        mode = "ro" if read_only else "rw"
        url = make_url(f"{SQLITE}:///file:{quote(url.database or '')}?mode={mode}&uri=true")
    else:
        await admitted_addresses(url.host or "", url.port or 5432, settings)
        options["connect_args"] = {"timeout": CONNECT_SECONDS}
        if read_only:
            options["execution_options"] = {"postgresql_readonly": True}
    return create_async_engine(url, **options)


def shown_url(text: str) -> str:
    """A system's URL as an administrator sees it: the password hidden."""
    try:
        url = make_url(text)
    except ArgumentError:
        return text
    return url.render_as_string(hide_password=True) if url.password else text


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(f"the system's {field} is not accepted", errors=[FieldError(field, message)])
