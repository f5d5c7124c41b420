"""E-mail about transfers, in the language of the person it goes to.

Templates live in templates/transfers/email/<language>/<kind>.txt, the first line being the
subject. A mail never carries an authinfo code a customer entered; the only code that ever
goes out by mail is one we issued, to the registrant of a domain we hold.
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


def confirmation_url(token: str) -> str:
    return _url("transfers:confirm", "/transfers/confirm/{token}/", token=token)


def transfer_url(transfer) -> str:
    return _url("transfers:detail", "/transfers/{pk}/", pk=transfer.pk)


def send(kind: str, *, to: str, language: str, context: dict[str, Any]) -> None:
    if not to:
        logger.warning("transfer e-mail %s not sent: no address", kind)
        return
    with translation.override(language):
        text = (
            _engine()
            .get_template(f"transfers/email/{language}/{kind}.txt")
            .render(Context(context, autoescape=False))
        )
    subject, _, body = text.partition("\n")
    send_mail(subject.strip(), body.lstrip("\n"), settings.DEFAULT_FROM_EMAIL, [to])
    # What went out, for the auditor: the body only as a digest, for it may carry a code.
    record_sent_email(
        kind=kind,
        recipient=to,
        subject=subject.strip(),
        body=body.lstrip("\n"),
        language=language,
        case=context.get("transfer"),
        domain_name=getattr(context.get("domain"), "name", ""),
    )
    logger.info("transfer e-mail %s sent", kind)


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
