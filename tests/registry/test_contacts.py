"""Contact create and info."""

from __future__ import annotations

import uuid

import pytest

from registry.epp import AuthorizationError, InvalidAuthInfo, ObjectDoesNotExist
from registry.epp.data import ContactData
from registry.epp.results import ObjectExists


def new_contact() -> ContactData:
    return ContactData(
        handle=f"K-{uuid.uuid4().hex[:10].upper()}",
        name="Zofia Zając",
        org="Foto Zając",
        street=("ul. Polna 1", "lok. 2"),
        city="Gdańsk",
        postal_code="80-001",
        country="PL",
        email="zofia.zajac@example.pl",
        voice="+48.580000001",
    )


def test_create_then_read_it_back(epp_client):
    contact = new_contact()
    client = epp_client()
    created = client.contact_create(contact, "Contact-Code-2026").data
    assert created.handle == contact.handle and created.created_at is not None

    info = client.contact_info(contact.handle).data
    assert info.sponsor == "regflow" and info.statuses == ("ok",)
    [postal] = info.postal_info
    assert (postal.name, postal.org, postal.address.city) == ("Zofia Zając", "Foto Zając", "Gdańsk")
    assert postal.address.street == ("ul. Polna 1", "lok. 2") and postal.address.postal_code == "80-001"
    assert (info.email, info.voice) == ("zofia.zajac@example.pl", "+48.580000001")


def test_a_handle_is_taken_once(epp_client):
    contact = new_contact()
    client = epp_client()
    client.contact_create(contact, "Contact-Code-2026")
    with pytest.raises(ObjectExists) as caught:
        client.contact_create(contact, "Contact-Code-2026")
    assert caught.value.code == 2302


def test_other_registrars_need_the_contacts_authinfo(epp_client):
    contact = new_contact()
    epp_client().contact_create(contact, "Contact-Code-2026")
    other = epp_client("nordhost")
    with pytest.raises(AuthorizationError):
        other.contact_info(contact.handle)
    with pytest.raises(InvalidAuthInfo):
        other.contact_info(contact.handle, "Not-The-Code-1")
    assert other.contact_info(contact.handle, "Contact-Code-2026").data.email == "zofia.zajac@example.pl"


def test_a_contact_in_use_is_linked(epp_client):
    assert set(epp_client().contact_info("C-JKOWALSKI").data.statuses) == {"linked", "ok"}


def test_an_unknown_contact(epp_client):
    with pytest.raises(ObjectDoesNotExist):
        epp_client().contact_info("K-NOBODY")
