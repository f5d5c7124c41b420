"""Photos and scans as JPEG or PNG: opened by Pillow within the pixel limit, turned upright,
and saved anew without the sender's metadata (EXIF, a phone's GPS position, ICC, text)."""

from __future__ import annotations

import io
import warnings
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .limits import JPEG, NOT_ACCEPTED, PNG, DocumentRefused, too_many_pixels

EXIF_GPS_IFD = 0x8825


def clean_image(data: bytes, kind: str) -> tuple[bytes, dict[str, Any]]:
    limit = settings.DOCUMENT_MAX_IMAGE_PIXELS
    expected = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}}[kind]
    removed: dict[str, Any] = {}
    try:
        # Pillow warns of a decompression bomb above its own pixel limit; here any such
        # warning refuses the file instead of being printed and ignored.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(expected))
            if image.format not in expected:
                raise DocumentRefused(NOT_ACCEPTED, code="not_accepted")
            width, height = image.size
            # Checked from the header, before a single pixel is decoded: the decoded image is
            # what would take the memory (a 30000 x 30000 PNG of zeros is a few hundred kB).
            if width * height > limit:
                raise too_many_pixels(width, height, limit)
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                # Phones write extra frames (MPO depth maps, previews); the first is the photo.
                image.seek(0)
                removed["extra_frames"] = frames - 1
            exif = image.getexif()
            if exif:
                removed["exif"] = True
                if EXIF_GPS_IFD in exif:
                    removed["gps_location"] = True
            if image.info.get("icc_profile"):
                removed["icc_profile"] = True
            if kind == PNG and getattr(image, "text", None):
                removed["text_chunks"] = len(image.text)
            dpi = _usable_dpi(image.info.get("dpi"))
            image.load()
        # Turned the way the camera says, since the EXIF that says so is about to go.
        ImageOps.exif_transpose(image, in_place=True)
        image = _plain_mode(image)
        # Nothing of the sender's metadata is carried into the new file: Pillow writes an ICC
        # profile or a comment found in ``info``, so the new image starts with an empty one.
        image.info = {}
        out = io.BytesIO()
        # The resolution says how large the page was; staff need it to print at true size.
        options: dict[str, Any] = {"dpi": dpi} if dpi else {}
        if kind == JPEG:
            image.save(out, "JPEG", quality=90, optimize=True, **options)
        else:
            image.save(out, "PNG", **options)
    except DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels(*_header_size(data), limit) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DocumentRefused(
            _(
                "This image is damaged or incomplete and cannot be opened. Take the photo or scan "
                "again and upload the new file."
            ),
            code="damaged",
        ) from exc
    return out.getvalue(), removed


def _usable_dpi(value: Any) -> tuple[int, int] | None:
    try:
        x, y = (round(float(v)) for v in value)
    except (TypeError, ValueError, OverflowError):
        return None
    return (x, y) if 1 <= x <= 10_000 and 1 <= y <= 10_000 else None


def _plain_mode(image: Image.Image) -> Image.Image:
    """Greyscale or RGB: the modes every viewer shows the same way."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):
        # 16-bit greyscale scans: scaled down, since converting straight to L clips them white.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparency over white, as the page it shows was.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _header_size(data: bytes) -> tuple[int, int]:
    # Pillow refuses a bomb before handing back the image; the size for the message comes
    # from the header (PNG: IHDR) where it is at a fixed place.
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 0, 0
