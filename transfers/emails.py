"""E-mail about transfers, in the language of the person it goes to.

Templates live in templates/transfers/email/<language>/<kind>.txt, the first line being the
subject. A mail never carries an authinfo code a customer entered; the only code that ever
goes out by mail is one we issued, to the registrant of a domain we hold.
"""

from __future__ import annotations

import logging
from typing import Any

# Callers reach these through this module; the aliases keep them exported.
from workflows.mail import LANGUAGES as LANGUAGES
from workflows.mail import TemplateMail, language_of
from workflows.mail import absolute as absolute
from workflows.mail import site_url as _url

logger = logging.getLogger(__name__)

send = TemplateMail("transfers/email", case_key="transfer", noun="transfer", logger=logger).send


def confirmation_url(token: str) -> str:
    return _url("transfers:confirm", "/transfers/confirm/{token}/", token=token)


def transfer_url(transfer) -> str:
    return _url("transfers:detail", "/transfers/{pk}/", pk=transfer.pk)


def to_customer(transfer, kind: str, **extra: Any) -> None:
    """A mail to the customer whose request it is, in their language."""
    account = transfer.account
    if account is None:
        return
    send(
        kind,
        to=account.email,
        language=language_of(account),
        context={"transfer": transfer, "url": transfer_url(transfer), "customer": account, **extra},
    )
