"""The Celery application. Without CELERY_BROKER_URL every task runs eagerly in-process.

Celery beat's schedule is not written by hand: it is generated from the periodic rounds the
apps register (workflows.rounds) once the app is finalized, which ``celery beat`` does after
loading Django and the task modules, before it reads the schedule."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("regflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_periodic_rounds(sender: Celery, **kwargs) -> None:
    from workflows.rounds import beat_schedule

    for name, entry in beat_schedule().items():
        sender.add_periodic_task(entry["schedule"], sender.signature(entry["task"]), name=name)
