"""History events as people read them: who acted, through which channel, and what changed.

The log keeps what it recorded (an actor label such as "jan.kowalski (customer)", raw state
values, ids); it is hash-chained and never rewritten. These helpers turn a stored event into
words at the moment it is shown, in the reader's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import idna
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Channel, HistoryEvent

# Older events name a person as "username (role)"; the role is the account's kind, not words.
_ROLE_SUFFIX = re.compile(r"^(?P<name>.+?) \((?:customer|staff|supervisor|auditor|admin)\)$")
# What the system channel's own label was before events named no actor.
_SYSTEM_LABELS = {"", "system"}

EMPTY = "—"


def actor_name(event: HistoryEvent) -> str:
    """The person who acted, by name (their account's full name when it has one), or "System"
    for what the product did by itself."""
    actor = event.actor if event.actor_id else None
    if actor is not None:
        return actor.get_full_name() or actor.get_username()
    label = event.actor_label or ""
    if label in _SYSTEM_LABELS:
        return gettext("System")
    found = _ROLE_SUFFIX.match(label)
    return found.group("name") if found else label


def channel_text(event: HistoryEvent) -> str:
    """The channel in words; "" for the system channel, whose actor already says "System"."""
    if event.channel == Channel.SYSTEM:
        return ""
    return str(Channel(event.channel).label) if event.channel in Channel.values else event.channel


def who_and_how(event: HistoryEvent) -> str:
    """ "Anna Nowak · phone", or "System" alone: one line for a timeline's meta."""
    channel = channel_text(event)
    name = actor_name(event)
    return f"{name} · {channel}" if channel else name


@dataclass(frozen=True)
class ReadableChange:
    field: str
    before: str
    after: str


def _subject_model(event: HistoryEvent) -> type[models.Model] | None:
    # By id through the content types' cache: a list of events costs no query per event.
    if not event.subject_type_id:
        return None
    return ContentType.objects.get_for_id(event.subject_type_id).model_class()


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


# Fields that are no model field of the event's subject, named here.
_OTHER_FIELDS = {
    "checked": _("ticked"),
    "nameservers": _("name servers"),
    "username": _("user name"),
    "email": _("e-mail address"),
    "language": _("language"),
}


def field_name(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name)
    return str(_OTHER_FIELDS.get(name, name.replace("_", " ")))


def _related_name(field: models.Field, value: Any) -> str | None:
    """A related object's name for its stored key (a registrant's display name for its id)."""
    related = field.related_model
    try:
        found = related._default_manager.filter(pk=value).first()
    except (TypeError, ValueError):
        return None
    if found is None:
        return None
    return str(getattr(found, "display_name", None) or found)


def value_text(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A stored value as words: a state by its label, a related record by its name, yes / no."""
    if value is None or value == "" or value == []:
        return EMPTY
    field = _field(model, name)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field is not None and field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if field is not None and field.is_relation and field.many_to_one:
        name_of = _related_name(field, value)
        if name_of is not None:
            return name_of
    if name == "language":
        return str(dict(settings.LANGUAGES).get(value, value))
    if isinstance(value, list):
        return ", ".join(value_text(None, "", item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def readable_changes(event: HistoryEvent) -> list[ReadableChange]:
    """The event's before-and-after, each field by its name and each value in words."""
    if not isinstance(event.changes, dict):
        return []
    model = _subject_model(event)
    return [
        ReadableChange(
            field=field_name(model, name),
            before=value_text(model, name, values[0] if values else None),
            after=value_text(model, name, values[1] if len(values) > 1 else None),
        )
        for name, values in sorted(event.changes.items())
        if isinstance(values, list | tuple)
    ]


# The keys events carry in their details, by name; a key not listed reads as its words.
_DETAIL_NAMES = {
    "cesja": _("cesja"),
    "domains": _("domains"),
    "domain": _("domain"),
    "policy_version": _("rules version"),
    "direction": _("direction"),
    "ip": _("IP address"),
    "user_agent": _("browser"),
    "documents_deadline": _("signed documents due"),
    "due_at": _("due"),
    "deadline": _("deadline"),
    "round": _("verification round"),
    "side": _("party"),
    "kind": _("kind"),
    "registry_status": _("registry status"),
    "registry_handle": _("registry contact"),
    "handle": _("registry contact"),
    "cl_trid": _("client transaction ID"),
    "cl_trids": _("client transaction IDs"),
    "sv_trid": _("server transaction ID"),
    "previous_holder": _("held before by"),
    "new_holder": _("now held by"),
    "holder": _("held by"),
    "call_id": _("call"),
    "verified_by": _("verified by"),
    "transfer": _("transfer"),
    "registrar": _("registrar"),
    "gaining_registrar": _("gaining registrar"),
    "reason": _("reason"),
    "file": _("file"),
    "document": _("document"),
    "invitation": _("invitation"),
    "role": _("role"),
    "error": _("error"),
    "days_before": _("days before the deadline"),
    "source": _("source"),
    "step": _("step"),
    "state": _("state"),
    "checked": _("ticked"),
    "item": _("checklist item"),
    "content_type": _("file type"),
    "form_number": _("form number"),
    "sha256": _("SHA-256"),
    "original_sha256": _("SHA-256 of the file as sent"),
    "pages": _("pages"),
    "size": _("size in bytes"),
    "received_on": _("received on"),
    "received_by": _("received by"),
    "verification_round": _("verification round"),
    "document_id": _("document"),
    "registrant": _("registrant"),
    "registrant_id": _("registrant"),
    "customer_id": _("customer account"),
    "code_id": _("code"),
    "msg_id": _("registry message"),
    "rejection_reason": _("rejection reason"),
    "confirmed_through": _("confirmed through"),
    "caller_session_id": _("caller verification"),
    "approval": _("approval"),
    "request": _("request"),
    "code_number": _("document number read"),
    "code_check": _("what its code says"),
    "basis": _("registrant known by"),
    "found_by": _("found by"),
    "from_registry": _("as the registry holds it"),
    "link": _("confirmation link"),
    "difference": _("registry difference"),
    "representative": _("representative"),
}


# Coded values of a detail, by the detail's key: the apps that write them register their
# labels in ``AppConfig.ready()`` (documents: the kinds of document; the case apps: sides …).
_DETAIL_VALUES: dict[str, dict[str, Any]] = {}


def register_detail_values(key: str, choices: Iterable[tuple[str, Any]]) -> None:
    _DETAIL_VALUES.setdefault(key, {}).update(dict(choices))


def _u_label(name: str) -> str:
    # registry.names.to_unicode, which the engine cannot import (registry builds on workflows).
    try:
        return idna.decode(name)
    except idna.IDNAError:
        return name


def _detail_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str):
        looks_like_date = len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-"
        try:
            moment = parse_datetime(value) if looks_like_date and len(value) >= 16 else None
            day = parse_date(value) if looks_like_date and len(value) == 10 else None
        except ValueError:  # shaped like a date, but no day of the calendar
            moment = day = None
        if day is not None:
            return formats.date_format(day, "DATE_FORMAT")
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
        return _u_label(value) if value.startswith("xn--") or ".xn--" in value else value
    if isinstance(value, list):
        return ", ".join(_detail_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _coded(key: str, value: Any) -> str:
    labels = _DETAIL_VALUES.get(key, {})
    if isinstance(value, str) and value in labels:
        return str(labels[value])
    return _detail_value(value)


def subject_text(event: HistoryEvent) -> str:
    """What the event concerns, as people name it: "Cesja CES/2026/000001", "Domena
    żółtyrower.pl", or the kind of record and its number when it has no name."""
    model = _subject_model(event)
    if model is None:
        return ""
    kind = str(model._meta.verbose_name)
    found = model._default_manager.filter(pk=event.subject_id).first() if event.subject_id.isdigit() else None
    name = ""
    if found is not None:
        name = getattr(found, "number", "") or getattr(found, "display_name", "")
        if not name and hasattr(found, "get_full_name"):  # an account: its holder's name
            name = found.get_full_name() or found.get_username()
    if name:
        return f"{kind[:1].upper()}{kind[1:]} {name}"
    return gettext("%(kind)s no. %(id)s") % {"kind": kind[:1].upper() + kind[1:], "id": event.subject_id}


def readable_details(event: HistoryEvent) -> list[tuple[str, str]]:
    """The event's further details (``data``), each by its name and in words: moments in the
    page's date format, domains as U-labels. The CSV export keeps them as stored."""
    if not isinstance(event.data, dict):
        return []
    return [
        (str(_DETAIL_NAMES.get(key, key.replace("_", " "))), _coded(key, value))
        for key, value in sorted(event.data.items())
    ]
