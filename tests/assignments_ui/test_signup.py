"""Someone invited by e-mail who has no account: the link offers "create your account" (and
nothing else does), the account gets the invited address, and the new customer adds a
profile and joins. Only the account of the invited address takes the invitation."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import Registrant, User
from assignments import services
from assignments.models import Cesja, Reason, Side, State
from tests.fixtures.people import PASSWORD, PESEL_ANNA
from workflows.history import iter_chain_problems
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Role

from .conftest import invitation_token

INVITED = "kupujacy@example.pl"
NEW_PASSWORD = "Zakup-Domeny-2026!"


def _page(response) -> str:
    return response.content.decode()


def _polish(message: str, **params: str) -> str:
    with translation.override("pl"):
        return escape(translation.gettext(message) % params if params else translation.gettext(message))


def _invite(cesja_world, customer_a, registrant_a, email: str = INVITED) -> tuple[Cesja, str]:
    cesja = services.start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[cesja_world.domain(registrant_a)],
        cedent_registrant=registrant_a,
        other_party_email=email,
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    return cesja, invitation_token(email)


def _signup_data(**overrides: str) -> dict[str, str]:
    return {
        "username": "ola.kupiec",
        "first_name": "Ola",
        "last_name": "Kupiec",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "language": "pl",
        **overrides,
    }


PERSON = {
    "first_name": "Ola",
    "last_name": "Kupiec",
    "pesel": PESEL_ANNA,
    "street": "ul. Nowa 1",
    "postal_code": "00-001",
    "city": "Warszawa",
    "country": "PL",
    "email": INVITED,
    "phone": "",
}


def test_the_invited_person_creates_an_account_adds_a_profile_and_joins(
    client, cesja_world, customer_a, registrant_a
) -> None:
    cesja, token = _invite(cesja_world, customer_a, registrant_a)
    invitation_url = reverse("assignments:invitation", args=[token])
    signup_url = reverse("assignments:invitation_signup", args=[token])

    # Not logged in, with no account at the invited address: "create your account".
    response = client.get(invitation_url)
    assert response.status_code == 302 and response["Location"] == signup_url
    page = _page(client.get(signup_url))
    assert cesja.number in page and "Jan Kowalski" in page
    # The address is shown, fixed: a disabled field, whatever is posted for it.
    assert f'value="{INVITED}"' in page and "disabled" in page
    login_link = reverse("login") + "?next=" + invitation_url
    assert escape(login_link) in page

    response = client.post(signup_url, _signup_data(email="ktos.inny@example.pl"))
    assert response.status_code == 302 and response["Location"] == invitation_url
    user = User.objects.get(username="ola.kupiec")
    assert user.email == INVITED and user.role == Role.CUSTOMER and user.language == "pl"
    assert (user.first_name, user.last_name) == ("Ola", "Kupiec")
    assert user.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)  # logged in
    created = HistoryEvent.objects.get(event_type=EventType.ACCOUNT_CREATED)
    assert created.actor == user and created.subject_id == str(user.pk)
    assert created.data["cesja"] == cesja.number and created.changes["email"] == [None, INVITED]
    assert NEW_PASSWORD not in str(created.changes) + str(created.data)

    # The invitation: no profile yet, so "add a profile first", which comes back here.
    page = _page(client.get(invitation_url))
    add_person = reverse("registrant_create_person") + "?next=" + invitation_url
    assert escape(add_person) in page
    assert Cesja.objects.get(pk=cesja.pk).state == State.AWAITING_PARTY
    response = client.post(add_person, PERSON)
    assert response.status_code == 302 and response["Location"] == invitation_url
    profile = Registrant.objects.get(account=user)

    # Joins with it: the cesja moves on, with the new account as the cesjonariusz's.
    page = _page(client.get(invitation_url))
    assert "Ola Kupiec" in page and 'name="registrant"' in page
    response = client.post(invitation_url, {"registrant": profile.pk})
    assert response["Location"] == reverse("assignments:detail", args=[cesja.pk])
    cesja.refresh_from_db()
    assert cesja.state == State.AWAITING_DOCUMENTS
    assert cesja.cesjonariusz_account == user and cesja.cesjonariusz == profile
    assert list(iter_chain_problems()) == []


def test_a_taken_username_is_refused_in_the_form(client, cesja_world, customer_a, registrant_a) -> None:
    _cesja, token = _invite(cesja_world, customer_a, registrant_a)
    signup_url = reverse("assignments:invitation_signup", args=[token])
    for taken in (customer_a.username, customer_a.username.upper()):
        response = client.post(signup_url, _signup_data(username=taken))
        assert response.status_code == 200
        assert response.context["form"].errors["username"] == [
            _polish("A user with that username already exists.")
        ]
    assert not User.objects.filter(email=INVITED).exists()
    assert SESSION_KEY not in client.session
    assert not HistoryEvent.objects.filter(event_type=EventType.ACCOUNT_CREATED).exists()


def test_passwords_must_match_and_pass_the_validators(client, cesja_world, customer_a, registrant_a) -> None:
    _cesja, token = _invite(cesja_world, customer_a, registrant_a)
    signup_url = reverse("assignments:invitation_signup", args=[token])
    response = client.post(signup_url, _signup_data(password2="Inne-Haslo-2026!"))
    assert response.context["form"].errors["password2"]
    response = client.post(signup_url, _signup_data(password1="12345678", password2="12345678"))
    errors = " ".join(response.context["form"].errors["password2"])
    with translation.override("pl"):
        assert translation.gettext("This password is entirely numeric.") in errors
    # Too like the invited address: Django's similarity check sees it.
    response = client.post(signup_url, _signup_data(password1="kupujacy1", password2="kupujacy1"))
    assert response.context["form"].errors["password2"]
    response = client.post(signup_url, _signup_data(first_name=""))
    assert response.context["form"].errors["first_name"]
    assert not User.objects.filter(email=INVITED).exists()


def test_an_address_that_already_has_an_account_logs_in_instead(
    client, cesja_world, customer_a, registrant_a
) -> None:
    _cesja, token = _invite(cesja_world, customer_a, registrant_a)
    # Since the invitation went out, an account was made at that address (in other letters).
    User.objects.create_user(username="ola", email=INVITED.upper(), password=NEW_PASSWORD, role=Role.CUSTOMER)
    invitation_url = reverse("assignments:invitation", args=[token])
    login_then_back = reverse("login") + "?next=" + invitation_url
    assert client.get(invitation_url)["Location"] == login_then_back
    response = client.get(reverse("assignments:invitation_signup", args=[token]))
    assert response["Location"] == login_then_back
    response = client.post(reverse("assignments:invitation_signup", args=[token]), _signup_data())
    assert response["Location"] == login_then_back
    assert User.objects.filter(email__iexact=INVITED).count() == 1


def test_no_account_is_offered_without_a_good_invitation(
    client, client_for, cesja_world, customer_a, registrant_a
) -> None:
    response = client.get(reverse("assignments:invitation_signup", args=["nieznany-token"]))
    assert response.status_code == 404 and 'name="password1"' not in _page(response)
    assert client.get(reverse("assignments:invitation", args=["nieznany-token"]))["Location"].startswith(
        reverse("login")
    )
    cesja, token = _invite(cesja_world, customer_a, registrant_a)
    services.cancel_cesja(cesja=cesja, actor=customer_a, channel=Channel.WEB)
    response = client.post(reverse("assignments:invitation_signup", args=[token]), _signup_data())
    assert response.status_code == 200 and 'name="password1"' not in _page(response)
    assert not User.objects.filter(username="ola.kupiec").exists()
    # Someone logged in goes on to the invitation itself.
    response = client_for(customer_a).get(reverse("assignments:invitation_signup", args=[token]))
    assert response["Location"] == reverse("assignments:invitation", args=[token])


def test_another_account_is_told_where_the_invitation_went_and_nothing_changes(
    client_for, start_cesja, customer_b, outsider
) -> None:
    cesja = start_cesja()
    url = reverse("assignments:invitation", args=[invitation_token(customer_b.email)])
    Registrant.objects.create(account=outsider, kind=Registrant.Kind.PERSON, **PERSON)
    client = client_for(outsider)
    for response in (client.get(url), client.post(url, {"registrant": outsider.registrants.get().pk})):
        assert response.status_code == 403
        page = _page(response)
        assert "a***@example.pl" in page and customer_b.email not in page
        assert 'name="registrant"' not in page
        assert escape(reverse("login") + "?next=" + url) in page
    cesja.refresh_from_db()
    assert cesja.state == State.AWAITING_PARTY and cesja.cesjonariusz_account == customer_b
    assert cesja.invitations.get().used_at is None
    assert not HistoryEvent.objects.filter(event_type=EventType.CESJA_PARTY_CHANGED).exists()
    # The invited customer still can.
    assert client_for(customer_b).get(url).status_code == 200


def test_the_login_link_keeps_the_invitation(client, cesja_world, customer_a, registrant_a, outsider) -> None:
    _cesja, token = _invite(cesja_world, customer_a, registrant_a, email=outsider.email)
    invitation_url = reverse("assignments:invitation", args=[token])
    response = client.post(
        reverse("login") + "?next=" + invitation_url,
        {"username": outsider.username, "password": "x-Obcy-2026!", "next": invitation_url},
    )
    assert response["Location"] == invitation_url
    assert client.get(invitation_url).status_code == 200
    assert PASSWORD  # the fixtures' password is not the outsider's


def test_the_login_page_names_the_cesja_an_invitee_with_an_account_is_invited_to(
    client, cesja_world, customer_a, registrant_a
) -> None:
    cesja, token = _invite(cesja_world, customer_a, registrant_a)
    User.objects.create_user(username="ola", email=INVITED, password=NEW_PASSWORD, role=Role.CUSTOMER)
    login_url = client.get(reverse("assignments:invitation", args=[token]))["Location"]
    page = client.get(login_url).content.decode()
    domain = cesja.items.get().display_name
    assert cesja.number in page and domain in page
    assert "Zaproszono Cię do cesji" in page
    # Logging in leads on to the invitation.
    response = client.post(
        login_url,
        {
            "username": "ola",
            "password": NEW_PASSWORD,
            "next": reverse("assignments:invitation", args=[token]),
        },
    )
    assert response["Location"] == reverse("assignments:invitation", args=[token])
    # A link that can no longer bring anyone in, or none at all, gets no such line.
    services.cancel_cesja(cesja=cesja, actor=customer_a, channel=Channel.WEB, reason="Rozmyśliłem się.")
    client.logout()
    page = client.get(login_url).content.decode()
    assert cesja.number not in page and "Zaproszono Cię do cesji" not in page
    page = client.get(reverse("login") + "?next=/cesje/invitation/nie-ma-takiego/").content.decode()
    assert "Zaproszono Cię do cesji" not in page
