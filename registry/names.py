"""Domain names: IDN handling and the label and length rules (RFC 1035, RFC 5890-5893).

A name is stored as its A-label (``xn--...``) and shown as its U-label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import idna
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_LDH = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class DomainName:
    ascii: str  # A-label form, lower case, no trailing dot
    unicode: str  # U-label form, for people

    @property
    def tld(self) -> str:
        return self.ascii.rsplit(".", 1)[-1]

    def __str__(self) -> str:
        return self.ascii


def parse_domain_name(value: str) -> DomainName:
    """Normalise a name typed by a person, in either form, or raise ``ValidationError``."""
    raw = (value or "").strip().rstrip(".")
    if not raw:
        raise ValidationError(_("Enter a domain name."), code="required")
    if any(ch.isspace() for ch in raw):
        raise ValidationError(_("A domain name cannot contain spaces."), code="invalid")
    if "." not in raw:
        raise ValidationError(
            _("Enter the full name with its extension, for example example.pl."), code="no_tld"
        )
    try:
        ascii_name = idna.encode(raw, uts46=True).decode("ascii").lower()
    except idna.IDNAError as exc:
        raise ValidationError(
            _("“%(name)s” is not a valid domain name: %(reason)s")
            % {"name": raw, "reason": _describe_idna_error(exc)},
            code="invalid",
        ) from None
    if len(ascii_name) > 253:
        raise ValidationError(_("A domain name may have at most 253 characters."), code="too_long")
    for label in ascii_name.split("."):
        if len(label) > 63:
            raise ValidationError(
                _("Each part of a domain name may have at most 63 characters."), code="label_too_long"
            )
        if not _LDH.match(label):
            raise ValidationError(
                _(
                    "Each part of a domain name may contain letters, digits and hyphens, "
                    "and may not start or end with a hyphen."
                ),
                code="invalid_label",
            )
    return DomainName(ascii=ascii_name, unicode=idna.decode(ascii_name))


def _describe_idna_error(exc: idna.IDNAError) -> str:
    text = str(exc)
    if "hyphen" in text.lower():
        return str(_("a part starts or ends with a hyphen, or has hyphens in positions 3 and 4"))
    if "domain too long" in text.lower():
        return str(_("it is longer than 253 characters"))
    if "too long" in text.lower():
        return str(_("a part is longer than 63 characters"))
    if "empty" in text.lower():
        return str(_("it has an empty part (two dots in a row)"))
    return str(_("it contains a character that is not allowed in domain names"))


def to_unicode(ascii_name: str) -> str:
    try:
        return idna.decode(ascii_name)
    except idna.IDNAError:
        return ascii_name
