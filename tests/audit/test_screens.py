"""The pages people read most, in Debian's Chromium at 1280 x 800 and in Polish, with a cesja
waiting for verification: the staff queue, the verification sheet, the auditor's event list and
one event, the supervisor's page. Screenshots go to test-artifacts/screens/ (or the folder
$REGFLOW_SCREENS names) for people to look at."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from viewflow.workflow.models import Task

from assignments.models import Cesja
from tests.fixtures.browser import ARTIFACTS, log_in
from transfers.models import Direction, Transfer
from workflows.flowsync import process_of
from workflows.models import HistoryEvent
from workflows.roles import Team

pytestmark = pytest.mark.browser

# test-artifacts/screens/ unless REGFLOW_SCREENS names another folder.
SCREENS = Path(os.environ.get("REGFLOW_SCREENS", str(ARTIFACTS / "screens")))


def screen(page: Page, name: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_pages_people_read_most(
    live_server,
    new_page: Callable[[], Page],
    audit_world,
    cesja_jobs,
    staff_user,
    supervisor,
    auditor,
) -> None:
    cesja = audit_world.cesja
    # A little history for the supervisor's charts: three weeks with an incoming transfer, one
    # with a cesja, so that they show how the charts read with few points.
    now = timezone.now()
    model = audit_world.transfer
    for n, (weeks_ago, took) in enumerate(((0, 30), (2, 5), (5, 52))):
        ended = now - timedelta(weeks=weeks_ago)
        Transfer.objects.create(
            direction=Direction.INCOMING,
            domain_name=f"zakonczony-{n}.pl",
            tld=model.tld,
            policy=model.policy,
            state=Transfer.State.COMPLETED,
            created_at=ended - timedelta(hours=took),
            resolved_at=ended,
        )
    ended = now - timedelta(weeks=1)
    Cesja.objects.create(
        initiated_by=Cesja.Side.CEDENT,
        reason=Cesja.Reason.DOMAIN_SALE,
        policy=cesja.policy,
        state=Cesja.State.COMPLETED,
        created_at=ended - timedelta(days=4),
        resolved_at=ended,
    )
    cesja_jobs.wait_for(
        lambda: (
            Task.objects.filter(process=process_of(cesja), finished__isnull=True)
            .filter(owner_permission="accounts.team_domains")
            .exists()
        )
    )
    base = live_server.url
    staff = new_page()
    log_in(staff, base, staff_user(Team.DOMAINS).username)
    screen(staff, "staff-queue")
    staff.locator("#queue tbody a").first.click()
    expect(staff.locator(".eyebrow")).to_contain_text(cesja.number)
    screen(staff, "verification-sheet")

    chief = new_page()
    log_in(chief, base, supervisor.username)
    screen(chief, "supervisor")

    reader = new_page()
    log_in(reader, base, auditor.username)
    screen(reader, "auditor-events")
    reader.locator("table.table--events tbody tr a").first.click()
    screen(reader, "auditor-event")
    # A step of the cesja: its state change and details in words.
    step = HistoryEvent.objects.for_object(cesja).filter(changes__has_key="state").order_by("id").last()
    reader.goto(f"{base}/history/{step.pk}/")
    expect(reader.locator(".diff-after")).to_be_visible()
    screen(reader, "auditor-event-cesja")
