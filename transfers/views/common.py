"""Who may read and decide on a transfer request, finding it for them, and carrying out
what they ask of it."""

from __future__ import annotations

from accounts.models import User
from workflows.roles import Role, Team

from .. import selectors
from ..models import Transfer

# Everyone who may look at a request: its customer, and the back office and auditors.
READERS = (Role.CUSTOMER, Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
# Supervisors and auditors read; deciding on a request is the domains team's work.
DECIDERS = (Role.STAFF,)


def _transfer_or_404(user: User, pk: int) -> Transfer:
    # Another customer's request is "not found", not "forbidden": we do not confirm it exists.
    return selectors.transfer_for_user(user, pk)


def _may_decide(user: User) -> bool:
    return user.role in DECIDERS and user.team == Team.DOMAINS
