"""What the staff's pages say in words: rows named by their request, task names in the
reader's language, at no extra query."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from tests.assignments_ui import conftest as cesja_pages
from tests.transfers_ui import conftest as transfer_pages
from transfers.models import Transfer
from workflows.roles import Team, team_permission

start_cesja = cesja_pages.start_cesja
joined_cesja = cesja_pages.joined_cesja
cesja_in_verification = cesja_pages.cesja_in_verification
start_transfer = transfer_pages.start_transfer

IDN = "xn--tyrower-k0a52e8r.pl"  # żółtyrower.pl


def _review_task(transfer: Transfer) -> Task:
    process = Process.objects.create(flow_class="transfers/flows.IncomingTransferFlow", artifact=transfer)
    return Task.objects.create(
        process=process,
        flow_task="transfers/flows.IncomingTransferFlow.review",
        flow_task_type="HUMAN",
        status=STATUS.NEW,
        owner_permission=team_permission(Team.DOMAINS),
    )


def _queue_page(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()
    return page, len(queries)


def test_queue_rows_name_the_request_by_number_and_domain_at_no_extra_query(
    cesja_in_verification, start_transfer, customer_a, registrant_a, staff_user, client_for
) -> None:
    cesja = cesja_in_verification
    client = client_for(staff_user(Team.DOMAINS))
    _queue_page(client)  # the deadline table is written on first use
    only_cesja, queries_before = _queue_page(client)

    transfer = start_transfer(customer_a, registrant_a)
    Transfer.objects.filter(pk=transfer.pk).update(domain_name=IDN)
    _review_task(transfer)
    page, queries_after = _queue_page(client)

    domain = cesja.items.get().display_name
    assert f'{cesja.number}</span> · <span class="domain-name">{domain}</span>' in only_cesja
    assert f'#{transfer.pk}</span> · <span class="domain-name">żółtyrower.pl</span>' in page
    assert "Cesja #" not in page and IDN not in page
    # The tasks' names and the filter's options in Polish.
    assert "Cesja: weryfikacja" in page and "Verification" not in page
    assert "Transfer przychodzący: przegląd" in page and "Incoming transfer: review" not in page
    # A second kind of request in the queue costs nothing more.
    assert queries_after == queries_before
