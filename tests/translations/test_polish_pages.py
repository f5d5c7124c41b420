"""Each role's pages, rendered in Polish, read in Polish: no raw state value of a transfer or a
cesja, and none of the English words that leaked onto them before (roles, channels, task
names, outcomes). Words that are Polish as well ("transfer", "system", "status") are not in
the list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from assignments.models import State as CesjaState
from tests.visible import visible_text
from transfers.models import State as TransferState
from workflows.history import record_event
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team

# Every state value the two kinds of case have, as stored ("awaiting_party", "pending", …).
RAW_STATES = sorted(set(TransferState.values) | set(CesjaState.values))
ENGLISH = [
    "customer",
    "staff",
    "supervisor",
    "auditor",
    "verification",
    "review",
    "request",
    "task",
    "waiting",
    "approved",
    "incoming",
    "outgoing",
    "received",
    "web",
    "phone",
    "signed_form",
    "None",
    "True",
    "False",
    "Median",
    "Week",
]
# Phrases rather than words: the raw ways people and cases were named before.
PHRASES = ["(customer)", "system · system", "Cesja #", "→ awaiting", "registrant:"]
WORD = re.compile(r"\b(" + "|".join(re.escape(word) for word in RAW_STATES + ENGLISH) + r")\b", re.IGNORECASE)


def _found(text: str) -> list[str]:
    found = [match.group(0) for match in WORD.finditer(text)]
    return sorted(set(found + [phrase for phrase in PHRASES if phrase.lower() in text.lower()]))


@pytest.fixture
def pages(audit_world, staff_user, supervisor, auditor, customer_a, client_for) -> dict[str, list]:
    cesja, transfer = audit_world.cesja, audit_world.transfer
    record_event(
        event_type=EventType.CESJA_REMINDER,
        summary="Przypomnienie wysłane.",
        channel=Channel.SYSTEM,
        subject=cesja,
    )
    state_change = (
        HistoryEvent.objects.for_object(cesja).filter(changes__has_key="state").order_by("id").last()
    )
    staff = staff_user(Team.DOMAINS)
    return {
        "customer": [
            client_for(customer_a),
            [
                reverse("home"),
                reverse("my_cesje"),
                reverse("my_transfers"),
                reverse("assignments:detail", args=[cesja.pk]),
                reverse("transfers:detail", args=[transfer.pk]),
            ],
        ],
        "staff": [
            client_for(staff),
            [
                reverse("home"),
                reverse("assignments:verify", args=[cesja.pk]),
                reverse("transfers:detail", args=[transfer.pk]),
            ],
        ],
        "supervisor": [client_for(supervisor), [reverse("home")]],
        "auditor": [
            client_for(auditor),
            [
                reverse("audit:history_search"),
                reverse("audit:history_event", args=[state_change.pk]),
                reverse("audit:search"),
                reverse("audit:request", args=[f"cesja-{cesja.pk}"]),
                reverse("audit:request", args=[f"transfer-{transfer.pk}"]),
            ],
        ],
    }


@pytest.mark.parametrize("role", ["customer", "staff", "supervisor", "auditor"])
def test_each_roles_pages_read_in_polish(pages, role) -> None:
    client, urls = pages[role]
    leaks = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "pl"
        found = _found(visible_text(response.content.decode()))
        if found:
            leaks[url] = found
    assert leaks == {}


RAW_STATE = re.compile(r"\b(" + "|".join(re.escape(state) for state in RAW_STATES if "_" in state) + r")\b")


@pytest.mark.parametrize("role", ["customer", "staff", "supervisor", "auditor"])
def test_in_english_too_no_raw_codes_or_role_suffixes(pages, role) -> None:
    """In English the words are the same as the codes for some states ("pending"); the codes
    with an underscore and the old ways of naming people and cases must not show."""
    User.objects.update(language="en")
    client, urls = pages[role]
    leaks = {}
    for url in urls:
        response = client.get(url)
        assert response["Content-Language"] == "en"
        text = visible_text(response.content.decode())
        found = sorted(set(RAW_STATE.findall(text)) | {p for p in PHRASES if p.lower() in text.lower()})
        if found:
            leaks[url] = found
    assert leaks == {}
