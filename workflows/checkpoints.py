"""Signed checkpoints of the history's chain heads.

Each case's chain protects its own events, but a chain's newest events could be cut off by
someone who also rewinds the chain's head row. A checkpoint, written by a periodic round,
records the heads of the chains that moved since the checkpoint before it (chain, place,
hash, event id), is chained to that checkpoint by hash, and is signed with a key the
database does not hold (HMAC-SHA256, from HISTORY_CHECKPOINT_KEY or SECRET_KEY with a salt
used nowhere else), in the way Certificate Transparency publishes signed tree heads. Events
a checkpoint has recorded cannot then go missing, or change, without ``verify_history``
naming the checkpoint and the chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import GENESIS_HASH, HistoryChainHead, HistoryCheckpoint

_SALT = "regflow.history.checkpoint.v1"


def signature(checkpoint_hash: str) -> str:
    """The checkpoint's HMAC-SHA256: only a holder of the key can write a valid one."""
    key = getattr(settings, "HISTORY_CHECKPOINT_KEY", "") or settings.SECRET_KEY
    return salted_hmac(_SALT, checkpoint_hash, secret=key, algorithm="sha256").hexdigest()


# At most this many heads in one checkpoint (a freshly seeded log has hundreds of thousands
# of chains): the round writes as many checkpoints as it takes.
HEADS_PER_CHECKPOINT = 5000

_HEAD = HistoryChainHead._meta.db_table
# The heads that moved since the last checkpoint, marked as checkpointed in the same
# statement. On PostgreSQL a head locked by a writer that has not committed yet is skipped,
# so no writer waits for a checkpoint: that chain goes into the next one. (SQLite has one
# writer at a time.)
_MOVED = {
    "postgresql": (
        f"UPDATE {_HEAD} SET checkpointed_seq = seq WHERE id IN ("  # noqa: S608
        f"SELECT id FROM {_HEAD} WHERE seq > checkpointed_seq ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) "
        "RETURNING chain, seq, last_hash, last_event_id"
    ),
    "sqlite": (
        f"UPDATE {_HEAD} SET checkpointed_seq = seq WHERE id IN ("  # noqa: S608
        f"SELECT id FROM {_HEAD} WHERE seq > checkpointed_seq ORDER BY id LIMIT %s) "
        "RETURNING chain, seq, last_hash, last_event_id"
    ),
}


def checkpoint_all(limit: int = HEADS_PER_CHECKPOINT) -> list[HistoryCheckpoint]:
    """As many checkpoints as it takes to record every chain head that moved."""
    written = []
    while (checkpoint := write_checkpoint(limit)) is not None:
        written.append(checkpoint)
        if len(checkpoint.heads) < limit:
            break
    return written


def write_checkpoint(limit: int = HEADS_PER_CHECKPOINT) -> HistoryCheckpoint | None:
    """Record up to ``limit`` chain heads that moved since the last checkpoint, in a new
    signed checkpoint; None when no chain moved, or when another process wrote one at the
    same time (its checkpoint took these heads' place, and the next round takes the rest)."""
    alias = router.db_for_write(HistoryCheckpoint)
    connection = connections[alias]
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(_MOVED[connection.vendor], [limit])
            heads = sorted(list(row) for row in cursor.fetchall())
            if not heads:
                return None
            previous = (
                HistoryCheckpoint.objects.using(alias).order_by("-id").values_list("hash", flat=True).first()
            )
            checkpoint = HistoryCheckpoint(
                created_at=timezone.now(), heads=heads, prev_hash=previous or GENESIS_HASH
            )
            checkpoint.hash = checkpoint.compute_hash()
            checkpoint.signature = signature(checkpoint.hash)
            checkpoint.save(using=alias)
    except IntegrityError:
        # Two checkpoints on one predecessor: the unique prev_hash kept only the first.
        return None
    return checkpoint
