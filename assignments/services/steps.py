"""What every step of a cesja shares: who may act, the event it records, and what may
follow it (``workflows.outbox``). The step itself runs on ``workflows.cases`` (``CESJE``)."""

from __future__ import annotations

from typing import Any

from workflows import outbox
from workflows.cases import is_staff, now
from workflows.errors import Refused
from workflows.roles import team_permission

from ..kind import CESJE
from ..models import Cesja, CesjaDomain, CesjaInvitation, Side


def fresh(pk: int) -> Cesja:
    return Cesja.objects.select_related(*CESJE.related).get(pk=pk)


def mail(cesja: Cesja, kind: str, **extra: Any) -> None:
    """Both parties hear of the step (``assignments/email/<language>/<kind>.txt``), each in
    their own language. ``extra`` must be plain values: it is stored with the message."""
    outbox.emit("assignments.mail", {"cesja": cesja.pk, "kind": kind, "extra": extra}, case=cesja)


def mail_party(cesja: Cesja, kind: str, side: str, **extra: Any) -> None:
    """The mail of ``kind`` to one party only (``side``), as ``mail`` sends it to both."""
    outbox.emit(
        "assignments.mail", {"cesja": cesja.pk, "kind": kind, "extra": extra, "side": side}, case=cesja
    )


def execute_at_registry(cesja: Cesja) -> None:
    outbox.emit("assignments.execute", {"cesja": cesja.pk}, case=cesja)


def close_items(cesja: Cesja) -> None:
    """An ended cesja no longer holds its domains: another may start."""
    CesjaDomain.objects.filter(cesja=cesja, active=True).update(active=False)
    CesjaInvitation.objects.filter(cesja=cesja, used_at__isnull=True).update(expires_at=now())


def side_account(cesja: Cesja, side: str):
    return cesja.cedent_account if side == Side.CEDENT else cesja.cesjonariusz_account


def require_party_or_staff(cesja: Cesja, actor, message: Any) -> str:
    """The actor's side ("" for staff), or Refused."""
    side = cesja.side_of(actor)
    if side or is_staff(actor):
        return side
    raise Refused(message)


def is_domains_team(user) -> bool:
    return is_staff(user) and user.has_perm(team_permission("domains"))


def require_domains_team(actor, message: Any) -> None:
    if not is_domains_team(actor):
        raise Refused(message)
