"""E-mail about a cesja, in the language of the person it goes to.

Templates live in templates/assignments/email/<language>/<kind>.txt, the first line being
the subject. Both parties hear of every decision; someone invited who has no account yet
gets the mail in the product's default language.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template import Context, Engine
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from workflows.mail import record_sent_email

logger = logging.getLogger(__name__)

LANGUAGES = ("pl", "en")


def _engine() -> Engine:
    # Plain-text mail: nothing to escape for HTML.
    return Engine(dirs=[settings.BASE_DIR / "templates"], autoescape=False)


def language_of(user) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return settings.TRANSFERS_SITE_URL.rstrip("/") + path


def _url(name: str, fallback: str, **kwargs: Any) -> str:
    # The pages are the UI's; until a URL is named, the documented path stands in.
    try:
        return absolute(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return absolute(fallback.format(**kwargs))


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


def send(kind: str, *, to: str, language: str, context: dict[str, Any]) -> None:
    if not to:
        logger.warning("cesja e-mail %s not sent: no address", kind)
        return
    with translation.override(language):
        template = _engine().get_template(f"assignments/email/{language}/{kind}.txt")
        text = template.render(Context(context, autoescape=False))
    subject, _, body = text.partition("\n")
    send_mail(subject.strip(), body.lstrip("\n"), settings.DEFAULT_FROM_EMAIL, [to])
    # What went out, for the auditor: the body only as a digest, for it may carry a code.
    record_sent_email(
        kind=kind,
        recipient=to,
        subject=subject.strip(),
        body=body.lstrip("\n"),
        language=language,
        case=context.get("cesja"),
    )
    logger.info("cesja e-mail %s sent", kind)


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


def to_parties(cesja, kind: str, **extra: Any) -> None:
    """The same news to both parties, each in their own language."""
    for side, address, language in recipients(cesja):
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
