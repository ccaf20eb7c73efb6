"""Settings from `PRIVACY_*` environment variables (and a `.env` file)."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRIVACY_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; empty means SQLite in the data folder"
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Master secret; generated into the data folder when empty"
    )
    public_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 1_048_576
    session_hours: int = 12
    login_max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins for one email from one client address before it pauses"
    )
    login_client_max_failures: int = Field(
        default=20, ge=1, description="failed sign-ins from one client address, whatever the emails, before it pauses"
    )
    login_window_minutes: int = 15
    log_level: str = "INFO"
    geo_headers: str = Field(
        default="", description="CDNs whose location headers are trusted: cloudflare, cloudfront, vercel"
    )
    trusted_proxies: str = Field(default="", description="addresses or networks whose X-Forwarded-For is honoured")
    consent_refresh_seconds: float = 2.0
    smtp_host: str = Field(default="", description="empty: messages wait in the console's outbox")
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "privacy@localhost"
    background_work: bool = Field(default=True, description="run background work inside `privacy serve`")
    background_interval_seconds: float = 5.0
    outbound_allow: str = Field(
        default="",
        description="hosts and networks (CIDR) other systems may be reached at beyond public addresses; "
        "loopback, link-local and private addresses are refused unless named here",
    )
    external_sqlite_dir: Path | None = Field(
        default=None, description="the only folder whose SQLite files may be registered as other systems"
    )
    step_lease_seconds: int = Field(
        default=600, ge=1, description="how long a worker holds a request's step before another may take it up"
    )
    request_clock_starts: str = Field(
        default="receipt", pattern="^(receipt|verification)$", description="when the one-month clock starts"
    )
    request_token_days: int = Field(default=30, ge=1, le=365)
    package_days: int = Field(default=7, ge=1, le=90)
    # Art. 18(3): the person is told before a restriction is lifted; it is lifted this many days later.
    restriction_lift_notice_days: int = Field(default=14, ge=1, le=90)
    # Art. 85 loi Informatique et Libertés: unset, offered where the organisation's country is FR.
    post_mortem_directives: bool | None = None
    request_reminder_days: str = Field(default="7,2", description="days before the deadline when staff are reminded")
    subprocessor_notice_days: int = Field(
        default=30, ge=1, description="how far ahead a sub-processor change is announced; objections run until then"
    )
    retention_batch_size: int = Field(
        default=5000, ge=1, le=100_000, description="a sweep's first batch; the next ones follow a time budget"
    )
    retention_lease_seconds: int = Field(default=300, ge=5, description="renewed after every batch")
    # Public writes, per client and minute, counted by each service process on its own.
    request_posts_per_minute: int = Field(
        default=5, ge=1, description="per client: submitting requests (public form and API, applications' customers)"
    )
    code_attempts_per_minute: int = Field(default=10, ge=1, description="per client: one-time codes tried")
    code_resends_per_minute: int = Field(
        default=10, ge=1, description="per client: new codes asked for (each request: one a minute, five in all)"
    )
    consent_records_per_minute: int = Field(
        default=60, ge=1, description="per client network (IPv4 /24, IPv6 /56): consent choices and identity look-ups"
    )
    subscription_posts_per_minute: int = Field(
        default=5, ge=1, description="per client: sub-processor subscriptions, confirmations and unsubscriptions"
    )
    objections_per_minute: int = Field(default=5, ge=1, description="per client: objections to sub-processors")
    max_yaml_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="largest YAML document taken (privacy apply, the console's consent set-up), aliases expanded",
    )

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.embedded_database_path.resolve()}"

    @property
    def embedded_database_path(self) -> Path:
        return self.data_dir / "privacy.sqlite3"

    @property
    def served_over_https(self) -> bool:
        return self.public_url.startswith("https://")

    # Plain properties over cached parsing: a cached_property would travel with `model_copy(update=...)`
    # and answer for the settings it was copied from.
    @property
    def trusted_cdns(self) -> tuple[str, ...]:
        return tuple(name.lower() for name in _listed(self.geo_headers))

    @property
    def reminder_days(self) -> tuple[int, ...]:
        return tuple(sorted({int(day) for day in _listed(self.request_reminder_days)}, reverse=True))

    @property
    def trusted_proxy_networks(self) -> tuple[str, ...]:
        return _listed(self.trusted_proxies)


@functools.cache
def _listed(setting: str) -> tuple[str, ...]:
    """A comma-separated setting's items, parsed once per value (the consent decision reads one)."""
    return tuple(item.strip() for item in setting.split(",") if item.strip())
