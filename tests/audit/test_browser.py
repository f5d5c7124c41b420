"""An auditor finds a request in Debian's Chromium, opens its history and downloads it as a
PDF report; screenshots go to test-artifacts/audit-*.png and the report's pages, rendered
with pdftoppm, to test-artifacts/audit-report-*.png, for people to look at."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import Page, expect

from registry.names import to_unicode
from tests.fixtures.browser import ARTIFACTS, log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def page_timeout() -> int:
    # The export may be the first PDF of the run, and a cold renderer starts WeasyPrint and
    # loads its fonts before the download begins.
    return 30_000


def test_auditor_finds_a_request_and_exports_its_history_as_pdf(
    live_server, page: Page, audit_world, auditor
) -> None:
    cesja = audit_world.cesja
    domain = to_unicode(cesja.items.get().domain_name)
    log_in(page, live_server.url, auditor.username)
    page.get_by_role("link", name="Zlecenia").first.click()
    expect(page.locator("#requests-found tbody tr")).to_have_count(2)
    shot(page, "audit-search")

    page.get_by_label("Domena").fill(domain)
    page.get_by_role("button", name="Szukaj").click()
    expect(page.locator("#requests-found tbody tr")).to_have_count(1)
    page.locator("#requests-found").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Cesja")
    expect(page.locator("#documents")).to_contain_text(audit_world.received.sha256)
    expect(page.locator("#emails tbody tr").first).to_contain_text("@")
    shot(page, "audit-request")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Eksportuj do PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"history-cesja-{cesja.pk}-")
    assert download.suggested_filename.endswith(".pdf")
    pdf = ARTIFACTS / "audit-report.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    for old in ARTIFACTS.glob("audit-report-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(ARTIFACTS / "audit-report")], check=True)
    pages = sorted(ARTIFACTS.glob("audit-report-*.png"))
    assert pages, "the report has at least one page"
