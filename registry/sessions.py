"""The EPP session pools of this process, one per registry configuration, and the session
slots in the database that cap how many sessions a registrar holds across all workers.

Settings (``settings.REGISTRY``): ``POOL_SIZE`` sessions per process (2), ``MAX_SESSIONS``
per registrar across every process and machine (4), ``KEEPALIVE`` seconds of idleness
before a ``<hello>`` (60; below the registry's idle timeout), ``SESSION_WAIT`` seconds a
command waits for a free session (20). A slot whose heartbeat is older than three
``KEEPALIVE`` periods belongs to a worker that died and is taken over.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import logging
import os
import socket
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import IntegrityError, connections, transaction
from django.dispatch import receiver
from django.utils import timezone

from . import profiles
from .epp.pool import Renewal, SessionPool
from .models import RegistrySessionSlot
from .profiles import RegistryProfile

logger = logging.getLogger(__name__)

STALE_AFTER_KEEPALIVES = 3

_pools: dict[str, SessionPool] = {}
_lock = threading.Lock()
_holder_numbers = itertools.count(1)


def pool_settings(config: Mapping[str, Any]) -> dict[str, float]:
    return {
        "max_size": int(config.get("POOL_SIZE", 2)),
        "max_sessions": int(config.get("MAX_SESSIONS", 4)),
        "keepalive": float(config.get("KEEPALIVE", 60)),
        "wait_timeout": float(config.get("SESSION_WAIT", 20)),
    }


def _key(config: Mapping[str, Any]) -> str:
    # Every value counts (a new password, another port, another pool size); a digest keeps
    # the password out of the key.
    text = repr(sorted((str(k), repr(v)) for k, v in config.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def pool_for(config: Mapping[str, Any] | None = None, profile: RegistryProfile | None = None) -> SessionPool:
    """This process's pool for ``settings.REGISTRY`` or the mapping given, in the profile's
    dialect (the RFC one unless said)."""
    from .gateway import client_from_settings

    profile = profile or profiles.RFC
    config = dict(config if config is not None else settings.REGISTRY)
    key = f"{profile.key}:{_key(config)}"
    with _lock:
        pool = _pools.get(key)
        if pool is None:
            options = pool_settings(config)
            client_id = config["CLIENT_ID"]
            stale_after = timedelta(seconds=options["keepalive"] * STALE_AFTER_KEEPALIVES)
            max_sessions = int(options["max_sessions"])
            if config.get("TRANSPORT") == "https":
                where = config.get("URL")
            else:
                where = f"{config.get('HOST')}:{config.get('PORT')}"
            pool = SessionPool(
                lambda: client_from_settings(config, profile),
                name=f"{client_id}@{where}",
                max_size=int(options["max_size"]),
                keepalive=options["keepalive"],
                wait_timeout=options["wait_timeout"],
                slot_claimer=lambda: claim_slot(client_id, max_sessions, stale_after),
                keepalive_done=connections.close_all,
            )
            _pools[key] = pool
        return pool


def close_pools() -> None:
    """Log out every pooled session of this process and give back its slot."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


@receiver(setting_changed)
def _registry_changed(setting: str, **kwargs: Any) -> None:
    if setting in ("REGISTRY", "REGISTRY_NASK"):
        close_pools()


atexit.register(close_pools)


# ---------------------------------------------------------------------------- slots


class DatabaseSlot:
    """A slot row held by this process; renewed and given back in short transactions of
    their own."""

    def __init__(self, client_id: str, slot: int, holder: str) -> None:
        self.client_id, self.slot, self.holder = client_id, slot, holder

    def __repr__(self) -> str:
        return f"<DatabaseSlot {self.client_id} #{self.slot} {self.holder}>"

    def _row(self):
        return RegistrySessionSlot.objects.filter(
            registrar_client_id=self.client_id, slot=self.slot, holder=self.holder
        )

    def renew(self) -> Renewal:
        with transaction.atomic():
            if not self._row().update(heartbeat_at=timezone.now()):
                return Renewal.LOST
            wanted = self._row().filter(wanted_at__isnull=False).exists()
        return Renewal.WANTED if wanted else Renewal.HELD

    def release(self) -> None:
        with transaction.atomic():
            if self._row().delete()[0]:
                # whoever waited can take this slot now: the other holders need not give up theirs
                RegistrySessionSlot.objects.filter(registrar_client_id=self.client_id).update(wanted_at=None)


def claim_slot(client_id: str, max_sessions: int, stale_after: timedelta) -> DatabaseSlot | None:
    """A free slot of ``client_id``'s (or a stale one, taken over), or None when all are held;
    then the holders are asked to give back an idle one."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{next(_holder_numbers)}"
    now = timezone.now()
    with transaction.atomic(durable=True):
        held = dict(
            RegistrySessionSlot.objects.filter(registrar_client_id=client_id).values_list(
                "slot", "heartbeat_at"
            )
        )
    for number in range(max_sessions):
        heartbeat = held.get(number)
        if heartbeat is None:
            try:
                with transaction.atomic(durable=True):
                    RegistrySessionSlot.objects.create(
                        registrar_client_id=client_id,
                        slot=number,
                        holder=holder,
                        claimed_at=now,
                        heartbeat_at=now,
                    )
            except IntegrityError:
                continue  # another worker was quicker
            return DatabaseSlot(client_id, number, holder)
        if heartbeat < now - stale_after:
            with transaction.atomic(durable=True):
                taken = RegistrySessionSlot.objects.filter(
                    registrar_client_id=client_id, slot=number, heartbeat_at=heartbeat
                ).update(holder=holder, claimed_at=now, heartbeat_at=now, wanted_at=None)
            if taken:
                logger.warning(
                    "EPP session slot %s #%d was stale (last renewed %s): taken over",
                    client_id,
                    number,
                    heartbeat,
                )
                return DatabaseSlot(client_id, number, holder)
    with transaction.atomic(durable=True):
        RegistrySessionSlot.objects.filter(registrar_client_id=client_id).update(wanted_at=now)
    return None
