"""The authorisation code: issued at every login, replacing the one before, kept only hashed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from callers import codes
from callers.models import AuthorisationCode
from tests.fixtures.people import PASSWORD

from .conftest import CODE_ON_PAGE, code_on_home

pytestmark = pytest.mark.django_db


def test_login_issues_a_code_valid_for_an_hour(customer_login, customer_a) -> None:
    before = timezone.now()
    client, code = customer_login(customer_a)
    current = AuthorisationCode.objects.get(account=customer_a, replaced_at__isnull=True)
    assert len(code) == 8 and code.isdigit()
    assert codes.matches(current.code_digest, customer_a.pk, code)
    assert before <= current.issued_at <= timezone.now()
    assert current.expires_at - current.issued_at == timezone.timedelta(hours=1)
    page = client.get(reverse("home")).content.decode()
    assert "Kod do rozmów z BOK" in page
    assert f"ważny do {timezone.localtime(current.expires_at):%H:%M}" in page


def test_the_next_login_replaces_the_code(customer_login, customer_a) -> None:
    first_client, first = customer_login(customer_a)
    _second_client, second = customer_login(customer_a)
    rows = AuthorisationCode.objects.filter(account=customer_a).order_by("issued_at", "id")
    assert rows.count() == 2
    old, new = rows
    assert old.replaced_at is not None and new.replaced_at is None
    assert codes.matches(new.code_digest, customer_a.pk, second)
    assert not codes.matches(new.code_digest, customer_a.pk, first) or first == second
    # The first device no longer shows a code that stopped working; it offers a new one.
    page = first_client.get(reverse("home")).content.decode()
    assert not CODE_ON_PAGE.search(page)
    assert "Pokaż kod" in page


def test_show_a_new_code_replaces_the_one_shown_elsewhere(customer_login, customer_a) -> None:
    first_client, _first = customer_login(customer_a)
    second_client, _second = customer_login(customer_a)
    response = first_client.post(reverse("callers:new_code"))
    assert response.status_code == 302
    fresh = code_on_home(first_client)
    current = AuthorisationCode.objects.get(account=customer_a, replaced_at__isnull=True)
    assert codes.matches(current.code_digest, customer_a.pk, fresh)
    assert not CODE_ON_PAGE.search(second_client.get(reverse("home")).content.decode())
    assert AuthorisationCode.objects.filter(account=customer_a).count() == 3


def test_staff_logins_issue_no_code(client, staff_user) -> None:
    staff = staff_user()
    client.post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    assert not AuthorisationCode.objects.exists()
    assert client.post(reverse("callers:new_code")).status_code == 403


def test_the_clear_code_is_nowhere_in_the_database(customer_login, customer_a) -> None:
    _client, code = customer_login(customer_a)
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    assert code not in dump.getvalue()
    assert codes.display(code) not in dump.getvalue()
    # The session keeps it sealed, not readable.
    for session in Session.objects.all():
        decoded = str(session.get_decoded())
        assert code not in decoded
    assert AuthorisationCode.objects.get(account=customer_a, replaced_at__isnull=True).code_digest != code
