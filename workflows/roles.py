"""Who a user is to the registrar: the roles and back-office teams."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Back-office staff")
    SUPERVISOR = "supervisor", _("Back-office supervisor")
    AUDITOR = "auditor", _("Auditor")


class Team(models.TextChoices):
    DOMAINS = "domains", _("Domains")
    SERVERS = "servers", _("Servers")
    WEBSITES = "websites", _("Websites")
    BILLING = "billing", _("Invoices and payments")
    TECHNICAL = "technical", _("Technical")


BACK_OFFICE_ROLES = frozenset({Role.STAFF, Role.SUPERVISOR})


def team_permission(team: str) -> str:
    """The permission that puts a human task into a team's queue (viewflow's owner_permission)."""
    return f"accounts.team_{team}"


SUPERVISOR_PERMISSION = "accounts.supervise"
AUDIT_PERMISSION = "accounts.audit"
