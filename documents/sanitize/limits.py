"""What every file that reaches us is held to, and how a refusal reads.

The types we accept, the limits on size and pixels, and ``DocumentRefused``, the error that
carries a message for the person who sent the file. Shared by the image and the PDF checks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

MB = 1024 * 1024

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

NOT_ACCEPTED = _(
    "This file is not a PDF, JPEG or PNG, whatever its name says. Save the scan or photo in one "
    "of these formats and upload it again."
)


class DocumentRefused(ValidationError):
    """A file we will not take, with a message for the person who sent it.

    A ValidationError, so that a form can take it as it is (``form.add_error("file", exc)``);
    ``str(exc)`` is the message alone, in the language active when it is read.
    """

    def __init__(self, message: str | Promise, code: str = "document_refused") -> None:
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return str(self.message)


def lazy_message(template: str | Promise, **params: Any) -> Promise:
    # Formatted when read, not when raised: the message is translated into the language of
    # whoever reads it (the customer's panel, a log in the product's language).
    return lazy(lambda: str(template) % {key: str(value) for key, value in params.items()}, str)()


def megabytes(size: int) -> str:
    value = size / MB
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def max_upload_bytes() -> int:
    return settings.DOCUMENT_UPLOAD_MAX_BYTES


def too_large(limit: int | None = None) -> DocumentRefused:
    return DocumentRefused(
        lazy_message(
            _(
                "This file is larger than %(limit)s MB, the most we accept for one file. Scan the "
                "pages at a lower resolution (300 dpi is enough) or send them in several files."
            ),
            limit=megabytes(limit if limit is not None else max_upload_bytes()),
        ),
        code="too_large",
    )


def too_many_pixels(width: int, height: int, limit: int) -> DocumentRefused:
    return DocumentRefused(
        lazy_message(
            _(
                "This image is %(width)s x %(height)s pixels, more than the %(limit)s megapixels we "
                "accept. Scan the pages at a lower resolution (300 dpi is enough) and upload them "
                "again."
            ),
            width=width,
            height=height,
            limit=f"{limit / 1_000_000:g}",
        ),
        code="too_many_pixels",
    )
