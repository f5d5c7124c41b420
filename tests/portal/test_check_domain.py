"""The "check a domain name" form: the name's own rules, the TLDs we serve, and whether the
domain is held with us."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.models import Domain, Tld

pytestmark = pytest.mark.django_db

URL = reverse("check_domain")


def check(client, name: str):
    return client.get(URL, {"name": name})


def test_form_without_a_name_shows_no_result(client_for, customer_a) -> None:
    response = client_for(customer_a).get(URL)
    assert response.status_code == 200
    assert response.context["result"] is None
    assert not response.context["check_form"].errors


def test_invalid_name_shows_the_reason(client_for, customer_a, tlds_and_registrars) -> None:
    response = check(client_for(customer_a), "-kowalski.pl")
    assert response.context["result"] is None
    (message,) = response.context["check_form"].errors["name"]
    assert message.startswith("„-kowalski.pl” nie jest poprawną nazwą domeny")
    assert message in response.content.decode()


def test_name_without_extension(client_for, customer_a, tlds_and_registrars) -> None:
    response = check(client_for(customer_a), "kowalski")
    assert response.context["check_form"].errors["name"] == [
        "Wpisz pełną nazwę z rozszerzeniem, na przykład przyklad.pl."
    ]


def test_tld_we_do_not_serve(client_for, customer_a, tlds_and_registrars) -> None:
    response = check(client_for(customer_a), "kowalski.xyz")
    assert response.context["check_form"].errors["name"] == ["Nie obsługujemy domen .xyz."]


def test_tld_no_longer_served(client_for, customer_a, tlds_and_registrars) -> None:
    Tld.objects.filter(name="eu").update(active=False)
    response = check(client_for(customer_a), "kowalski.eu")
    assert response.context["check_form"].errors["name"] == ["Nie obsługujemy domen .eu."]


def test_tld_message_in_english(client_for, customer_a, tlds_and_registrars) -> None:
    customer_a.language = "en"
    customer_a.save()
    response = check(client_for(customer_a), "kowalski.xyz")
    assert response.context["check_form"].errors["name"] == ["We do not serve .xyz domains."]


def test_domain_held_by_us_and_registered_to_the_customer(client_for, customer_a, domains_a) -> None:
    response = check(client_for(customer_a), "ŻÓŁTYROWER.pl")
    result = response.context["result"]
    assert result["held_by_us"] is True
    assert result["is_yours"] is True
    page = response.content.decode()
    assert "Ta domena jest u nas." in page
    assert "Jest zarejestrowana na jeden z Twoich profili." in page
    assert "xn--tyrower-k0a52e8r.pl" in page


def test_domain_held_by_us_for_someone_else(client_for, customer_b, domains_a) -> None:
    response = check(client_for(customer_b), "kowalski.pl")
    result = response.context["result"]
    assert (result["held_by_us"], result["is_yours"]) == (True, False)
    assert "Jest zarejestrowana na jeden z Twoich profili." not in response.content.decode()


def test_domain_held_by_another_registrar(client_for, customer_a, tlds_and_registrars) -> None:
    Domain.objects.create(
        name="ogrodnik.pl", tld=tlds_and_registrars.tlds["pl"], sponsor=tlds_and_registrars.nordhost
    )
    response = check(client_for(customer_a), "ogrodnik.pl")
    assert response.context["result"]["held_by_us"] is False
    assert "Tę domenę obsługuje inny rejestrator." in response.content.decode()


def test_domain_we_know_nothing_about(client_for, customer_a, tlds_and_registrars) -> None:
    response = check(client_for(customer_a), "nieznana-domena.com")
    result = response.context["result"]
    assert (result["domain"], result["held_by_us"]) == (None, False)
    assert "Tej domeny nie ma u nas." in response.content.decode()


def test_back_office_may_check_too(client_for, staff_user, domains_a) -> None:
    response = check(client_for(staff_user()), "kowalski.pl")
    assert response.context["result"]["held_by_us"] is True
