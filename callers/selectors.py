"""Finding a caller's account, and what staff may see of it before the caller is verified."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Registrant, User
from registry.models import Domain
from workflows.roles import Role

from .forms import FindCallerForm
from .models import CallerSession, VerificationAttempt


def mask(value: str, *, keep_start: int = 2, keep_end: int = 2) -> str:
    """Enough of an identifier to tell two people apart, not enough to read it out to a
    caller who is only pretending to be the customer."""
    if len(value) <= keep_start + keep_end:
        return "•" * len(value)
    return value[:keep_start] + "•" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}" if domain else mask(address)


@dataclass(frozen=True)
class CallerMatch:
    account: User
    registrants: list[Registrant]
    domain_count: int

    @property
    def masked_email(self) -> str:
        return mask_email(self.account.email)

    @property
    def masked_profiles(self) -> list[tuple[str, str]]:
        """(name, masked identifiers) of each profile of the account."""
        rows = []
        for registrant in self.registrants:
            ids = ", ".join(
                f"{label} {mask(value)}" for label, value in registrant.identifiers.items() if value
            )
            rows.append((registrant.display_name, ids))
        return rows


def find_callers(by: str, value: str) -> list[CallerMatch]:
    """Customer accounts matching exactly one domain name or identifier."""
    if by == FindCallerForm.DOMAIN:
        account_ids = Domain.objects.filter(name=value, registrant__isnull=False).values(
            "registrant__account"
        )
    else:
        account_ids = Registrant.objects.filter(**{by: value}).values("account")
    accounts = User.objects.filter(pk__in=account_ids, role=Role.CUSTOMER, is_active=True).order_by(
        "last_name", "first_name", "username"
    )
    return [caller_summary(account) for account in accounts]


def caller_summary(account: User) -> CallerMatch:
    registrants = list(Registrant.objects.filter(account=account).order_by("id"))
    return CallerMatch(
        account=account,
        registrants=registrants,
        domain_count=Domain.objects.of_account(account).count(),
    )


def customer_or_none(pk: int) -> User | None:
    return User.objects.filter(pk=pk, role=Role.CUSTOMER, is_active=True).first()


def recent_sessions(limit: int = 50) -> QuerySet[CallerSession]:
    return CallerSession.objects.select_related("staff", "customer").order_by("-verified_at", "-id")[:limit]


def recent_attempts(limit: int = 100) -> QuerySet[VerificationAttempt]:
    return VerificationAttempt.objects.select_related("staff", "customer").order_by("-attempted_at", "-id")[
        :limit
    ]
