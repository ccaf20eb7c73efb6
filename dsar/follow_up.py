"""The person following their request: the token granted once they proved who they are (never
stored in clear), what they see of the request, and the download of their answer, each one in the
audit trail before a byte leaves."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dsar import recipients
from dsar.models import DataRequest, RequestPackage, RequestToken
from dsar.packages import current_package
from dsar.schemas import Message, RequestStatus, RequestStatusOut, RequestType, TokenGranted
from dsar.service import note_of, timeline
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.errors import NotFound, Unauthorized
from privacy.settings import Settings

# What the person sees of the timeline; the rest (staff notes, steps) is for the privacy team.
PUBLIC_EVENTS = {"received", "verified", "extended", "refused", "completed", "package_ready"}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def grant_token(
    session: AsyncSession, *, request: DataRequest, settings: Settings, now: datetime
) -> TokenGranted:
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=settings.request_token_days)
    session.add(RequestToken(token_hash=_token_hash(token), request_id=request.id, expires_at=expires_at))
    return TokenGranted(reference=request.reference, token=token, expires_at=expires_at)


async def request_for_token(session: AsyncSession, *, reference: str, token: str | None, now: datetime) -> DataRequest:
    """The request, when `token` was granted for it and is still valid; 401 otherwise, without
    telling whether the reference exists."""
    if not token:
        raise Unauthorized("a token is needed to follow a request")
    granted = await session.get(RequestToken, _token_hash(token))
    request = await session.get(DataRequest, granted.request_id) if granted is not None else None
    if granted is None or request is None or request.reference != reference:
        raise Unauthorized("this token does not open this request")
    if granted.expires_at <= now:
        raise Unauthorized("this token has expired; submit the request again or contact us")
    return request


async def status_for_person(
    session: AsyncSession, *, reference: str, token: str | None, now: datetime
) -> RequestStatusOut:
    """The request's status, deadlines, public messages and how long its answer can be downloaded."""
    request = await request_for_token(session, reference=reference, token=token, now=now)
    package = await current_package(session, request=request, now=now)
    return RequestStatusOut(
        reference=request.reference,
        type=RequestType(request.type),
        status=RequestStatus(request.status),
        received_at=request.received_at,
        due_at=request.due_at,
        extended_due_at=request.extended_due_at,
        package_available_until=package.expires_at if package else None,
        recipients=[recipient.name for recipient in await recipients.recipients_of(session, request_id=request.id)],
        messages=[
            Message(at=event.at, kind=event.kind, text=note_of(session, request=request, event=event))
            for event in await timeline(session, request=request)
            if event.kind in PUBLIC_EVENTS
        ],
    )


async def download_package(
    session: AsyncSession, *, reference: str, token: str | None, now: datetime
) -> RequestPackage:
    """The answer to download, counted and in the audit trail, committed before the caller streams
    it: a download is audited before a byte leaves."""
    request = await request_for_token(session, reference=reference, token=token, now=now)
    package = await current_package(session, request=request, now=now)
    if package is None:
        raise NotFound("there is nothing to download for this request (not ready yet, or expired)")
    package.downloads += 1
    await record_change(
        session,
        actor=Actor.person(request.reference),
        action="request.package_downloaded",
        object_type="request_package",
        object_id=str(package.id),
        before=None,
        after={"reference": request.reference, "filename": package.filename, "downloads": package.downloads},
        now=now,
    )
    await session.commit()
    return package
