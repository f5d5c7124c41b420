"""Authorisation codes, verifying a caller with one, and the caller sessions it opens.

A customer gets a new code at every login (and on request in the panel); the newest code
replaces every earlier one. Staff verify a caller by the code they read out: each attempt,
right or wrong, is kept (without the code) and written to the history, and wrong ones are
limited per customer and per staff member, because eight digits can be guessed otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from workflows.roles import Role

from . import codes, events
from .models import CALLER_CHANNELS, AuthorisationCode, CallerSession, VerificationAttempt

CODE_VALIDITY = timedelta(hours=1)
# At most this many failed attempts within the window, per customer and per staff member.
FAILED_ATTEMPTS_LIMIT = 5
FAILED_ATTEMPTS_WINDOW = timedelta(minutes=15)


class CallerRefused(Exception):
    """Verification or an action for a caller is not possible; ``message`` says why, for staff."""

    def __init__(self, message: Any, *, outcome: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.outcome = outcome


@dataclass(frozen=True)
class IssuedCode:
    code: AuthorisationCode
    clear: str  # shown to the customer once, then kept only sealed in their session

    @property
    def display(self) -> str:
        return codes.display(self.clear)


def _time(moment: datetime) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


# ---------------------------------------------------------------------- codes


@transaction.atomic
def issue_code(account) -> IssuedCode:
    """A new code for the customer, replacing the current one."""
    if account.role != Role.CUSTOMER:
        raise CallerRefused(_("Only customers get authorisation codes."))
    # The account row lock serialises two logins at once, so one code stays current.
    get_user_model().objects.select_for_update().filter(pk=account.pk).first()
    now = timezone.now()
    AuthorisationCode.objects.current().filter(account=account).update(replaced_at=now)
    clear = codes.new_code()
    code = AuthorisationCode.objects.create(
        account=account,
        code_digest=codes.digest(account.pk, clear),
        issued_at=now,
        expires_at=now + CODE_VALIDITY,
    )
    return IssuedCode(code=code, clear=clear)


def current_code(account) -> AuthorisationCode | None:
    return AuthorisationCode.objects.current().filter(account=account).first()


# ---------------------------------------------------------------------- verification


def failed_attempts(*, customer=None, staff=None, now: datetime | None = None) -> int:
    since = (now or timezone.now()) - FAILED_ATTEMPTS_WINDOW
    attempts = VerificationAttempt.objects.filter(attempted_at__gt=since).exclude(
        outcome=VerificationAttempt.Outcome.VERIFIED
    )
    if customer is not None:
        attempts = attempts.filter(customer=customer)
    if staff is not None:
        attempts = attempts.filter(staff=staff)
    return attempts.count()


def _locked_until(*, customer, staff, now: datetime) -> datetime | None:
    """When the oldest failure in the window drops out, if a limit is reached now."""
    since = now - FAILED_ATTEMPTS_WINDOW
    failures = VerificationAttempt.objects.filter(attempted_at__gt=since).exclude(
        outcome__in=[VerificationAttempt.Outcome.VERIFIED, VerificationAttempt.Outcome.LOCKED]
    )
    for scope in (failures.filter(customer=customer), failures.filter(staff=staff)):
        recent = list(
            scope.order_by("-attempted_at").values_list("attempted_at", flat=True)[:FAILED_ATTEMPTS_LIMIT]
        )
        if len(recent) >= FAILED_ATTEMPTS_LIMIT:
            return recent[-1] + FAILED_ATTEMPTS_WINDOW
    return None


def _log_attempt(
    *, staff, customer, channel: str, outcome: str, session: CallerSession | None = None
) -> None:
    VerificationAttempt.objects.create(staff=staff, customer=customer, channel=channel, outcome=outcome)
    events.caller_checked(staff=staff, customer=customer, channel=channel, outcome=outcome, session=session)


def verify_caller(*, staff, customer, code: str, channel: str) -> CallerSession:
    """Check the code a caller read out; open a caller session for the rest of its hour.

    Raises ``CallerRefused`` with a message for staff; the attempt is logged either way.
    """
    if not getattr(staff, "is_back_office", False):
        raise CallerRefused(_("Only back-office staff verify callers."))
    if customer.role != Role.CUSTOMER:
        raise CallerRefused(_("Only customers are verified as callers."))
    if channel not in CALLER_CHANNELS:
        raise CallerRefused(_("Say whether the caller is on the phone or in the live chat."))
    typed = codes.normalise(code)
    outcome = VerificationAttempt.Outcome
    refusal: CallerRefused | None = None
    with transaction.atomic():
        # Attempts for one customer go one at a time, so that the limit cannot be outrun.
        get_user_model().objects.select_for_update().filter(pk=customer.pk).first()
        now = timezone.now()
        locked_until = _locked_until(customer=customer, staff=staff, now=now)
        current = current_code(customer)
        if locked_until is not None:
            refusal = CallerRefused(
                _(
                    "Too many wrong codes in the last %(minutes)s minutes for this customer or from you. "
                    "Verification is locked until %(time)s; meanwhile verify the caller another way "
                    "or call back."
                )
                % {"minutes": int(FAILED_ATTEMPTS_WINDOW.total_seconds() // 60), "time": _time(locked_until)},
                outcome=outcome.LOCKED,
            )
        elif current is None:
            refusal = CallerRefused(
                _(
                    "This customer has no authorisation code. "
                    "Ask them to log in to the panel and read out the code."
                ),
                outcome=outcome.NO_CODE,
            )
        elif not typed or not codes.matches(current.code_digest, customer.pk, typed):
            replaced = AuthorisationCode.objects.filter(
                account=customer, replaced_at__isnull=False, issued_at__gt=now - CODE_VALIDITY
            )
            if typed and any(codes.matches(old.code_digest, customer.pk, typed) for old in replaced):
                refusal = CallerRefused(
                    _(
                        "This code was replaced by a newer one when the customer logged in again. "
                        "Ask them to read out the code shown in the panel now."
                    ),
                    outcome=outcome.REPLACED,
                )
            else:
                refusal = CallerRefused(
                    _("Wrong code. Ask the caller to read it out again, digit by digit."),
                    outcome=outcome.WRONG,
                )
        elif current.expires_at <= now:
            refusal = CallerRefused(
                _(
                    "The code expired at %(time)s. Ask the customer to log in again or to show a new code "
                    "in the panel, and read out the new one."
                )
                % {"time": _time(current.expires_at)},
                outcome=outcome.EXPIRED,
            )
        if refusal is not None:
            _log_attempt(staff=staff, customer=customer, channel=channel, outcome=refusal.outcome)
        else:
            session = CallerSession.objects.create(
                staff=staff,
                customer=customer,
                code=current,
                channel=channel,
                verified_at=now,
                expires_at=current.expires_at,
            )
            _log_attempt(
                staff=staff, customer=customer, channel=channel, outcome=outcome.VERIFIED, session=session
            )
            return session
    # Raised after the commit, so the attempt stays on record although it was refused.
    raise refusal


def open_session(staff, session_id: int | None) -> CallerSession | None:
    """The staff member's caller session if it is still open, else None."""
    if not session_id:
        return None
    session = (
        CallerSession.objects.select_related("customer", "staff").filter(pk=session_id, staff=staff).first()
    )
    return session if session is not None and session.is_open() else None


def end_session(session: CallerSession) -> None:
    if session.ended_at is None:
        CallerSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=timezone.now())


# ---------------------------------------------------------------------- e-mail sent again

# The customer mail each state of a request was announced with. Mails that carried a
# one-time link (the registrant's confirmation, an invitation) are not here: sending one
# again means a new link, which is the request's own business, not a resend.
_TRANSFER_MAIL = {
    "incoming": {
        "review": "started",
        "awaiting_confirmation": "started",
        "submitting": "submitted",
        "pending": "submitted",
        "authinfo_invalid": "authinfo_refused",
        "completed": "completed",
        "rejected": "rejected",
        "cancelled": "cancelled",
        "expired": "expired",
        "failed": "failed",
    },
    "outgoing": {
        "pending": "outgoing_requested",
        "completed": "completed",
        "rejected": "rejected",
        "cancelled": "cancelled",
    },
}
_CESJA_MAIL = {
    "awaiting_documents": "form_ready",
    "executing": "approved",
    "completed": "completed",
    "expired": "expired",
}


def transfer_mail_kind(transfer) -> str:
    return _TRANSFER_MAIL.get(transfer.direction, {}).get(transfer.state, "")


def cesja_mail_kind(cesja) -> str:
    return _CESJA_MAIL.get(cesja.state, "")


def resend_transfer_email(*, session: CallerSession, transfer) -> str:
    """Send the customer the mail of the transfer's current step again; returns its kind."""
    from transfers.services import mail_customer

    if transfer.account_id != session.customer_id:
        raise CallerRefused(_("This request is not the caller's."))
    kind = transfer_mail_kind(transfer)
    if not kind:
        raise CallerRefused(_("There is no e-mail to send again at this step of the request."))
    with transaction.atomic():
        events.email_resent(
            session, transfer, kind, domain_name=transfer.domain_name, number=transfer.display_name
        )
        mail_customer(transfer, kind)
    return kind


def resend_cesja_email(*, session: CallerSession, cesja) -> str:
    """Send the caller (one party only) the mail of the cesja's current step again."""
    from assignments.models import Side
    from assignments.services import current_form, mail_party

    customer = session.customer
    if customer.pk == cesja.cedent_account_id:
        side = Side.CEDENT
    elif customer.pk == cesja.cesjonariusz_account_id:
        side = Side.CESJONARIUSZ
    else:
        raise CallerRefused(_("This cesja is not the caller's."))
    kind = cesja_mail_kind(cesja)
    extra: dict[str, Any] = {}
    if kind == "form_ready":
        form = current_form(cesja)
        if form is None:
            kind = ""
        else:
            extra["form_number"] = form.number
    if not kind:
        raise CallerRefused(_("There is no e-mail to send again at this step of the cesja."))

    with transaction.atomic():
        events.email_resent(session, cesja, kind, domain_name="", number=cesja.number)
        mail_party(cesja, kind, side, **extra)
    return kind
