"""The PDF renderer: what its URL fetcher refuses, its limits, and the warm child process."""

from __future__ import annotations

import io
import logging
import socket
import threading

import pikepdf
import pytest
from pypdf import PdfReader

from documents.rendering import (
    ASSET_DIR,
    AssetURLFetcher,
    PdfRenderer,
    RenderFailed,
    RenderTimeout,
    get_renderer,
)
from documents.rendering.engine import RefusedURL

PASSWD_MARK = "root:x:0:0"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def attachment_names(pdf: bytes) -> list[str]:
    return list(PdfReader(io.BytesIO(pdf)).attachments)


@pytest.fixture
def listener():
    """A TCP server on loopback that records whether anyone connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections: list[tuple[str, int]] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            connections.append(peer)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


def test_fetcher_serves_assets_and_refuses_everything_else(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "ok.css").write_text("p { color: red }")
    (tmp_path / "secret.txt").write_text("secret")
    (assets / "link.css").symlink_to(tmp_path / "secret.txt")
    fetcher = AssetURLFetcher(assets)

    assert fetcher.fetch((assets / "ok.css").as_uri()).read() == b"p { color: red }"
    for url in [
        "file:///etc/passwd",
        (assets / ".." / "secret.txt").as_uri(),
        (assets / "link.css").as_uri(),  # a symlink out of the directory
        (assets / "missing.css").as_uri(),
        "http://127.0.0.1:9/x.css",
        "https://example.com/x.css",
        "data:text/plain,hello",
        "file://otherhost" + str(assets / "ok.css"),
    ]:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 8


def test_render_embeds_our_assets_but_not_other_files_or_urls(caplog, listener):
    port, connections = listener
    renderer = get_renderer()
    html = f"""
        <html><head>
        <link rel="attachment" href="forms.css">
        <link rel="attachment" href="file:///etc/passwd">
        <link rel="attachment" href="../../../../../../etc/passwd">
        <link rel="attachment" href="../../config/settings/base.py">
        <link rel="stylesheet" href="http://127.0.0.1:{port}/steal.css">
        </head><body>
        <p>Treść formularza</p>
        <img src="file:///etc/passwd">
        <img src="http://127.0.0.1:{port}/pixel.png">
        <iframe src="file:///etc/passwd"></iframe>
        </body></html>"""
    with caplog.at_level(logging.WARNING, logger="documents.rendering"):
        pdf = renderer.render_html(html)

    # The same mechanism that attached our own stylesheet refused the others.
    assert attachment_names(pdf) == ["forms.css"]
    assert PASSWD_MARK.encode() not in pdf
    assert PASSWD_MARK not in pdf_text(pdf)
    assert "Treść formularza" in pdf_text(pdf)
    assert connections == []
    refused = [r.getMessage() for r in caplog.records if "refused to fetch" in r.getMessage()]
    # Three times: the absolute URL, the iframe, and the relative path clamped at the root.
    assert sum("file:///etc/passwd" in m for m in refused) == 3
    assert any(f"http://127.0.0.1:{port}/steal.css" in m for m in refused)
    assert any(f"http://127.0.0.1:{port}/pixel.png" in m for m in refused)
    # A relative path resolved against the asset directory that leaves it for a project file.
    assert any(m.endswith("/config/settings/base.py: not one of our assets") for m in refused)
    assert b"SECRET_KEY" not in pdf


def test_a_render_over_the_time_limit_stops_and_the_next_render_works():
    renderer = PdfRenderer(time_limit=1.0)
    try:
        renderer.render_html("<p>warm</p>")
        first_pid = renderer.pid
        rows = "".join(f"<tr><td>wiersz {i}</td><td>Zażółć gęślą jaźń</td></tr>" for i in range(30000))
        with pytest.raises(RenderTimeout, match="longer than 1 s"):
            renderer.render_html(f"<table>{rows}</table>")
        assert renderer.pid is None  # the runaway child was killed, not left to finish

        pdf = renderer.render_html("<p>Następny formularz</p>")
        assert "Następny formularz" in pdf_text(pdf)
        assert renderer.pid not in (None, first_pid)
        assert renderer.starts == 2
    finally:
        renderer.close()


def test_a_render_over_the_memory_limit_fails_and_the_next_render_works():
    # The time limit is generous so that a busy machine cannot turn this into a timeout, which
    # another test covers. (A lower memory limit trips sooner, but then the allocation that
    # fails may be one inside the C libraries, which end the process instead of raising.)
    renderer = PdfRenderer(memory_limit_mb=320, time_limit=300)
    try:
        rows = "".join(f"<tr><td>wiersz {i}</td><td>Zażółć gęślą jaźń</td></tr>" for i in range(30000))
        with pytest.raises(RenderFailed, match="more than 320 MB"):
            renderer.render_html(f"<table>{rows}</table>")
        assert "po awarii" in pdf_text(renderer.render_html("<p>po awarii</p>"))
        assert renderer.starts == 2
    finally:
        renderer.close()


def test_a_child_that_died_between_renders_is_replaced():
    renderer = PdfRenderer()
    try:
        renderer.render_html("<p>raz</p>")
        pid = renderer.pid
        renderer._proc.kill()
        renderer._proc.wait()
        assert "dwa" in pdf_text(renderer.render_html("<p>dwa</p>"))
        assert renderer.pid != pid
    finally:
        renderer.close()


def test_the_renderer_stays_warm():
    renderer = get_renderer()
    renderer.render_html("<p>1</p>")
    pid, starts = renderer.pid, renderer.starts
    for i in range(3):
        renderer.render_html(f"<p>{i}</p>")
    assert (renderer.pid, renderer.starts) == (pid, starts)


def test_a_broken_document_is_reported(monkeypatch):
    renderer = PdfRenderer(pdf_variant="pdf/no-such-variant")
    try:
        with pytest.raises(RenderFailed, match="Rendering the PDF failed"):
            renderer.render_html("<p>x</p>")
    finally:
        renderer.close()


def test_output_is_pdf_a_3u_with_embedded_fonts():
    pdf = get_renderer().render_html('<html lang="pl"><title>Próba</title><p>Zażółć gęślą jaźń</p></html>')
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.open_metadata().pdfa_status == "3U"
        intent = doc.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent
        assert not doc.is_encrypted
        fonts = [
            font
            for page in doc.pages
            for font in page.Resources.Font.values()
            for font in ([font] if "/FontDescriptor" in font else font.DescendantFonts)
        ]
        assert fonts
        for font in fonts:
            descriptor = font.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            assert "DejaVu" in str(font.BaseFont)
        # "u" conformance: every font maps its glyphs back to Unicode, so text can be searched.
        assert all("/ToUnicode" in font for page in doc.pages for font in page.Resources.Font.values())
        assert doc.check_pdf_syntax() == []


def test_asset_dir_is_inside_the_project():
    assert (ASSET_DIR / "forms.css").is_file()
