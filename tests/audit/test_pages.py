"""The auditor finds requests and reads one request's complete record."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import views
from domains import services as domain_services
from workflows.history import record_event
from workflows.models import Channel, EventType, SentEmail

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_finds_both_kinds_by_domain_party_identifier_and_staff(
    client_for, auditor, audit_world, staff_user
) -> None:
    client = client_for(auditor)
    transfer, cesja = audit_world.transfer, audit_world.cesja
    clerk = staff_user(username="ewa.urzednik")
    record_event(
        event_type=EventType.TRANSFER_STATE_CHANGED,
        summary="A note on the transfer",
        actor=clerk,
        channel=Channel.PHONE,
        subject=transfer,
    )

    def found(**query) -> set[str]:
        response = client.get(reverse("audit:search"), query)
        assert response.status_code == 200
        return {row.ref for row in response.context["requests"]}

    assert found() == {f"transfer-{transfer.pk}", f"cesja-{cesja.pk}"}
    assert found(domain=transfer.domain_name.upper()) == {f"transfer-{transfer.pk}"}
    cesja_domain = cesja.items.get().domain_name
    assert found(domain=cesja_domain[:8]) == {f"cesja-{cesja.pk}"}
    assert found(party="Nowak") == {f"cesja-{cesja.pk}"}
    assert found(identifier=audit_world.registrant.pesel) == {f"transfer-{transfer.pk}", f"cesja-{cesja.pk}"}
    assert found(kind="transfer", state=transfer.state) == {f"transfer-{transfer.pk}"}
    # Staff are searched among the back office: by login or by name.
    assert found(staff="ewa.urzednik") == {f"transfer-{transfer.pk}"}
    assert found(staff=clerk.last_name[:4]) == {f"transfer-{transfer.pk}"}
    # The customer acted on both requests too, but is no member of staff (a party is
    # searched as a party).
    assert found(staff="jan.kowalski") == set()
    assert found(staff="nobody-acted") == set()
    assert found(channel="phone") == {f"transfer-{transfer.pk}"}
    assert found(channel="fax") == set()
    assert found(date_from="2000-01-01", date_to="2000-01-02") == set()


def test_search_needs_a_fixed_number_of_queries(
    client_for, auditor, audit_world, start_transfer, start_cesja
):
    from tests.fixtures.people import make_user

    client = client_for(auditor)
    client.get(reverse("audit:search"))  # warm the content-type cache and the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:search"))
    for number in range(3):
        customer = make_user(f"klient.{number}", "customer")
        start_transfer(customer)
        start_cesja()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("audit:search"))
    assert len(response.context["requests"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_history_page_shows_events_documents_commands_and_mails(client_for, auditor, audit_world) -> None:
    cesja = audit_world.cesja
    response = client_for(auditor).get(reverse("audit:request", args=[f"cesja-{cesja.pk}"]))
    assert response.status_code == 200
    page = response.content.decode()
    record = response.context["record"]
    assert record.events and record.emails and record.generated and record.received
    assert audit_world.generated.sha256 in page
    assert audit_world.received.sha256 in page
    assert reverse("documents:download_received", args=[audit_world.received.pk]) in page
    assert record.emails[0].body_sha256 in page
    transfer_page = client_for(auditor).get(
        reverse("audit:request", args=[f"transfer-{audit_world.transfer.pk}"])
    )
    commands = transfer_page.context["record"].commands
    assert commands, "the start of a transfer asks the registry about the domain"
    assert commands[0].cl_trid in transfer_page.content.decode()


def test_csv_of_one_and_of_the_search(client_for, auditor, audit_world) -> None:
    client = client_for(auditor)
    cesja = audit_world.cesja
    response = client.get(reverse("audit:request_csv", args=[f"cesja-{cesja.pk}"]))
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0][:4] == ["request", "kind", "domains", "record"]
    records = {row[3].split(":")[0] for row in rows[1:]}
    assert {"event", "document", "email"} <= records
    assert audit_world.received.sha256 in {row[11] for row in rows}

    everything = client.get(reverse("audit:search_csv"))
    text = b"".join(everything.streaming_content).decode()
    assert audit_world.transfer.domain_name in text and audit_world.received.sha256 in text


def test_pdf_report_of_one_and_the_limit_for_many(client_for, auditor, audit_world, monkeypatch) -> None:
    client = client_for(auditor)
    response = client.get(reverse("audit:request_pdf", args=[f"transfer-{audit_world.transfer.pk}"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")

    many = client.get(reverse("audit:search_pdf"))
    assert many.status_code == 200 and many.content.startswith(b"%PDF")
    monkeypatch.setattr(views, "REPORT_LIMIT", 1)
    refused = client.get(reverse("audit:search_pdf"))
    assert refused.status_code == 400
    assert "co najwyżej 1" in refused.content.decode()


def test_sent_mails_keep_only_a_digest_never_an_issued_code(audit_world, customer_a) -> None:
    from workflows.models import Channel

    code = domain_services.issue_authinfo(domain=audit_world.domain, actor=customer_a, channel=Channel.WEB)
    from django.core import mail

    assert any(code in message.body for message in mail.outbox)
    recorded = SentEmail.objects.filter(kind="authinfo_issued").get()
    assert recorded.domain_name == audit_world.domain.name
    for value in SentEmail.objects.values_list("subject", "recipient", "body_sha256", "kind"):
        assert all(code not in str(part) for part in value)
    assert SentEmail.objects.filter(case_id=str(audit_world.transfer.pk), kind="confirm").exists()


def test_the_search_counts_each_kind_apart_and_pages_a_union_all(audit_world) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.selectors import RequestFilters, load_requests, search_requests

    rows = search_requests(RequestFilters())
    with CaptureQueriesContext(connection) as counting:
        total = rows.count()
    assert total == 2  # the transfer and the cesja of the audit world
    assert len(counting.captured_queries) == 2
    assert not any("UNION" in q["sql"].upper() for q in counting.captured_queries)
    with CaptureQueriesContext(connection) as paging:
        page = list(rows[0:25])
    assert [q for q in paging.captured_queries if "UNION ALL" in q["sql"].upper()]
    assert {row["kind"] for row in page} == {"transfer", "cesja"}
    assert [r.created_at for r in load_requests(page)] == sorted(
        (r.created_at for r in load_requests(page)), reverse=True
    )
