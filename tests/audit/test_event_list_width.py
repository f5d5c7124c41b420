"""The auditor's event list at 1280 pixels: every column shows whole, whatever the content
(long domains, long names, long event labels); the counter says which events of how many."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import log_in, shot
from tests.fixtures.people import make_user
from workflows.history import record_event
from workflows.models import Channel, EventType
from workflows.roles import Role, Team

pytestmark = pytest.mark.browser

# Near the longest a label may be (63 characters as an A-label): przedsiębiorstwo-handlowo-
# usługowe-zielona-łąka.pl.
LONG_DOMAIN = "xn--przedsibiorstwo-handlowo-usugowe-zielona-ka-n2e97fz1doa.pl"


def _long_events() -> None:
    clerk = make_user(
        "katarzyna.brzeczyszczykiewicz-wojciechowska",
        Role.STAFF,
        team=Team.DOMAINS,
        first_name="Katarzyna",
        last_name="Brzęczyszczykiewicz-Wojciechowska",
    )
    for event_type in (
        EventType.CESJA_REGISTRY_DELAYED,
        EventType.CESJA_REGISTRY_STEP,
        EventType.CESJA_PARTY_CHANGED,
    ):
        record_event(
            event_type=event_type,
            summary="Zmiana abonenta czeka na odpowiedź rejestru; spróbujemy ponownie za 15 minut. " * 3,
            actor=clerk,
            channel=Channel.IN_PERSON,
            domain_name=LONG_DOMAIN,
        )


def test_no_column_is_clipped_at_1280_pixels_and_the_counter_shows_the_total(
    live_server, page: Page, auditor
) -> None:
    _long_events()
    log_in(page, live_server.url, auditor.username)
    table = page.locator("table.table--events")
    expect(table).to_be_visible()
    shot(page, "auditor-events-long")
    clipped = page.evaluate(
        """() => {
            const wrap = document.querySelector('.table-wrap');
            const cells = [...document.querySelectorAll('table.table--events th, table.table--events td')];
            return {
                table: wrap.scrollWidth > wrap.clientWidth,
                cells: cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.trim()),
            };
        }"""
    )
    assert clipped == {"table": False, "cells": []}
    # Every event so far (the logins and the three above) on one page: "1–N z N".
    total = page.locator("table.table--events tbody tr").count()
    expect(page.locator("#results-title + .count")).to_have_text(f"1–{total} z {total}")
