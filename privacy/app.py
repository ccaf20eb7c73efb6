"""The application factory: `create_app(settings)` wires every domain into one Litestar app."""

from __future__ import annotations

import gc
from pathlib import Path

import msgspec
from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from pydantic import BaseModel

from consent import endpoints as consent_endpoints
from consent import pages as consent_pages
from consent.cache import SetupCache
from consent.location import CDN_HEADERS
from consent.recorder import RecordWriter
from dsar import endpoints as dsar_endpoints
from dsar import pages as dsar_pages
from privacy import endpoints, notice_pages, pages
from privacy.api_page import ApiReferencePage
from privacy.db import database_config
from privacy.jobs import background_jobs
from privacy.json_input import JSONCheckedRequest
from privacy.keys import ConfigurationError, Keyring, load_master_secret
from privacy.ratelimit import RateLimiter
from privacy.settings import Settings
from privacy.templating import jinja_environment
from privacy.web import EXCEPTION_HANDLERS, StaffAuthentication, security_headers, staff_guard
from privacy.work import BackgroundWork
from retention import endpoints as retention_endpoints
from retention import pages as retention_pages
from subprocessors import endpoints as subprocessor_endpoints
from subprocessors import pages as subprocessor_pages

STATIC = Path(__file__).parent / "static"

# Libraries that log at INFO what the service's log must not hold: httpx and httpcore every URL
# they call (other systems' endpoints, with their query strings), WeasyPrint and fontTools what
# goes into a document. Their warnings and errors still show.
QUIET_LOGGERS = ("httpx", "httpcore", "weasyprint", "fontTools")


class Metrics(PrometheusController):
    path = "/metrics"
    include_in_schema = False


def create_app(settings: Settings) -> Litestar:
    unknown_cdns = set(settings.trusted_cdns) - set(CDN_HEADERS)
    if unknown_cdns:
        raise ConfigurationError(f"PRIVACY_GEO_HEADERS names unknown CDNs: {', '.join(sorted(unknown_cdns))}")
    keyring = Keyring(load_master_secret(settings))
    db_config = database_config(settings, session_info={"keyring": keyring})
    prometheus = PrometheusConfig(
        app_name="privacy_toolkit",
        prefix="privacy",
        group_path=True,
        exclude=["^/metrics", "^/static", "^/api/v1/consent/decision"],
    )
    consent_cache = SetupCache(db_config.create_session_maker(), interval=settings.consent_refresh_seconds)
    consent_writer = RecordWriter(db_config.create_session_maker())
    background = BackgroundWork(db_config.create_session_maker(), background_jobs(settings), settings=settings)
    admin_api = Router(
        path="/api/v1/admin",
        route_handlers=[
            *endpoints.ADMIN_CONTROLLERS,
            *consent_endpoints.ADMIN_CONTROLLERS,
            *dsar_endpoints.ADMIN_CONTROLLERS,
            *retention_endpoints.ADMIN_CONTROLLERS,
            *subprocessor_endpoints.ADMIN_CONTROLLERS,
            *notice_pages.ADMIN_CONTROLLERS,
        ],
        middleware=[StaffAuthentication],
        guards=[staff_guard],
    )
    console = Router(
        path="/console",
        route_handlers=[
            *pages.CONSOLE_PAGES,
            *consent_pages.CONSOLE_PAGES,
            *dsar_pages.CONSOLE_PAGES,
            *retention_pages.CONSOLE_PAGES,
            *subprocessor_pages.CONSOLE_PAGES,
        ],
        middleware=[StaffAuthentication],
        guards=[staff_guard],
        include_in_schema=False,
    )
    return Litestar(
        route_handlers=[
            endpoints.HealthController,
            Metrics,
            admin_api,
            console,
            *pages.PUBLIC_PAGES,
            *consent_endpoints.PUBLIC_HANDLERS,
            *dsar_endpoints.PUBLIC_HANDLERS,
            *dsar_pages.PUBLIC_PAGES,
            *subprocessor_endpoints.PUBLIC_HANDLERS,
            *subprocessor_pages.PUBLIC_PAGES,
            *notice_pages.PUBLIC_PAGES,
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
        ],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        # A hook, not a middleware: it runs for 404 and 405 answers too, where no route (and so
        # no middleware) is reached.
        before_send=[security_headers(settings.served_over_https)],
        middleware=[prometheus.middleware],
        # Every JSON body is read through it: sent as JSON (415), nested at most 32 levels (400).
        request_class=JSONCheckedRequest,
        csrf_config=CSRFConfig(
            secret=keyring.subkey("csrf").hex(),
            cookie_name="privacy_csrf",
            cookie_secure=settings.served_over_https,
            cookie_httponly=True,
            # Anchored: Litestar searches the path for each pattern, so "/health" alone would also
            # exempt a console form under /console/activities/health-records.
            exclude=["^/api/", "^/health/", "^/metrics$", "^/schema", "^/static/"],
        ),
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(jinja_environment())),
        openapi_config=OpenAPIConfig(
            title="privacy-toolkit",
            version="1",
            path="/schema",
            render_plugins=[ApiReferencePage(path="/")],
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
                "consent_cache": consent_cache,
                "consent_writer": consent_writer,
                "rate_limiter": RateLimiter(),  # public writes, counted by this process (privacy.ratelimit)
            }
        ),
        on_startup=[consent_cache.start, consent_writer.start, background.start],
        on_shutdown=[background.stop, consent_writer.stop, consent_cache.stop],
    )


def app_from_environment() -> Litestar:
    """Entry point for the ASGI server's workers (`uvicorn --factory`)."""
    app = create_app(Settings())
    # Everything alive now lives as long as the process: keep it out of the collector's full passes,
    # which otherwise walk the whole app every few requests and stall them (tens of milliseconds).
    gc.freeze()
    return app
