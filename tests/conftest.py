"""Fixtures shared by the whole suite. Each area keeps its own fixtures in a plugin module
under tests/fixtures/ and lists it here."""

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.people",
    "tests.fixtures.worker",
    "tests.fixtures.transfers",
    "tests.fixtures.assignments",
    "tests.fixtures.history",
    "tests.fixtures.browser",
    "tests.fixtures.faults",
]
