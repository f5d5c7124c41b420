"""Logging in and out through Django's auth views, each recorded in the history; failed
attempts recorded without the password; the lock after too many failures."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.signals import on_login_failed
from tests.fixtures.people import PASSWORD
from workflows.history import iter_chain_problems
from workflows.models import Channel, EventType, HistoryEvent

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def log_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3", **extra)


def test_login_page_renders(client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response.templates[0].name == "registration/login.html"


def test_successful_login_is_recorded(client, customer_a) -> None:
    response = log_in(client, customer_a.username, HTTP_USER_AGENT="Firefox")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    event = HistoryEvent.objects.get(event_type=EventType.USER_LOGGED_IN)
    assert event.actor == customer_a
    assert event.channel == Channel.WEB
    assert event.data == {"ip": "10.1.2.3", "user_agent": "Firefox"}
    assert event.summary == "Zalogowano użytkownika jan.kowalski."


def test_logged_in_user_on_login_page_goes_home(client_for, customer_a) -> None:
    response = client_for(customer_a).get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_is_post_only_and_recorded(client, customer_a) -> None:
    log_in(client, customer_a.username)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    event = HistoryEvent.objects.get(event_type=EventType.USER_LOGGED_OUT)
    assert event.actor == customer_a
    assert client.get("/").status_code == 302  # logged out indeed


def test_failed_login_is_recorded_without_actor_or_password(client, customer_a) -> None:
    response = log_in(client, customer_a.username, "Wrong-Secret-123")
    assert response.status_code == 200
    assert "Wprowadź poprawne wartości pól nazwa użytkownika oraz hasło" in response.content.decode()
    event = HistoryEvent.objects.get(event_type=EventType.USER_LOGIN_FAILED)
    assert event.actor is None
    assert event.channel == Channel.SYSTEM
    assert event.data["username"] == customer_a.username
    assert event.data["via"] == "web"
    assert event.data["ip"] == "10.1.2.3"
    everything = f"{event.summary} {event.data} {event.changes} {event.actor_label}"
    assert "Wrong-Secret-123" not in everything
    assert list(iter_chain_problems()) == []


def test_failed_login_with_unknown_username_is_recorded(client) -> None:
    log_in(client, "nobody-here", "whatever")
    event = HistoryEvent.objects.get(event_type=EventType.USER_LOGIN_FAILED)
    assert event.data["username"] == "nobody-here"


def test_an_overlong_username_is_refused_by_the_form(client) -> None:
    response = log_in(client, "x" * 5000, "whatever")
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert not HistoryEvent.objects.exists()  # no attempt reached authentication


def test_a_very_long_username_is_cut_in_the_log() -> None:
    # Other login forms (the admin's) may pass any length on to authentication.
    on_login_failed(sender=None, credentials={"username": "x" * 5000, "password": "*" * 20})
    assert HistoryEvent.objects.get().data == {"username": "x" * 150, "via": "web"}


def test_lockout_after_the_failure_limit(client, customer_a) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _attempt in range(limit - 1):
        assert log_in(client, customer_a.username, "wrong").status_code == 200
    response = log_in(client, customer_a.username, "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Logowanie jest na chwilę zablokowane" in page
    assert f"{limit} razy z rzędu wpisano błędne hasło do konta „jan.kowalski”" in page
    assert "Możesz spróbować ponownie za 30 minut." in page
    # Even the right password is refused while the lock lasts.
    response = log_in(client, customer_a.username)
    assert response.status_code == 429
    assert not HistoryEvent.objects.filter(event_type=EventType.USER_LOGGED_IN).exists()
    failures = HistoryEvent.objects.filter(event_type=EventType.USER_LOGIN_FAILED).order_by("id")
    assert failures.count() == limit + 1
    # The history tells the attempts that met the lock from the ones that caused it.
    assert [bool(event.data.get("locked_out")) for event in failures] == [False] * (limit - 1) + [True, True]


def test_lock_is_per_username_and_address(client, customer_a, customer_b) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, customer_a.username, "wrong")
    # Another customer from the same address is not locked out by someone else's mistakes.
    assert log_in(client, customer_b.username).status_code == 302


def test_locked_out_page_in_english(client, customer_a) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, customer_a.username, "wrong")
    page = response.content.decode()
    assert "Logging in is locked for a while" in page
    assert "You can try again in 30 minutes." in page
