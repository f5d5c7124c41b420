"""A step's flow bookkeeping in one pass (``workflows.flowpass``) leaves the rows viewflow's
own activations leave: the same tasks, in the same states, linked to the same tasks before
them, and the process ended at the same point. Each life cycle runs twice, once through the
pass and once through viewflow, and the two sets of rows are compared."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Process, Task

from benchmarks.management.commands.bench_transitions import _open_transfer
from registry.models import Tld
from transfers.models import State, Transfer
from transfers.services import cancel_transfer, confirm_transfer, review_transfer
from workflows import flowpass, flowsync, sealing
from workflows.models import Channel, OutboxMessage

pytestmark = pytest.mark.django_db


def rows(case) -> tuple[tuple, list[tuple]]:
    """The process and its tasks as an auditor of the flow would compare them."""
    case.refresh_from_db()
    process = flowsync.process_of(case)
    names = {t.pk: t.flow_task.name for t in Task.objects.filter(process=process)}
    tasks = sorted(
        (
            t.flow_task.name,
            t.flow_task_type,
            t.status,
            t.owner_permission or "",
            t.owner_id,
            str(t.token),
            t.started is not None,
            t.finished is not None,
            t.assigned is not None,
            t.scheduled and t.scheduled == case.confirmation_deadline,
            tuple(sorted(names[p.pk] for p in t.previous.all())),
        )
        for t in Task.objects.filter(process=process)
    )
    return (process.flow_class, process.status, process.finished is not None), tasks


def token_of(transfer: Transfer) -> str:
    sealed = (
        OutboxMessage.objects.filter(kind="transfers.confirmation", case_id=str(transfer.pk))
        .latest("pk")
        .sealed
    )
    return sealing.unseal(sealed)


def straight(customer, staff, name):
    transfer = _open_transfer(name, customer)
    yield transfer
    confirm_transfer(token=token_of(transfer))
    yield transfer
    cancel_transfer(transfer=transfer, actor=customer, channel=Channel.WEB)
    yield transfer


def reviewed(customer, staff, name):
    transfer = _open_transfer(name, customer)
    assert transfer.state == State.REVIEW
    yield transfer
    review_transfer(
        transfer=transfer, approved=True, note="known customer", actor=staff, channel=Channel.PHONE
    )
    yield transfer
    confirm_transfer(token=token_of(transfer))
    yield transfer
    cancel_transfer(transfer=transfer, actor=customer, channel=Channel.WEB)
    yield transfer


def refused(customer, staff, name):
    transfer = _open_transfer(name, customer)
    yield transfer
    review_transfer(transfer=transfer, approved=False, note="not the owner", actor=staff, channel=Channel.WEB)
    yield transfer


@pytest.fixture
def world(settings):
    Tld.objects.get_or_create(name="com", defaults={"registry_name": "Verisign"})
    settings.TRANSFERS_REVIEW_DOMAINS = [
        "reviewed-one.com",
        "reviewed-two.com",
        "refused-one.com",
        "refused-two.com",
    ]


def through_viewflow(*args, **kwargs):
    raise flowpass.NotHere("the comparison run")


@pytest.mark.parametrize(
    "life, names",
    [
        (straight, ("straight-one.com", "straight-two.com")),
        (reviewed, ("reviewed-one.com", "reviewed-two.com")),
        (refused, ("refused-one.com", "refused-two.com")),
    ],
)
def test_the_pass_leaves_the_rows_viewflow_leaves(world, monkeypatch, customer_a, domains_staff, life, names):
    staff = domains_staff[0]
    ours = [rows(case) for case in life(customer_a, staff, names[0])]
    with monkeypatch.context() as patched:
        patched.setattr(flowpass, "advance", through_viewflow)
        patched.setattr(flowpass, "start", through_viewflow)
        theirs = [rows(case) for case in life(customer_a, staff, names[1])]
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == b, f"after step {step}:\n{a}\n{b}"
    assert ours[-1][0][1:] == ("DONE", True)  # and the process did end


def test_a_step_moves_its_flow_in_four_statements(world, customer_a):
    transfer = _open_transfer("four.com", customer_a)
    token = token_of(transfer)
    with CaptureQueriesContext(connection) as step:
        confirm_transfer(token=token)
    flow_writes = [q["sql"] for q in step.captured_queries if "viewflow_" in q["sql"]]
    # the open tasks read with their process (the transfer's lock covers them), the finished
    # ones updated, the next one opened and linked to the one before it
    assert len(flow_writes) == 4, flow_writes
    assert "FOR UPDATE" not in flow_writes[0]
    assert Process.objects.get(pk=flowsync.process_of(transfer).pk).status == "NEW"
