"""What other apps hear of a transfer, inside the transaction of the step that did it."""

from __future__ import annotations

from django.dispatch import Signal

# A transfer completed at the registry: ``transfer`` and ``domain`` (ours or not any more).
# Sent in the completing step's transaction, so what its receivers change commits with it.
transfer_completed = Signal()
