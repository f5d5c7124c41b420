"""An auditor finds a request in Debian's Chromium, opens its history and downloads it as a
PDF report; screenshots go to test-artifacts/audit-*.png and the report's pages, rendered
with pdftoppm, to test-artifacts/audit-report-*.png, for people to look at."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from registry.names import to_unicode
from tests.portal.test_browser import CHROMIUM, CHROMIUM_ARGS, log_in

# Playwright's sync API runs an event loop in this thread; Django must be told that the
# database access from it is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="pl-PL", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"audit-{name}.png"), full_page=True)


def test_auditor_finds_a_request_and_exports_its_history_as_pdf(
    live_server, page: Page, audit_world, auditor
) -> None:
    cesja = audit_world.cesja
    domain = to_unicode(cesja.items.get().domain_name)
    log_in(page, live_server.url, auditor.username)
    page.get_by_role("link", name="Zlecenia").first.click()
    expect(page.locator("#requests-found tbody tr")).to_have_count(2)
    shot(page, "search")

    page.get_by_label("Domena").fill(domain)
    page.get_by_role("button", name="Szukaj").click()
    expect(page.locator("#requests-found tbody tr")).to_have_count(1)
    page.locator("#requests-found").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Cesja")
    expect(page.locator("#documents")).to_contain_text(audit_world.received.sha256)
    expect(page.locator("#emails tbody tr").first).to_contain_text("@")
    shot(page, "request")

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
