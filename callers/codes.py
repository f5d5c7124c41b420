"""Making, sealing and recognising authorisation codes.

The code is eight digits: digits are what people read out over a phone line without
spelling, and with at most five wrong tries per quarter-hour per customer a guess succeeds
about once in four million quarter-hours. The database keeps only an HMAC-SHA256 of the
code bound to its account; the session keeps the code sealed (Fernet) so the panel can show
it again. Both keys are derived from CALLER_SECRET_KEY, or from SECRET_KEY with a salt used
nowhere else, so that neither is the Django secret itself nor shared with transfers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_SALT = b"regflow.callers.authorisation-code.v1"
CODE_DIGITS = 8


def _master() -> bytes:
    explicit = getattr(settings, "CALLER_SECRET_KEY", "")
    if explicit:
        return explicit.encode()
    return hashlib.sha256(b"caller-secret-key:" + settings.SECRET_KEY.encode()).digest()


def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(_master())


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def normalise(typed: str) -> str:
    """What staff typed, without the spaces and dashes people put in while listening."""
    return "".join(ch for ch in (typed or "") if ch.isdigit())


def display(code: str) -> str:
    """4821-7730: two halves are easier to read out and to write down."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def digest(account_id: int, code: str) -> str:
    # Bound to the account, so the same digits of two customers give different digests.
    message = str(account_id).encode() + b"\x00" + code.encode()
    return hmac.new(_derive(b"digest"), message, hashlib.sha256).hexdigest()


def matches(stored_digest: str, account_id: int, code: str) -> bool:
    return hmac.compare_digest(stored_digest, digest(account_id, code))


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"session-seal")))


def seal(code: str) -> str:
    return _fernet().encrypt(code.encode()).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The code, or None if the sealed value cannot be opened (key rotated, tampered)."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None
