"""Staff find the caller by a domain they hold, PESEL, NIP or REGON; identifiers are checked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fixtures.people import NIP_VALID, PESEL_JAN, REGON_VALID

pytestmark = pytest.mark.django_db


def _find(client, by: str, value: str) -> str:
    response = client.get(reverse("callers:find"), {"by": by, "value": value})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("by", "value"),
    [
        ("domain", "kowalski.pl"),
        ("domain", "KOWALSKI.PL"),
        ("domain", "żółtyrower.pl"),  # U-label
        ("domain", "xn--tyrower-k0a52e8r.pl"),  # A-label
        ("pesel", PESEL_JAN),
        ("nip", "779-243-35-27"),
        ("regon", REGON_VALID),
    ],
)
def test_lookup_finds_the_customer_with_masked_data(
    client_for, staff_user, customer_a, customer_b, registrant_b, organisation_a, domains_a, by, value
) -> None:
    page = _find(client_for(staff_user()), by, value)
    assert reverse("callers:verify", args=[customer_a.pk]) in page
    assert reverse("callers:verify", args=[customer_b.pk]) not in page
    # Enough to tell people apart, not enough to read out to an impostor (what staff typed
    # stays in the search field, which is theirs).
    matches = page.split('id="matches"', 1)[1]
    assert PESEL_JAN not in matches and NIP_VALID not in matches
    assert "44•••••••59" in matches
    assert "jan.kowalski@example.pl" not in matches


def test_lookup_is_exact(client_for, staff_user, customer_a, domains_a) -> None:
    page = _find(client_for(staff_user()), "domain", "kowalski.com")
    assert reverse("callers:verify", args=[customer_a.pk]) not in page
    assert "Brak pasujących klientów" in page


@pytest.mark.parametrize(
    ("by", "value", "message"),
    [
        ("pesel", "44051401358", "błędną cyfrę kontrolną"),
        ("nip", "7792433528", "błędną cyfrę kontrolną"),
        ("regon", "192598185", "błędną cyfrę kontrolną"),
        ("pesel", "4405140135", "11 cyfr"),
        ("domain", "bez kropki", "spacji"),
    ],
)
def test_a_wrong_identifier_gets_a_clear_message(
    client_for, staff_user, registrant_a, by, value, message
) -> None:
    page = _find(client_for(staff_user()), by, value)
    assert message in page
    assert "Pasujący klienci" not in page
