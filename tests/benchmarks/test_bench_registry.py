"""The registry benchmark runs end to end on a sandbox of its own and counts its logins."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.parametrize("registry", ["rfc", "nask"])
def test_the_registry_benchmark_compares_the_two_ways_and_counts_logins(registry):
    out = io.StringIO()
    call_command("bench_registry", count=6, rounds=2, threads=2, registry=registry, stdout=out)
    text = out.getvalue()
    assert "CPUs, Python 3." in text
    # the pool logs in at most once per session it holds (2 per round); one session per command, 12
    logins = text.splitlines()[-1]
    assert logins.startswith("logins for 12 commands: pool ") and logins.endswith("session per command 12")
    assert int(logins.split("pool ")[1].split(",")[0]) <= 4
    assert "as fast" in text
