"""The page tests' ways of making cases, the real way, shared here as fixtures."""

from tests.audit.conftest import (  # noqa: F401
    audit_world,
    cesja_in_verification,
    joined_cesja,
    our_domain,
    start_cesja,
    start_transfer,
)
