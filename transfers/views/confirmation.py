"""The registrant's confirmation link: open to anyone who has it, since the registrant may
have no account with us."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registry.models import Registrar
from workflows import sealing
from workflows.decisions import refusal_text
from workflows.errors import Conflict, Refused

from .. import services
from ..models import ConfirmationToken, Transfer


@dataclass(frozen=True)
class FoundLink:
    """A confirmation link and why it can or cannot be used now."""

    link: ConfirmationToken
    transfer: Transfer
    # "" when it can be used; else "used", "expired" or "closed" (the request moved on).
    problem: str

    @property
    def usable(self) -> bool:
        return not self.problem


def _find_link(token: str) -> FoundLink | None:
    # Read only: the link is looked up by its digest, as the service does, and nothing is
    # marked; only the POST of the page confirms.
    if not token or len(token) > 200:
        return None
    link = (
        ConfirmationToken.objects.select_related(
            "transfer__account", "transfer__registrant", "transfer__other_registrar"
        )
        .filter(token_digest=sealing.token_digest(token))
        .first()
    )
    if link is None:
        return None
    transfer = link.transfer
    if link.used_at is not None:
        problem = "used"
    elif transfer.state != Transfer.State.AWAITING_CONFIRMATION:
        problem = "closed"
    elif link.expires_at <= timezone.now():
        problem = "expired"
    else:
        problem = ""
    return FoundLink(link=link, transfer=transfer, problem=problem)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone with the link: the registrant may have no account with us. A GET only
    shows what is to be confirmed, because mail scanners follow links."""
    found = _find_link(token)
    if found is None:
        return _confirmation_unusable(request, None)
    if not found.usable:
        return _confirmation_unusable(request, found)
    if request.method == "POST":
        try:
            transfer = services.confirm_transfer(token=token)
        except Conflict:
            # Cancelled or settled while the page was open: say where it stands now.
            return _confirmation_unusable(request, _find_link(token))
        except Refused as exc:
            return _confirmation_unusable(request, found, refusal_text(exc))
        return render(request, "transfers/confirm_done.html", {"transfer": transfer, "link": found.link})
    return render(
        request,
        "transfers/confirm.html",
        {"found": found, "transfer": found.transfer, "us": Registrar.objects.filter(is_us=True).first()},
    )


def _confirmation_unusable(request: HttpRequest, found: FoundLink | None, message: str = "") -> HttpResponse:
    # An unknown link is 404 and one that was valid once is 410, so that nothing caches or
    # indexes either; the text says in each case what the registrant can do.
    status = 404 if found is None else 410
    return render(
        request, "transfers/confirm_unusable.html", {"found": found, "message": message}, status=status
    )
