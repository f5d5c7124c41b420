"""Permissions that follow from a user's role and team, so that nobody has to keep group
memberships in step with them by hand."""

from django.contrib.auth.backends import BaseBackend

from workflows.roles import AUDIT_PERMISSION, SUPERVISOR_PERMISSION, Role, team_permission


class RolePermissionBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        perms: set[str] = set()
        if user_obj.role in (Role.STAFF, Role.SUPERVISOR) and user_obj.team:
            perms.add(team_permission(user_obj.team))
        if user_obj.role == Role.SUPERVISOR:
            perms.add(SUPERVISOR_PERMISSION)
        if user_obj.role == Role.AUDITOR:
            perms.add(AUDIT_PERMISSION)
        return perms

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
