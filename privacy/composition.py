"""The composition root: the domains the toolkit is made of, in the order they are applied. The
app factory (`privacy.app`), the command line (`privacy.cli`) and Alembic's environment read this
list; nothing else in the core imports a domain.

The order matters twice: blocks of the configuration file are applied in it (systems before the
connectors and rules that name them; the register before what links to its activities), and so is
background work (the core's mail last, so a message queued during a pass goes out in it)."""

from __future__ import annotations

from breaches.domain import DOMAIN as BREACHES
from consent.domain import DOMAIN as CONSENT
from dsar.domain import DOMAIN as REQUESTS
from privacy.config_file import Configuration
from privacy.core import CORE, SYSTEMS
from privacy.domain import BundlePart, ConsentSource, Domain, Job
from privacy.notice.domain import DOMAIN as NOTICE
from privacy.register.domain import register_domain
from retention.domain import DOMAIN as RETENTION
from subprocessors.domain import DOMAIN as SUBPROCESSORS

AROUND_THE_REGISTER: list[Domain] = [CONSENT, RETENTION, SUBPROCESSORS, REQUESTS, BREACHES, NOTICE]
# The Art. 30 record ends with what the other domains annex to it (the breach register).
REGISTER = register_domain(annexes=[annex for domain in AROUND_THE_REGISTER for annex in domain.record_annexes])
DOMAINS: list[Domain] = [SYSTEMS, REGISTER, *AROUND_THE_REGISTER, CORE]


def configuration() -> Configuration:
    return Configuration([section for domain in DOMAINS for section in domain.config])


def background_jobs() -> list[Job]:
    return [job for domain in DOMAINS for job in domain.jobs]


def bundle_parts() -> list[BundlePart]:
    return [part for domain in DOMAINS for part in domain.bundle]


def consent_sources() -> list[ConsentSource]:
    return [domain.consents_collected for domain in DOMAINS if domain.consents_collected is not None]
