"""Mail we send about a case: plain-text templates in the reader's language, and the record of
every mail that went out, shared by the apps that send them."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models
from django.template import Context, Engine
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from . import outbox
from .models import OutboxMessage, SentEmail

LANGUAGES = ("pl", "en")


def record_sent_email(
    *,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    language: str,
    case: models.Model | None = None,
    domain_name: str = "",
) -> SentEmail:
    """Note that a mail went out; only a digest of ``body`` is kept (it may hold a code)."""
    return SentEmail.objects.create(
        case_type=ContentType.objects.get_for_model(case) if case is not None else None,
        case_id=str(case.pk) if case is not None else "",
        domain_name=domain_name or getattr(case, "domain_name", "") or "",
        kind=kind,
        recipient=recipient,
        subject=subject[:255],
        language=language,
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
    )


def language_of(user) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return settings.TRANSFERS_SITE_URL.rstrip("/") + path


def site_url(name: str, fallback: str, **kwargs: Any) -> str:
    # The pages are the UI's; until a URL is named, the documented path stands in.
    try:
        return absolute(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return absolute(fallback.format(**kwargs))


def _engine() -> Engine:
    # Plain-text mail: nothing to escape for HTML. Built per mail, so that the templates on
    # disk and settings.BASE_DIR are read as they are when the mail goes out.
    return Engine(dirs=[settings.BASE_DIR / "templates"], autoescape=False)


class TemplateMail:
    """The mail of one app: templates/<folder>/<language>/<kind>.txt, the first line being the
    subject. The case the mail is about is the context's ``case_key``; a mail about one domain
    carries it as ``domain``."""

    def __init__(self, folder: str, *, case_key: str, noun: str, logger: logging.Logger) -> None:
        self.folder = folder
        self.case_key = case_key
        # Each app's own logger and wording, so that its log reads, and groups, as it always has.
        self.logger = logger
        self._not_sent = f"{noun} e-mail %s not sent: no address"
        self._sent = f"{noun} e-mail %s sent"

    def send(self, kind: str, *, to: str, language: str, context: dict[str, Any]) -> None:
        if not to:
            self.logger.warning(self._not_sent, kind)
            return
        with translation.override(language):
            template = _engine().get_template(f"{self.folder}/{language}/{kind}.txt")
            text = template.render(Context(context, autoescape=False))
        subject, _, body = text.partition("\n")
        subject, body = subject.strip(), body.lstrip("\n")
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        # What went out, for the auditor: the body only as a digest, for it may carry a code.
        record_sent_email(
            kind=kind,
            recipient=to,
            subject=subject,
            body=body,
            language=language,
            case=context.get(self.case_key),
            domain_name=getattr(context.get("domain"), "name", ""),
        )
        self.logger.info(self._sent, kind)


def send_plain_mail(*, kind: str, to: str, subject: str, body: str, case: models.Model | None = None) -> None:
    """A mail of the product's own words (no template, nothing secret in it), in the caller's
    transaction: it goes out by the outbox once the transaction commits."""
    outbox.emit(
        "workflows.mail",
        {"kind": kind, "to": to, "subject": subject, "body": body, "language": settings.LANGUAGE_CODE},
        case=case,
    )


@outbox.handles("workflows.mail", local=True)
def _send_plain_mail(message: OutboxMessage) -> None:
    mail = message.payload
    send_mail(mail["subject"], mail["body"], None, [mail["to"]])
    record_sent_email(
        kind=mail["kind"],
        recipient=mail["to"],
        subject=mail["subject"],
        body=mail["body"],
        language=mail["language"],
        case=message.case_type.get_object_for_this_type(pk=message.case_id) if message.case_type else None,
    )
