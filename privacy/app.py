"""The application factory: `create_app(settings)` mounts every domain of `privacy.composition`."""

from __future__ import annotations

import gc
from pathlib import Path

import msgspec
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from jinja2 import Environment
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel

from privacy.api_page import ApiReferencePage
from privacy.composition import DOMAINS, background_jobs, bundle_parts, consent_sources
from privacy.db import database_config
from privacy.domain import Component
from privacy.json_input import JSONCheckedRequest
from privacy.keys import Keyring, load_master_secret
from privacy.ratelimit import RateLimiter
from privacy.settings import Settings
from privacy.templating import jinja_environment
from privacy.web import EXCEPTION_HANDLERS, StaffAuthentication, security_headers, staff_guard
from privacy.work import BackgroundWork

STATIC = Path(__file__).parent / "static"

# Libraries that log at INFO what the service's log must not hold: httpx and httpcore every URL
# they call (other systems' endpoints, with their query strings), WeasyPrint and fontTools what
# goes into a document. Their warnings and errors still show.
QUIET_LOGGERS = ("httpx", "httpcore", "weasyprint", "fontTools")


class Metrics(PrometheusController):
    path = "/metrics"
    include_in_schema = False


def create_app(settings: Settings) -> Litestar:
    keyring = Keyring(load_master_secret(settings))
    db_config = database_config(settings, session_info={"keyring": keyring})
    components = _components(settings, db_config)
    background = BackgroundWork(db_config.create_session_maker(), background_jobs(), settings=settings)
    return Litestar(
        route_handlers=_routes(),
        plugins=[SQLAlchemyPlugin(config=db_config)],
        # A hook, not a middleware: it runs for 404 and 405 answers too, where no route (and so
        # no middleware) is reached.
        before_send=[security_headers(settings.served_over_https)],
        middleware=[_metrics().middleware],
        # Every JSON body is read through it: sent as JSON (415), nested at most 32 levels (400).
        request_class=JSONCheckedRequest,
        csrf_config=CSRFConfig(
            secret=keyring.subkey("csrf").hex(),
            cookie_name="privacy_csrf",
            cookie_secure=settings.served_over_https,
            cookie_httponly=True,
            # Anchored: Litestar searches the path for each pattern, so "/health" alone would also
            # exempt a console form under /console/activities/health-records.
            # The banner's files too: one cacheable answer for every visitor, with no cookie.
            exclude=["^/api/", "^/health/", "^/metrics$", "^/schema", "^/static/", r"^/consent\.(js|css)$"],
        ),
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(_templates())),
        openapi_config=OpenAPIConfig(
            title="privacy-toolkit", version="1", path="/schema", render_plugins=[ApiReferencePage(path="/")]
        ),
        exception_handlers=dict(EXCEPTION_HANDLERS),
        request_max_body_size=settings.max_body_bytes,
        logging_config=LoggingConfig(loggers={name: {"level": "WARNING"} for name in QUIET_LOGGERS}),
        # Pydantic writes its own JSON; msgspec embeds it as is instead of re-encoding a dict.
        type_encoders={BaseModel: lambda model: msgspec.Raw(model.model_dump_json())},
        state=State(
            {
                "settings": settings,
                "keyring": keyring,
                "db_config": db_config,
                "sessions": db_config.create_session_maker(),
                "rate_limiter": RateLimiter(),  # public writes, counted by this process (privacy.ratelimit)
                "bundle_parts": bundle_parts(),
                "consent_sources": consent_sources(),
                **components,
            }
        ),
        on_startup=[*(component.start for component in components.values()), background.start],
        on_shutdown=[background.stop, *(component.stop for component in reversed(components.values()))],
    )


def _routes() -> list[ControllerRouterHandler]:
    admin = [handler for domain in DOMAINS for handler in domain.admin_routes]
    console = [handler for domain in DOMAINS for handler in domain.console_routes]
    return [
        Router(path="/api/v1/admin", route_handlers=admin, middleware=[StaffAuthentication], guards=[staff_guard]),
        Router(
            path="/console",
            route_handlers=console,
            middleware=[StaffAuthentication],
            guards=[staff_guard],
            include_in_schema=False,
        ),
        *(handler for domain in DOMAINS for handler in domain.public_routes),
        Metrics,
        create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
    ]


def _components(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> dict[str, Component]:
    found: dict[str, Component] = {}
    for domain in DOMAINS:
        if domain.components is not None:
            found |= domain.components(settings, db_config.create_session_maker())
    return found


def _templates() -> Environment:
    return jinja_environment(domain.templates for domain in DOMAINS if domain.templates is not None)


def _metrics() -> PrometheusConfig:
    return PrometheusConfig(
        app_name="privacy_toolkit",
        prefix="privacy",
        group_path=True,
        exclude=["^/metrics", "^/static", "^/api/v1/consent/decision"],
    )


def app_from_environment() -> Litestar:
    """Entry point for the ASGI server's workers (`uvicorn --factory`)."""
    app = create_app(Settings())
    # Everything alive now lives as long as the process: keep it out of the collector's full passes,
    # which otherwise walk the whole app every few requests and stall them (tens of milliseconds).
    gc.freeze()
    return app
