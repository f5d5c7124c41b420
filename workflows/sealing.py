"""Secrets kept without keeping them readable: sealed values, keyed digests, random tokens.

Any case app uses these: a transfer seals the authinfo code a customer entered until the
registrant has confirmed and the request has gone to the registry (Fernet: AES-128 in CBC
with an HMAC-SHA256 tag), and wipes it once the registry has answered; a keyed digest
(HMAC-SHA256) lets us recognise the same wrong code entered again without being able to
recover it; confirmation and invitation links carry a random token of which only a keyed
digest is kept. Neither key is the Django SECRET_KEY itself: both are derived from
TRANSFER_SECRET_KEY, or from SECRET_KEY with a salt used nowhere else (the salt keeps its
original name so that values sealed before stay readable).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_SALT = b"regflow.transfers.authinfo.v1"

# RFC 9154 section 4.1: at least 128 bits of entropy, from characters the EPP pwType carries
# without trouble (no spaces, no XML specials a registry might mangle).
AUTHINFO_ALPHABET = string.ascii_letters + string.digits + "-._~!$*+="
AUTHINFO_LENGTH = 24  # 24 * log2(71) = 147 bits


def _master() -> bytes:
    explicit = getattr(settings, "TRANSFER_SECRET_KEY", "")
    if explicit:
        return explicit.encode()
    return hashlib.sha256(b"transfer-secret-key:" + settings.SECRET_KEY.encode()).digest()


def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(_master())


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"seal")))


def seal(authinfo: str) -> str:
    return _fernet().encrypt(authinfo.encode()).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The code, or None if the sealed value cannot be opened (key rotated, wiped)."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except InvalidToken:
        return None


def digest(domain_name: str, authinfo: str) -> str:
    """A keyed digest of the code for one domain: equal codes give equal digests."""
    message = domain_name.lower().encode() + b"\x00" + authinfo.encode()
    return hmac.new(_derive(b"digest"), message, hashlib.sha256).hexdigest()


def token_digest(token: str) -> str:
    """What we keep of a confirmation token: the link carries the token, we keep this."""
    return hmac.new(_derive(b"confirmation-token"), token.encode(), hashlib.sha256).hexdigest()


def new_authinfo() -> str:
    return "".join(secrets.choice(AUTHINFO_ALPHABET) for _ in range(AUTHINFO_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(32)
