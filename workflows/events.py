"""Every history event of the engine's own (the human tasks in the team queues), one named
function each; each kind of case has its events in its own ``events`` module."""

from __future__ import annotations

from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from .history import record_event
from .models import Channel, EventType, HistoryEvent


def task_event(task: Task, *, event_type: EventType, summary: str, actor=None, data=None) -> HistoryEvent:
    """A human task of a flow moved in its queue (claimed, released, handed on, warned, escalated)."""
    artifact = task.process.artifact if task.process.artifact_object_id else None
    return record_event(
        event_type=event_type,
        summary=summary,
        actor=actor,
        channel=Channel.WEB if actor is not None else Channel.SYSTEM,
        subject=artifact,
        domain_name=getattr(artifact, "domain_name", "") or "",
        data={
            "task": task.pk,
            "flow_task": get_task_ref(task.flow_task) if task.flow_task is not None else "",
            "process": task.process_id,
            **(data or {}),
        },
    )
