"""The Django admin: configuration for superusers; registry commands and the history are
shown but can be neither added, changed nor deleted, by anyone."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from accounts.models import Registrant, Representative, User
from registry.models import Domain, Registrar, RegistryCommand, Tld
from workflows.history import record_event
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Role, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client_for, django_user_model) -> object:
    boss = django_user_model.objects.create_superuser("szef", "szef@example.pl", "Szef-Haslo-2026")
    return client_for(boss)


@pytest.mark.parametrize(
    "model",
    [User, Registrant, Registrar, Tld, Domain, RegistryCommand, HistoryEvent],
    ids=lambda m: m.__name__,
)
def test_models_are_registered_and_listed(superuser_client, model) -> None:
    assert model in site._registry
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert superuser_client.get(url).status_code == 200


def test_registrant_has_representatives_inline(superuser_client, organisation_a) -> None:
    response = superuser_client.get(reverse("admin:accounts_registrant_change", args=[organisation_a.pk]))
    assert response.status_code == 200
    assert "Wiśniewski" in response.content.decode()


def test_user_admin_sets_role_and_team(superuser_client) -> None:
    response = superuser_client.get(reverse("admin:accounts_user_add"))
    page = response.content.decode()
    assert 'name="role"' in page and 'name="team"' in page


@pytest.mark.parametrize("model", [HistoryEvent, RegistryCommand], ids=lambda m: m.__name__)
def test_read_only_models_refuse_add_change_delete(superuser_client, model, customer_a) -> None:
    if model is HistoryEvent:
        obj = record_event(event_type=EventType.DOMAIN_SYNCED, summary="sync", channel=Channel.SYSTEM)
    else:
        obj = RegistryCommand.objects.create(
            cl_trid="RF-1", registrar_client_id="regflow", command="domain:info"
        )
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert superuser_client.get(reverse(f"{prefix}_add")).status_code == 403
    change_url = reverse(f"{prefix}_change", args=[obj.pk])
    page = superuser_client.get(change_url)
    assert page.status_code == 200  # viewing is allowed
    assert 'name="_save"' not in page.content.decode()
    assert superuser_client.post(change_url, {}).status_code == 403
    assert superuser_client.get(reverse(f"{prefix}_delete", args=[obj.pk])).status_code == 403
    changelist = superuser_client.get(reverse(f"{prefix}_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert model.objects.filter(pk=obj.pk).exists()


def test_history_admin_has_filters(superuser_client) -> None:
    response = superuser_client.get(reverse("admin:workflows_historyevent_changelist"))
    page = response.content.decode()
    assert 'id="changelist-filter"' in page


def test_admin_edit_of_a_registrant_is_recorded(superuser_client, organisation_a) -> None:
    rep = organisation_a.representatives.get()
    url = reverse("admin:accounts_registrant_change", args=[organisation_a.pk])
    data = {
        "account": organisation_a.account_id,
        "kind": organisation_a.kind,
        "first_name": "",
        "last_name": "",
        "pesel": "",
        "name": organisation_a.name,
        "legal_form": organisation_a.legal_form,
        "nip": organisation_a.nip,
        "regon": organisation_a.regon,
        "krs": organisation_a.krs,
        "representation": organisation_a.representation,
        "street": organisation_a.street,
        "postal_code": organisation_a.postal_code,
        "city": "Gniezno",
        "country": "PL",
        "email": organisation_a.email,
        "phone": "",
        "registry_handle": "",
        "representatives-TOTAL_FORMS": "1",
        "representatives-INITIAL_FORMS": "1",
        "representatives-MIN_NUM_FORMS": "0",
        "representatives-MAX_NUM_FORMS": "1000",
        "representatives-0-id": str(rep.pk),
        "representatives-0-registrant": str(organisation_a.pk),
        "representatives-0-first_name": "Marek",
        "representatives-0-last_name": "Wiśniewski",
        "representatives-0-function": "Prezes Zarządu",
        "representatives-0-pesel": rep.pesel,
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302
    event = HistoryEvent.objects.get(event_type=EventType.REGISTRANT_UPDATED)
    assert event.changes == {"city": ["Poznań", "Gniezno"]}
    assert event.actor.username == "szef"
    assert Representative.objects.count() == 1


def test_back_office_and_auditors_have_no_admin(client_for, auditor, staff_user) -> None:
    for user in (auditor, staff_user(Team.DOMAINS)):
        assert not user.is_staff
        response = client_for(user).get(reverse("admin:workflows_historyevent_changelist"))
        assert response.status_code == 302


def test_auditor_is_not_staff_even_with_the_audit_permission(auditor) -> None:
    assert auditor.role == Role.AUDITOR
    assert auditor.has_perm("accounts.audit")
    assert not auditor.is_staff


@pytest.mark.django_db
def test_an_overlong_username_on_the_admin_login_gets_a_form_error_not_a_crash(client):
    response = client.post("/admin/login/", {"username": "x" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert response.context["form"].errors
