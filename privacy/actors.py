"""Who acts: staff roles, what each may do, and the actor recorded in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PRIVACY_OFFICER = "privacy_officer"
    AUDITOR = "auditor"


class Permission(StrEnum):
    READ = "read"
    EXPORT = "export"
    EDIT_REGISTER = "edit_register"
    EDIT_ORGANISATION = "edit_organisation"
    VIEW_STAFF = "view_staff"
    MANAGE_STAFF = "manage_staff"
    WORK_REQUESTS = "work_requests"
    MANAGE_SYSTEMS = "manage_systems"  # other systems' URLs and secrets: administrators only


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PRIVACY_OFFICER: frozenset(
        {Permission.READ, Permission.EXPORT, Permission.EDIT_REGISTER, Permission.WORK_REQUESTS}
    ),
    Role.AUDITOR: frozenset({Permission.READ, Permission.EXPORT, Permission.VIEW_STAFF}),
}


@dataclass(frozen=True)
class Actor:
    """`kind` is `user`, `token` or `system`; `reference` is what the audit trail records."""

    kind: str
    id: str
    role: Role | None
    label: str
    via_session: bool = False

    @property
    def reference(self) -> str:
        return f"{self.kind}:{self.id}"

    def may(self, permission: Permission) -> bool:
        return self.role is not None and permission in ROLE_PERMISSIONS[self.role]

    @classmethod
    def person(cls, reference: str) -> Actor:
        """Someone outside the organisation acting on their own request (no role: no staff rights)."""
        return cls(kind="person", id=reference, role=None, label=f"the person behind {reference}")

    @classmethod
    def system(cls, process: str) -> Actor:
        return cls(kind="system", id=process, role=Role.ADMIN, label=f"system ({process})")
