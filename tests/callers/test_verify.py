"""Verifying a caller: a right code opens a caller session, wrong and expired ones do not;
every attempt is logged without the code, and wrong ones are limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from callers import services
from callers.models import AuthorisationCode, CallerSession, VerificationAttempt
from workflows.models import Channel, EventType, HistoryEvent

pytestmark = pytest.mark.django_db


def _wrong(code: str) -> str:
    return "".join(str((int(digit) + 1) % 10) for digit in code)


def _events(event_type: str) -> list[HistoryEvent]:
    return list(HistoryEvent.objects.filter(event_type=event_type).order_by("id"))


def _no_code_in_history(code: str) -> None:
    for event in HistoryEvent.objects.all():
        assert code not in f"{event.summary} {event.reason} {event.data} {event.changes}"


def test_right_code_opens_a_caller_session_until_the_code_expires(
    customer_login, client_for, staff_user, customer_a
) -> None:
    _customer, code = customer_login(customer_a)
    staff = staff_user()
    client = client_for(staff)
    response = client.post(
        reverse("callers:verify", args=[customer_a.pk]),
        {"code": f"{code[:4]}-{code[4:]}", "channel": "phone"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("callers:acting")
    session = CallerSession.objects.get()
    current = AuthorisationCode.objects.get(account=customer_a, replaced_at__isnull=True)
    assert (session.staff, session.customer, session.channel) == (staff, customer_a, Channel.PHONE)
    assert session.expires_at == current.expires_at
    page = client.get(reverse("callers:acting")).content.decode()
    assert "Działasz w imieniu" in page and "Jan Kowalski" in page
    assert f"{timezone.localtime(session.expires_at):%H:%M}" in page
    (event,) = _events(EventType.CALLER_VERIFIED)
    assert event.actor == staff and event.channel == Channel.PHONE
    assert event.data["customer_id"] == customer_a.pk and event.subject_id == str(customer_a.pk)
    assert VerificationAttempt.objects.get().outcome == VerificationAttempt.Outcome.VERIFIED
    _no_code_in_history(code)


def test_the_code_serves_several_instructions_within_its_hour(
    customer_login, verified, staff_user, customer_a
) -> None:
    _customer, code = customer_login(customer_a)
    verified(staff_user(), customer_a, code, Channel.PHONE)
    verified(staff_user(), customer_a, code, Channel.CHAT)
    assert CallerSession.objects.count() == 2


def test_wrong_code_is_refused_and_logged(customer_login, client_for, staff_user, customer_a) -> None:
    _customer, code = customer_login(customer_a)
    staff = staff_user()
    response = client_for(staff).post(
        reverse("callers:verify", args=[customer_a.pk]), {"code": _wrong(code), "channel": "chat"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Błędny kod" in page
    assert _wrong(code) not in page  # the form does not echo what was typed
    assert not CallerSession.objects.exists()
    (event,) = _events(EventType.CALLER_VERIFICATION_FAILED)
    assert event.actor == staff and event.channel == Channel.CHAT
    assert event.data == {"customer_id": customer_a.pk, "outcome": "wrong"}
    _no_code_in_history(code)
    _no_code_in_history(_wrong(code))


def test_expired_code_is_refused_with_its_expiry_time(
    customer_login, client_for, staff_user, customer_a
) -> None:
    _customer, code = customer_login(customer_a)
    expired_at = timezone.now() - timedelta(minutes=3)
    AuthorisationCode.objects.filter(account=customer_a).update(expires_at=expired_at)
    response = client_for(staff_user()).post(
        reverse("callers:verify", args=[customer_a.pk]), {"code": code, "channel": "phone"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert f"Kod wygasł o {timezone.localtime(expired_at):%H:%M}" in page
    assert "zalogował się ponownie" in page
    assert not CallerSession.objects.exists()
    assert _events(EventType.CALLER_VERIFICATION_FAILED)[0].data["outcome"] == "expired"


def test_a_replaced_code_is_named_as_such(customer_login, client_for, staff_user, customer_a) -> None:
    _first_client, first = customer_login(customer_a)
    second = first
    while second == first:  # eight random digits may, once in a hundred million, repeat
        _second_client, second = customer_login(customer_a)
    response = client_for(staff_user()).post(
        reverse("callers:verify", args=[customer_a.pk]), {"code": first, "channel": "phone"}
    )
    assert "zastąpiony nowszym" in response.content.decode()
    assert VerificationAttempt.objects.get().outcome == VerificationAttempt.Outcome.REPLACED


def test_wrong_codes_lock_verification_for_the_customer(
    customer_login, client_for, staff_user, customer_a
) -> None:
    _customer, code = customer_login(customer_a)
    staffs = [staff_user() for _ in range(services.FAILED_ATTEMPTS_LIMIT)]
    for staff in staffs:  # different staff members: the customer's own limit applies
        client_for(staff).post(
            reverse("callers:verify", args=[customer_a.pk]), {"code": _wrong(code), "channel": "phone"}
        )
    # Now even the right code is refused, and the refusal is logged too.
    response = client_for(staff_user()).post(
        reverse("callers:verify", args=[customer_a.pk]), {"code": code, "channel": "phone"}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Zbyt wiele błędnych kodów" in page
    assert not CallerSession.objects.exists()
    outcomes = list(VerificationAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["wrong"] * services.FAILED_ATTEMPTS_LIMIT + ["locked"]
    assert len(_events(EventType.CALLER_VERIFICATION_FAILED)) == services.FAILED_ATTEMPTS_LIMIT + 1
    # A quarter of an hour later the lock is gone.
    VerificationAttempt.objects.update(attempted_at=timezone.now() - services.FAILED_ATTEMPTS_WINDOW)
    assert services.verify_caller(staff=staffs[0], customer=customer_a, code=code, channel=Channel.PHONE)


def test_wrong_codes_lock_the_staff_member_across_customers(
    customer_login, staff_user, customer_a, customer_b
) -> None:
    _a, code_a = customer_login(customer_a)
    _b, code_b = customer_login(customer_b)
    staff = staff_user()
    for attempt in range(services.FAILED_ATTEMPTS_LIMIT):
        customer, code = (customer_a, code_a) if attempt % 2 else (customer_b, code_b)
        with pytest.raises(services.CallerRefused):
            services.verify_caller(staff=staff, customer=customer, code=_wrong(code), channel=Channel.PHONE)
    with pytest.raises(services.CallerRefused) as refused:
        services.verify_caller(staff=staff, customer=customer_a, code=code_a, channel=Channel.PHONE)
    assert refused.value.outcome == VerificationAttempt.Outcome.LOCKED
    # Another staff member may still verify the same caller.
    assert services.verify_caller(staff=staff_user(), customer=customer_a, code=code_a, channel=Channel.PHONE)


def test_a_customer_without_a_code_cannot_be_verified(client_for, staff_user, customer_a) -> None:
    response = client_for(staff_user()).post(
        reverse("callers:verify", args=[customer_a.pk]), {"code": "12345678", "channel": "phone"}
    )
    assert response.status_code == 422
    assert "nie ma kodu autoryzacyjnego" in response.content.decode()


def test_only_customers_are_verified(client_for, staff_user) -> None:
    other_staff = staff_user()
    response = client_for(staff_user()).get(reverse("callers:verify", args=[other_staff.pk]))
    assert response.status_code == 404
