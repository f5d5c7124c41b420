"""Domain check, info and update against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.epp import AuthorizationError, InvalidAuthInfo, ObjectDoesNotExist, StatusProhibitsOperation
from registry.epp.results import ParameterPolicyError


def test_check_tells_taken_free_and_unserved_names(epp_client, epp_https_client):
    data = epp_client().domain_check("nowak-design.com", "wolna-domena-7q.com", "kowalski.pl", "x.org").data
    assert data["nowak-design.com"].available is False and data["nowak-design.com"].reason == "In use"
    assert data["wolna-domena-7q.com"].available is True
    # .pl is NASK's: the RFC registry does not keep it, nor anything it has no policy for
    assert data["kowalski.pl"].available is False and data["kowalski.pl"].reason == "TLD not served here"
    assert data["x.org"].available is False
    at_nask = epp_https_client().domain_check("kowalski.pl", "wolna-domena-7q.pl", "nowak-design.com").data
    assert at_nask["kowalski.pl"].reason == "In use" and at_nask["wolna-domena-7q.pl"].available is True
    assert at_nask["nowak-design.com"].reason == "TLD not served here"


def test_the_sponsor_sees_everything(epp_https_client):
    info = epp_https_client().domain_info("kowalski.pl").data
    now = datetime.now(UTC)
    assert info.sponsor == "regflow" and info.registrant == "C-JKOWALSKI"
    assert info.statuses == ("ok",)
    assert info.roid.endswith("-SBX")
    # The demo dates are offsets from the moment the sandbox was seeded (the start of the
    # test session, which may be many minutes ago on a slow run).
    seeded_at = info.created_at + timedelta(days=2400)
    assert abs(seeded_at - (info.expires_at - timedelta(days=200))) < timedelta(seconds=1)
    assert now - timedelta(hours=12) < seeded_at <= now


def test_another_registrar_sees_only_the_public_part(epp_client, epp_https_client):
    for client, name in (
        (epp_https_client("nordhost"), "kowalski.pl"),
        (epp_client("nordhost"), "nowak-design.com"),
    ):
        info = client.domain_info(name).data
        assert info.sponsor == "regflow" and info.statuses == ("ok",)
        assert info.registrant is None and info.created_at is None and info.expires_at is None


def test_the_right_authinfo_opens_the_full_info(epp_client, epp_https_client):
    info = epp_https_client("nordhost").domain_info("kowalski.pl", "Kow-Demo-7Hq2-Lp9x").data
    assert info.registrant == "C-JKOWALSKI" and info.expires_at is not None
    info = epp_client("nordhost").domain_info("nowak-design.com", "Nowak-Demo-9Rt4-Vc6d").data
    assert info.registrant == "C-ANOWAK" and info.expires_at is not None


def test_a_wrong_authinfo_is_refused(epp_https_client):
    with pytest.raises(InvalidAuthInfo) as caught:
        epp_https_client("nordhost").domain_info("kowalski.pl", "Not-The-Code-1")
    assert caught.value.code == 2202


def test_an_unknown_domain_does_not_exist(epp_client, epp_https_client):
    with pytest.raises(ObjectDoesNotExist) as caught:
        epp_client().domain_info("nie-ma-takiej-domeny.com")
    assert caught.value.response.result.ext_values[0].value == "nie-ma-takiej-domeny.com"
    # a .pl domain is not at the RFC registry, however real it is at NASK
    with pytest.raises(ObjectDoesNotExist):
        epp_client().domain_info("kowalski.pl")
    with pytest.raises(ObjectDoesNotExist) as caught:
        epp_https_client().domain_info("nie-ma-takiej-domeny.pl")
    assert "no such domain" in caught.value.reasons


def test_the_idn_is_kept_in_its_a_label(epp_https_client):
    name = "xn--tyrower-k0a52e8r.pl"
    assert epp_https_client().domain_info(name).data.name == name


def test_the_sponsor_sets_and_clears_client_statuses(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow")
    client = epp_client()
    client.domain_update(domain.name, add_statuses=["clientTransferProhibited", "clientDeleteProhibited"])
    assert set(client.domain_info(domain.name).data.statuses) == {
        "clientTransferProhibited",
        "clientDeleteProhibited",
    }
    client.domain_update(domain.name, remove_statuses=["clientDeleteProhibited"])
    assert client.domain_info(domain.name).data.statuses == ("clientTransferProhibited",)
    client.domain_update(domain.name, remove_statuses=["clientTransferProhibited"])
    assert client.domain_info(domain.name).data.statuses == ("ok",)


def test_client_update_prohibited_blocks_everything_but_its_own_removal(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow")
    client = epp_client()
    client.domain_update(domain.name, add_statuses=["clientUpdateProhibited"])
    with pytest.raises(StatusProhibitsOperation):
        client.domain_update(domain.name, add_statuses=["clientHold"])
    client.domain_update(domain.name, remove_statuses=["clientUpdateProhibited"])
    client.domain_update(domain.name, add_statuses=["clientHold"])
    assert client.domain_info(domain.name).data.statuses == ("clientHold",)


def test_server_statuses_are_not_for_clients(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow")
    with pytest.raises(ParameterPolicyError) as caught:
        epp_client().domain_update(domain.name, add_statuses=["serverTransferProhibited"])
    assert caught.value.code == 2306


def test_a_server_status_blocks_client_updates(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow", statuses=("serverUpdateProhibited",))
    with pytest.raises(StatusProhibitsOperation):
        epp_client().domain_update(domain.name, add_statuses=["clientHold"])


def test_only_the_sponsor_may_update(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow")
    with pytest.raises(AuthorizationError) as caught:
        epp_client("nordhost").domain_update(domain.name, add_statuses=["clientHold"])
    assert caught.value.code == 2201


def test_the_registrant_changes_to_an_existing_contact_only(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow")
    client = epp_client()
    client.domain_update(domain.name, registrant="C-ANOWAK")
    assert client.domain_info(domain.name).data.registrant == "C-ANOWAK"
    with pytest.raises(ObjectDoesNotExist):
        client.domain_update(domain.name, registrant="C-NOBODY")


def test_a_new_authinfo_replaces_the_old_one(epp_client, sandbox, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow")
    epp_client().domain_update(domain.name, authinfo="Fresh-Code-2026")
    assert sandbox.store.authinfo_matches(domain.name, "Fresh-Code-2026")
    assert not sandbox.store.authinfo_matches(domain.name, domain.authinfo)
    with pytest.raises(ParameterPolicyError):
        epp_client().domain_update(domain.name, authinfo="short")


def test_removing_the_authinfo_makes_every_code_wrong(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="regflow")
    epp_client().domain_update(domain.name, remove_authinfo=True)
    with pytest.raises(InvalidAuthInfo):
        epp_client("nordhost").domain_info(domain.name, domain.authinfo)
