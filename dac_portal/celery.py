"""The Celery application. Configuration comes from Django settings (CELERY_*)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dac_portal.settings.dev")

app = Celery("dac_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """The embedded (filesystem) broker needs its folders before the first message."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


if str(app.conf.broker_url).startswith("filesystem"):
    ensure_broker_folders()


@app.task(name="dac_portal.ping", ignore_result=False)
def ping() -> str:
    """A task with no side effects: proves a worker is consuming from the broker."""
    return "pong"
