"""A customer adds and edits registrant profiles; the model's rules speak next to each field,
in the customer's language, and nothing is ever half-saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts import services
from accounts.models import Registrant, Representative
from tests.fixtures.people import KRS_VALID, NIP_VALID, PESEL_ANNA, PESEL_JAN, PESEL_MAREK, REGON_VALID
from workflows.history import iter_chain_problems
from workflows.models import EventType, HistoryEvent
from workflows.roles import Team

pytestmark = pytest.mark.django_db

PERSON_URL = reverse("registrant_create_person")
ORGANISATION_URL = reverse("registrant_create_organisation")

ADDRESS = {
    "street": "ul. Długa 12/4",
    "postal_code": "31-147",
    "city": "Kraków",
    "country": "PL",
    "email": "jan.kowalski@example.pl",
    "phone": "",
}


def person_data(**overrides: str) -> dict[str, str]:
    return {"first_name": "Jan", "last_name": "Kowalski", "pesel": PESEL_JAN, **ADDRESS, **overrides}


def reps_data(*people: dict[str, str], initial: int = 0, extra_blank: int = 1) -> dict[str, Any]:
    """The representatives formset as the browser posts it (prefix "reps")."""
    rows = list(people) + [{}] * extra_blank
    data: dict[str, Any] = {
        "reps-TOTAL_FORMS": str(len(rows)),
        "reps-INITIAL_FORMS": str(initial),
        "reps-MIN_NUM_FORMS": "0",
        "reps-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for field in ("id", "first_name", "last_name", "function", "pesel", "DELETE"):
            if field in row:
                data[f"reps-{index}-{field}"] = row[field]
            elif field not in ("id", "DELETE"):
                data[f"reps-{index}-{field}"] = ""
    return data


MAREK = {"first_name": "Marek", "last_name": "Wiśniewski", "function": "Prezes Zarządu", "pesel": PESEL_MAREK}
ANNA = {"first_name": "Anna", "last_name": "Nowak", "function": "Członek Zarządu", "pesel": PESEL_ANNA}


def organisation_data(*people: dict[str, str], **overrides: str) -> dict[str, Any]:
    fields = {
        "name": "Piekarnia Zdrowie sp. z o.o.",
        "legal_form": Registrant.LegalForm.LLC,
        "nip": NIP_VALID,
        "regon": REGON_VALID,
        "krs": KRS_VALID,
        "representation": Registrant.Representation.ALONE,
        **ADDRESS,
        "email": "biuro@piekarnia-zdrowie.example.pl",
    }
    fields.update(overrides)
    return {**fields, **reps_data(*(people or (MAREK,)))}


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- people -------------------------------------------------------------------------------


def test_customer_adds_a_person_profile(client_for, customer_a) -> None:
    client = client_for(customer_a)
    response = client.post(PERSON_URL, person_data(pesel="4405 1401 359"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    registrant = Registrant.objects.get()
    assert registrant.account == customer_a
    assert registrant.kind == Registrant.Kind.PERSON
    assert registrant.pesel == PESEL_JAN  # stored without the spaces typed
    event = HistoryEvent.objects.get(event_type=EventType.REGISTRANT_CREATED)
    assert event.actor == customer_a
    assert event.subject_id == str(registrant.pk)
    assert event.changes["pesel"] == [None, PESEL_JAN]
    assert event.changes["representatives"] == [None, []]
    assert event.summary == "Utworzono profil abonenta „Jan Kowalski”."
    assert list(iter_chain_problems()) == []


def test_wrong_pesel_checksum_is_shown_at_the_field_in_polish_by_default(client_for, customer_a) -> None:
    response = client_for(customer_a).post(PERSON_URL, person_data(pesel="44051401358"))
    assert response.status_code == 200
    assert field_errors(response, "pesel") == [
        "Ten numer PESEL ma błędną cyfrę kontrolną: sprawdź, czy nie ma w nim literówki."
    ]
    assert "Ten numer PESEL ma błędną cyfrę kontrolną" in response.content.decode()
    assert not Registrant.objects.exists()
    assert not HistoryEvent.objects.filter(event_type=EventType.REGISTRANT_CREATED).exists()


def test_wrong_pesel_checksum_in_english_when_the_customer_chose_english(client_for, customer_a) -> None:
    customer_a.language = "en"
    customer_a.save()
    response = client_for(customer_a).post(PERSON_URL, person_data(pesel="44051401358"))
    assert field_errors(response, "pesel") == [
        "This PESEL has a wrong check digit: please check it for a typing error."
    ]
    assert "Save profile" in response.content.decode()


def test_too_long_pesel_gets_one_clear_message(client_for, customer_a) -> None:
    response = client_for(customer_a).post(PERSON_URL, person_data(pesel="440514013591"))
    assert field_errors(response, "pesel") == ["PESEL musi mieć 11 cyfr."]


def test_missing_person_fields_are_each_marked(client_for, customer_a) -> None:
    response = client_for(customer_a).post(PERSON_URL, person_data(first_name="", pesel=""))
    assert field_errors(response, "first_name") == ["To pole jest wymagane."]
    assert field_errors(response, "pesel") == ["To pole jest wymagane."]
    assert not Registrant.objects.exists()


# --- organisations ------------------------------------------------------------------------


def test_customer_adds_an_organisation_with_representatives(client_for, customer_a) -> None:
    response = client_for(customer_a).post(
        ORGANISATION_URL, organisation_data(MAREK, ANNA, nip="PL 779-243-35-27", krs="123456")
    )
    assert response.status_code == 302
    firm = Registrant.objects.get()
    assert (firm.nip, firm.regon, firm.krs) == (NIP_VALID, REGON_VALID, KRS_VALID)
    assert [rep.last_name for rep in firm.representatives.all()] == ["Wiśniewski", "Nowak"]
    event = HistoryEvent.objects.get(event_type=EventType.REGISTRANT_CREATED)
    assert [rep["last_name"] for rep in event.changes["representatives"][1]] == ["Wiśniewski", "Nowak"]


def test_wrong_nip_checksum(client_for, customer_a) -> None:
    response = client_for(customer_a).post(ORGANISATION_URL, organisation_data(nip="7792433528"))
    assert field_errors(response, "nip") == [
        "Ten numer NIP ma błędną cyfrę kontrolną: sprawdź, czy nie ma w nim literówki."
    ]
    assert not Registrant.objects.exists()


@pytest.mark.parametrize(
    ("regon", "message"),
    [
        ("192598185", "Ten numer REGON ma błędną cyfrę kontrolną: sprawdź, czy nie ma w nim literówki."),
        ("1925981", "REGON musi mieć 9 lub 14 cyfr."),
    ],
)
def test_wrong_regon(client_for, customer_a, regon: str, message: str) -> None:
    response = client_for(customer_a).post(ORGANISATION_URL, organisation_data(regon=regon))
    assert field_errors(response, "regon") == [message]


def test_krs_is_required_for_a_limited_liability_company(client_for, customer_a) -> None:
    response = client_for(customer_a).post(ORGANISATION_URL, organisation_data(krs=""))
    assert field_errors(response, "krs") == ["To pole jest wymagane."]
    assert not Registrant.objects.exists()


def test_krs_is_refused_for_a_sole_trader(client_for, customer_a) -> None:
    response = client_for(customer_a).post(
        ORGANISATION_URL, organisation_data(legal_form=Registrant.LegalForm.SOLE_TRADER)
    )
    assert field_errors(response, "krs") == [
        "Ta forma prawna nie jest wpisywana do KRS; pozostaw numer KRS pusty."
    ]


def test_sole_trader_without_krs_is_saved(client_for, customer_a) -> None:
    response = client_for(customer_a).post(
        ORGANISATION_URL,
        organisation_data(legal_form=Registrant.LegalForm.SOLE_TRADER, krs="", name="Jan Kowalski Usługi"),
    )
    assert response.status_code == 302
    assert Registrant.objects.get().krs == ""


def test_an_organisation_needs_a_representative(client_for, customer_a) -> None:
    data = organisation_data()
    data.update(reps_data(extra_blank=1))
    response = client_for(customer_a).post(ORGANISATION_URL, data)
    assert response.context["formset"].non_form_errors() == [
        "Podaj co najmniej jedną osobę uprawnioną do reprezentowania organizacji."
    ]
    assert not Registrant.objects.exists()


def test_joint_representation_needs_two_representatives(client_for, customer_a) -> None:
    response = client_for(customer_a).post(
        ORGANISATION_URL, organisation_data(MAREK, representation=Registrant.Representation.JOINTLY)
    )
    assert response.context["formset"].non_form_errors() == [
        "Reprezentacja łączna wymaga co najmniej dwóch reprezentantów."
    ]


def test_nothing_is_half_saved_when_a_representative_row_is_invalid(client_for, customer_a) -> None:
    wrong = {**ANNA, "pesel": "02070803629"}
    response = client_for(customer_a).post(ORGANISATION_URL, organisation_data(MAREK, wrong))
    assert response.status_code == 200
    rep_errors = response.context["formset"].forms[1].errors
    assert rep_errors["pesel"] == [
        "Ten numer PESEL ma błędną cyfrę kontrolną: sprawdź, czy nie ma w nim literówki."
    ]
    assert not Registrant.objects.exists()
    assert not Representative.objects.exists()
    assert not HistoryEvent.objects.filter(event_type=EventType.REGISTRANT_CREATED).exists()


def test_a_failure_while_saving_rolls_back_profile_and_representatives(
    client_for, customer_a, monkeypatch
) -> None:
    def fail(*args, **kwargs):
        raise RuntimeError("history unavailable")

    # The profile and its representatives are written before the event; if the event
    # cannot be written, none of them may stay.
    monkeypatch.setattr(services, "record_registrant_change", fail)
    with pytest.raises(RuntimeError):
        client_for(customer_a).post(ORGANISATION_URL, organisation_data(MAREK, ANNA))
    assert not Registrant.objects.exists()
    assert not Representative.objects.exists()


# --- editing ------------------------------------------------------------------------------


def test_editing_records_only_what_changed(client_for, customer_a, registrant_a) -> None:
    client = client_for(customer_a)
    url = reverse("registrant_edit", args=[registrant_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, person_data(city="Wieliczka", email=registrant_a.email))
    assert response.status_code == 302
    registrant_a.refresh_from_db()
    assert registrant_a.city == "Wieliczka"
    event = HistoryEvent.objects.get(event_type=EventType.REGISTRANT_UPDATED)
    assert event.changes == {"city": ["Kraków", "Wieliczka"], "phone": ["+48.123456789", ""]}


def test_saving_an_unchanged_profile_writes_no_event(client_for, customer_a, registrant_a) -> None:
    client = client_for(customer_a)
    url = reverse("registrant_edit", args=[registrant_a.pk])
    data = person_data(email=registrant_a.email, phone=registrant_a.phone)
    response = client.post(url, data, follow=True)
    assert "Nic nie zostało zmienione." in response.content.decode()
    assert not HistoryEvent.objects.filter(event_type=EventType.REGISTRANT_UPDATED).exists()


def test_editing_an_organisation_replaces_and_removes_representatives(
    client_for, customer_a, organisation_a
) -> None:
    marek = organisation_a.representatives.get()
    data = organisation_data()
    data.update(
        reps_data(
            {**MAREK, "id": str(marek.pk), "DELETE": "on"},
            ANNA,
            initial=1,
            extra_blank=0,
        )
    )
    response = client_for(customer_a).post(reverse("registrant_edit", args=[organisation_a.pk]), data)
    assert response.status_code == 302
    assert [rep.last_name for rep in organisation_a.representatives.all()] == ["Nowak"]
    event = HistoryEvent.objects.get(event_type=EventType.REGISTRANT_UPDATED)
    before, after = event.changes["representatives"]
    assert [rep["last_name"] for rep in before] == ["Wiśniewski"]
    assert [rep["last_name"] for rep in after] == ["Nowak"]


# --- who may ------------------------------------------------------------------------------


def test_another_customers_profile_is_not_found(client_for, customer_b, registrant_a) -> None:
    client = client_for(customer_b)
    url = reverse("registrant_edit", args=[registrant_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, person_data(city="Gdańsk")).status_code == 404
    registrant_a.refresh_from_db()
    assert registrant_a.city == "Kraków"


def test_profile_pages_are_for_customers_only(
    client_for, staff_user, auditor, supervisor, registrant_a
) -> None:
    for user in (staff_user(Team.DOMAINS), auditor, supervisor):
        client = client_for(user)
        assert client.get(PERSON_URL).status_code == 403
        assert client.post(PERSON_URL, person_data()).status_code == 403
        assert client.get(reverse("registrant_edit", args=[registrant_a.pk])).status_code == 403
    assert Registrant.objects.count() == 1


def test_anonymous_is_sent_to_login(client, registrant_a) -> None:
    for url in (PERSON_URL, ORGANISATION_URL, reverse("registrant_edit", args=[registrant_a.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- the way back (?next=) ------------------------------------------------------------------


def test_a_profile_added_from_another_page_leads_back_there(client_for, customer_a) -> None:
    back = "/cesje/invitation/abc/"
    client = client_for(customer_a)
    page = client.get(PERSON_URL, {"next": back}).content.decode()
    assert f'name="next" value="{back}"' in page
    assert f'class="btn btn--ghost" href="{back}"' in page  # "Cancel" goes back too
    response = client.post(f"{PERSON_URL}?next={back}", person_data())
    assert response.status_code == 302 and response["Location"] == back
    # The hidden field alone is enough, and a form that comes back keeps it.
    response = client.post(ORGANISATION_URL, {**organisation_data(), "nip": "123", "next": back})
    assert response.status_code == 200 and f'name="next" value="{back}"' in response.content.decode()
    response = client.post(ORGANISATION_URL, {**organisation_data(), "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)", "http:///x"]
)
def test_a_next_to_another_site_is_ignored(client_for, customer_a, target: str) -> None:
    client = client_for(customer_a)
    page = client.get(PERSON_URL, {"next": target}).content.decode()
    assert f'name="next" value="{escape(target)}"' not in page  # (the language switch has its own)
    assert f'class="btn btn--ghost" href="{reverse("home")}"' in page
    response = client.post(PERSON_URL, {**person_data(), "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")
