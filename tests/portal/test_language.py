"""The pl/en switch: a cookie for everyone, and for a logged-in user the saved choice, with
its history event."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from workflows.models import EventType, HistoryEvent

pytestmark = pytest.mark.django_db

URL = reverse("switch_language")


def test_logged_in_user_switch_saves_language_and_records_it(client_for, customer_a) -> None:
    client = client_for(customer_a)
    response = client.post(URL, {"language": "en", "next": "/domains/check/"})
    assert response.status_code == 302
    assert response["Location"] == "/domains/check/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    customer_a.refresh_from_db()
    assert customer_a.language == "en"
    event = HistoryEvent.objects.get(event_type=EventType.USER_LANGUAGE_CHANGED)
    assert event.actor == customer_a
    assert event.changes == {"language": ["pl", "en"]}
    assert event.summary == "Zmiana języka panelu użytkownika jan.kowalski na: angielski."
    # From now on the panel speaks English, whatever the browser asks for.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert '<html lang="en">' in page
    assert "Your domains" in page


def test_choosing_the_current_language_records_nothing(client_for, customer_a) -> None:
    client_for(customer_a).post(URL, {"language": "pl", "next": "/"})
    assert not HistoryEvent.objects.filter(event_type=EventType.USER_LANGUAGE_CHANGED).exists()


def test_unknown_language_is_ignored(client_for, customer_a) -> None:
    client_for(customer_a).post(URL, {"language": "de", "next": "/"})
    customer_a.refresh_from_db()
    assert customer_a.language == "pl"
    assert not HistoryEvent.objects.filter(event_type=EventType.USER_LANGUAGE_CHANGED).exists()


def test_anonymous_switch_sets_only_the_cookie(client) -> None:
    response = client.post(URL, {"language": "en", "next": reverse("login")})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not HistoryEvent.objects.exists()
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_next_pointing_elsewhere_is_not_followed(client_for, customer_a) -> None:
    response = client_for(customer_a).post(URL, {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_switch_is_post_only(client_for, customer_a) -> None:
    assert client_for(customer_a).get(URL).status_code == 405


def test_polish_is_the_default(client) -> None:
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="pl">' in page
    assert "Zaloguj się" in page
