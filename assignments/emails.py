"""E-mail about a cesja, in the language of the person it goes to.

Templates live in templates/assignments/email/<language>/<kind>.txt, the first line being
the subject. Both parties hear of every decision; someone invited who has no account yet
gets the mail in the product's default language.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

# Callers reach these through this module; the aliases keep them exported.
from workflows.mail import LANGUAGES as LANGUAGES
from workflows.mail import TemplateMail, language_of
from workflows.mail import absolute as absolute
from workflows.mail import site_url as _url

logger = logging.getLogger(__name__)

send = TemplateMail("assignments/email", case_key="cesja", noun="cesja", logger=logger).send


def cesja_url(cesja) -> str:
    return _url("assignments:detail", "/cesje/{pk}/", pk=cesja.pk)


def form_url(cesja) -> str:
    return _url("assignments:form", "/cesje/{pk}/form/", pk=cesja.pk)


def upload_url(cesja) -> str:
    return _url("assignments:upload", "/cesje/{pk}/upload/", pk=cesja.pk)


def staff_url(cesja) -> str:
    return _url("assignments:verify", "/staff/cesje/{pk}/", pk=cesja.pk)


def invitation_url(token: str) -> str:
    return _url("assignments:invitation", "/cesje/invitation/{token}/", token=token)


def recipients(cesja) -> list[tuple[str, str, str]]:
    """(side, address, language) of everyone taking part: each party's account, or the
    address the other party was invited at while they have none."""
    from .models import Side

    found: list[tuple[str, str, str]] = []
    for side, account, registrant in (
        (Side.CEDENT, cesja.cedent_account, cesja.cedent),
        (Side.CESJONARIUSZ, cesja.cesjonariusz_account, cesja.cesjonariusz),
    ):
        if account is not None:
            found.append((side, account.email, language_of(account)))
        elif registrant is not None:
            found.append((side, registrant.email, settings.LANGUAGE_CODE))
        elif cesja.invited_email and side != cesja.initiated_by:
            found.append((side, cesja.invited_email, settings.LANGUAGE_CODE))
    # A person handing domains to their own firm is one reader: one mail.
    unique: dict[str, tuple[str, str, str]] = {}
    for entry in found:
        unique.setdefault(entry[1].lower(), entry)
    return list(unique.values())


def to_parties(cesja, kind: str, *, only: str | None = None, **extra: Any) -> None:
    """The same news to both parties (or ``only`` one side), each in their own language."""
    for side, address, language in recipients(cesja):
        if only and side != only:
            continue
        send(
            kind,
            to=address,
            language=language,
            context={
                "cesja": cesja,
                "side": side,
                "url": cesja_url(cesja),
                "form_url": form_url(cesja),
                "upload_url": upload_url(cesja),
                "domains": [item.display_name for item in cesja.items.all()],
                **extra,
            },
        )
