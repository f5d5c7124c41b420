"""Who reaches which cesja page: every URL checks the role and whose cesja it is, and every
change is a POST that only the domains team (or a party, for theirs) may make."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assignments.models import Cesja, ChecklistItem, State
from documents.models import GeneratedDocument
from workflows.roles import Team

CESJA_PAGES = [
    "regenerate",
    "detail",
    "join",
    "form",
    "upload",
    "cancel",
    "verify",
    "tick",
    "approve",
    "reject",
    "correction",
    "paper",
]
STAFF_ACTIONS = {
    "tick": {"item": ChecklistItem.BOTH_SIGNED, "checked": "1", "note": ""},
    "approve": {"note": ""},
    "reject": {"reasons": "Podpisy nie zgadzają się."},
    "correction": {"what_to_fix": "Brak podpisu cesjonariusza."},
    "paper": {"kind": "signed_form", "channel": "post", "received_on": "2026-01-02"},
}


def _url(name: str, cesja: Cesja) -> str:
    return reverse(f"assignments:{name}", args=[cesja.pk])


@pytest.mark.parametrize("page", CESJA_PAGES)
def test_anonymous_goes_to_the_login_page(client, joined_cesja, page: str) -> None:
    for method in (client.get, client.post):
        response = method(_url(page, joined_cesja))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_start_and_invitation_need_a_customer_login(
    client, client_for, auditor, staff_user, cesja_world
) -> None:
    for url in (reverse("assignments:start"), reverse("assignments:invitation", args=["abc"])):
        assert client.get(url)["Location"].startswith(reverse("login"))
        assert client_for(auditor).get(url).status_code == 403
        assert client_for(staff_user(Team.DOMAINS)).post(url, {}).status_code == 403


@pytest.mark.parametrize(
    ("page", "method"),
    [
        ("detail", "get"),
        ("form", "get"),
        ("cancel", "get"),
        ("cancel", "post"),
        ("join", "post"),
        ("upload", "post"),
    ],
)
def test_another_customer_gets_404(client_for, outsider, joined_cesja, page: str, method: str) -> None:
    response = getattr(client_for(outsider), method)(_url(page, joined_cesja), {"reason": "x"})
    assert response.status_code == 404
    assert Cesja.objects.get(pk=joined_cesja.pk).state == State.AWAITING_DOCUMENTS


def test_both_parties_see_their_cesja(client_for, customer_a, customer_b, joined_cesja) -> None:
    for party in (customer_a, customer_b):
        page = client_for(party).get(_url("detail", joined_cesja))
        assert page.status_code == 200
        assert joined_cesja.number in page.content.decode()
        assert client_for(party).get(_url("verify", joined_cesja)).status_code == 403


def test_back_office_and_auditor_are_sent_to_the_verification_page(
    client_for, staff_user, supervisor, auditor, joined_cesja
) -> None:
    for user in (staff_user(Team.DOMAINS), supervisor, auditor):
        response = client_for(user).get(_url("detail", joined_cesja))
        assert response.status_code == 302
        assert response["Location"] == _url("verify", joined_cesja)
        assert client_for(user).get(_url("verify", joined_cesja)).status_code == 200


@pytest.mark.parametrize("who", ["auditor", "supervisor", "other_team", "customer"])
def test_only_the_domains_team_decides(
    client_for, staff_user, supervisor, auditor, customer_a, cesja_in_verification, who: str
) -> None:
    user = {
        "auditor": auditor,
        "supervisor": supervisor,
        "other_team": staff_user(Team.BILLING),
        "customer": customer_a,
    }[who]
    client = client_for(user)
    if who != "customer":
        page = client.get(_url("verify", cesja_in_verification)).content.decode()
        # Read-only: the sheet with its documents, none of the deciding forms.
        assert "Read-only" in page or "Tylko do odczytu" in page
        for action in STAFF_ACTIONS:
            assert _url(action, cesja_in_verification) not in page
    for action, data in STAFF_ACTIONS.items():
        assert client.post(_url(action, cesja_in_verification), data).status_code == 403, action
    cesja = Cesja.objects.get(pk=cesja_in_verification.pk)
    assert cesja.state == State.IN_VERIFICATION
    assert not cesja.ticks.exists()


@pytest.mark.parametrize("page", ["cancel", "verify", "tick", "approve", "reject", "correction", "paper"])
def test_actions_refuse_get_where_they_change_things(
    client_for, staff_user, cesja_in_verification, page
) -> None:
    response = client_for(staff_user(Team.DOMAINS)).get(_url(page, cesja_in_verification))
    if page in {"cancel", "verify"}:
        assert response.status_code == 200  # the confirmation page, the sheet
    else:
        assert response.status_code == 405


def test_a_post_without_the_csrf_token_is_refused(customer_a, joined_cesja) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_a)
    assert client.post(_url("cancel", joined_cesja), {"reason": ""}).status_code == 403
    assert Cesja.objects.get(pk=joined_cesja.pk).state == State.AWAITING_DOCUMENTS


@pytest.mark.parametrize("page", ["join", "upload", "regenerate"])
def test_party_actions_are_refused_to_the_back_office(
    client_for, staff_user, auditor, joined_cesja, page: str
) -> None:
    for user in (staff_user(Team.DOMAINS), auditor):
        assert client_for(user).post(_url(page, joined_cesja), {"language": "en"}).status_code == 403
    assert GeneratedDocument.objects.for_case(joined_cesja).count() == 1
