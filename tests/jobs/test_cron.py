"""Cron alone drives a small deployment: `manage.py run_jobs` in a fresh process, on SQLite
with the embedded broker and no worker, delivers what web requests and jobs queued, and a
second run (at the same or a later time) sends nothing twice — across every job the apps
have registered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)

pytestmark = pytest.mark.slow


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def _mails(folder: Path) -> int:
    # The file backend appends several messages to one file within the same second.
    if not folder.exists():
        return 0
    return sum(p.read_text(errors="replace").count("\nMessage-ID: ") for p in folder.iterdir())


def test_cron_runs_of_run_jobs_deliver_everything_once_without_a_worker(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))},
        "DJANGO_SETTINGS_MODULE": "dac_portal.settings.dev",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "REDIS_URL": "",
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "LOG_LEVEL": "WARNING",
        # The year of past requests behind the statistics adds nothing a job sends, and
        # seeding it is most of seed_demo's time.
        "DEMO_HISTORY": "false",
    }
    for step in (("migrate", "--noinput", "-v0"), ("seed_demo",)):
        done = _manage(env, *step)
        assert done.returncode == 0, done.stderr[-3000:]

    # The demo's requests queued e-mails; with no worker they wait in the outbox.
    dry = _manage(env, "run_jobs", "--dry-run")
    assert dry.returncode == 0, dry.stderr[-3000:]
    flush = next(line for line in _lines(dry) if line.get("job") == "notifications.flush_outbox")
    # What the first run adds before it delivers: the demo's ethics approval that lapses
    # within the month is due its 30-day reminder.
    ethics = next(
        line for line in _lines(dry) if line.get("job") == "access_requests.remind_ethics_expiry"
    )
    pending = flush["result"]["due"] + len(ethics["result"]["due"])
    assert pending > 0
    assert _mails(mail_dir) == 0

    first = _manage(env, "run_jobs")
    assert first.returncode == 0, first.stderr[-3000:]
    assert _lines(first)[-1]["failed"] == []
    assert _mails(mail_dir) == pending

    again = _manage(env, "run_jobs")
    assert again.returncode == 0, again.stderr[-3000:]
    assert _mails(mail_dir) == pending

    # Far in the future every grant has ended and every reminder fell due: the first run
    # sends what is due, the second run at the same time sends nothing more.
    later = _manage(env, "run_jobs", "--at", "2031-06-01T09:00:00Z")
    assert later.returncode == 0, later.stderr[-3000:]
    after_later = _mails(mail_dir)
    repeat = _manage(env, "run_jobs", "--at", "2031-06-01T09:00:00Z")
    assert repeat.returncode == 0, repeat.stderr[-3000:]
    assert _mails(mail_dir) == after_later
    assert _lines(repeat)[-2]["result"]["sent"] == 0  # the delivery step found nothing
