"""Every CSV the audit exports is written by one helper, which keeps spreadsheet formulas out."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audit.exports import csv_lines, safe_cell
from workflows.history import record_event
from workflows.models import Channel, EventType


@pytest.mark.parametrize("text", ["=1+1", "+48 600", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_kept_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["kowalski.pl", "", "a=b", 5, -5, None])
def test_other_cells_are_left_as_they_are(value) -> None:
    assert safe_cell(value) == value


def test_lines_have_the_header_and_safe_cells() -> None:
    text = "".join(csv_lines(["a", "b"], [["=cmd()", "x"]], bom=False))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'=cmd()", "x"]]
    assert "".join(csv_lines(["a"], [])).startswith("\ufeff")


@pytest.mark.django_db
def test_the_history_export_neutralises_formulas(client_for, auditor) -> None:
    event = record_event(
        event_type=EventType.REGISTRY_POLL,
        summary='=HYPERLINK("http://example.invalid","x")',
        channel=Channel.SYSTEM,
        domain_name="kowalski.pl",
    )
    client = client_for(auditor)
    response = client.get(reverse("audit:history_export"), {"domain": "kowalski.pl"})
    history = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(history)))
    assert rows[1][0] == str(event.pk)
    assert rows[1][6] == '\'=HYPERLINK("http://example.invalid","x")'
    assert not any(cell.startswith("=") for row in rows for cell in row)
