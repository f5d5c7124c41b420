"""Polish identifiers of people and firms, checked with python-stdnum.

Each validator raises ``ValidationError`` with a message that tells the person what is
wrong (length, characters or checksum), in the active language.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.pl import nip, pesel, regon


def _check(module, value: str, label: str, length_text: str) -> str:
    try:
        return module.validate(value)
    except stdnum_errors.InvalidLength:
        raise ValidationError(
            _("%(label)s must have %(length)s digits.") % {"label": label, "length": length_text},
            code="invalid_length",
        ) from None
    except stdnum_errors.InvalidFormat:
        raise ValidationError(
            _("%(label)s may contain digits only.") % {"label": label}, code="invalid_format"
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("This %(label)s has a wrong check digit: please check it for a typing error.")
            % {"label": label},
            code="invalid_checksum",
        ) from None
    except stdnum_errors.InvalidComponent:
        raise ValidationError(
            _("This %(label)s encodes an impossible date of birth.") % {"label": label},
            code="invalid_component",
        ) from None


def validate_pesel(value: str) -> str:
    """Return the compact PESEL or raise ``ValidationError``."""
    return _check(pesel, value, "PESEL", "11")


def validate_nip(value: str) -> str:
    """Return the compact NIP (dashes and a ``PL`` prefix removed) or raise."""
    compact = nip.compact(value or "")
    if compact.upper().startswith("PL"):
        compact = compact[2:]
    return _check(nip, compact, "NIP", "10")


def validate_regon(value: str) -> str:
    """Return the compact REGON (9 or 14 digits) or raise ``ValidationError``."""
    return _check(regon, value, "REGON", _("9 or 14"))


def validate_krs(value: str) -> str:
    """KRS numbers have no check digit: ten digits, written with or without leading zeros."""
    compact = "".join((value or "").split())
    if not compact.isdigit():
        raise ValidationError(_("KRS may contain digits only."), code="invalid_format")
    if len(compact) > 10 or int(compact) == 0:
        raise ValidationError(_("KRS must have 10 digits."), code="invalid_length")
    return compact.zfill(10)
