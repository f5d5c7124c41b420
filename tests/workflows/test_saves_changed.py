"""A case saved whole writes the columns that changed since it was read, and nothing is lost
on the way: a list changed in place, a field set back to what it was, a row read in part."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.management.commands.bench_transitions import _open_transfer
from registry.models import Tld
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(customer_a):
    Tld.objects.get_or_create(name="com", defaults={"registry_name": "Verisign"})
    return Transfer.objects.get(pk=_open_transfer("columns.com", customer_a).pk)


def update_of(captured) -> str:
    [update] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    return update


def test_only_the_changed_columns_are_written(transfer):
    transfer.registry_error = "registry down"
    with CaptureQueriesContext(connection) as saving:
        transfer.save()
    update = update_of(saving)
    assert '"registry_error"' in update and '"domain_name"' not in update
    assert Transfer.objects.get(pk=transfer.pk).registry_error == "registry down"


def test_a_list_changed_in_place_is_written(transfer):
    transfer.review_reasons.append("high_value_domain")
    transfer.save()
    assert Transfer.objects.get(pk=transfer.pk).review_reasons == ["high_value_domain"]
    # and what was saved is the new point of comparison
    transfer.review_reasons.append("registrant_email_from_customer")
    transfer.save()
    assert Transfer.objects.get(pk=transfer.pk).review_reasons == [
        "high_value_domain",
        "registrant_email_from_customer",
    ]


def test_a_row_read_in_part_or_unchanged_is_saved_whole(transfer):
    partial = Transfer.objects.only("pk", "state", "registry_error").get(pk=transfer.pk)
    partial.registry_error = "x"
    with CaptureQueriesContext(connection) as saving:
        partial.save()
    # Django writes back every field it read, as it always does for a row read in part
    assert '"state"' in update_of(saving) and '"registry_error"' in update_of(saving)
    assert Transfer.objects.get(pk=transfer.pk).registry_error == "x"

    unchanged = Transfer.objects.get(pk=transfer.pk)
    with CaptureQueriesContext(connection) as saving:
        unchanged.save()
    assert '"domain_name"' in update_of(saving)
