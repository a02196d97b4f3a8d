"""Start, stop and read the webhook receiver process (tests/webhook_receiver)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.oidc_provider.process import READY_TIMEOUT, _first_line, _stop

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Receiver:
    secret: str
    log: Path
    port: int = 0
    process: subprocess.Popen[str] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        command = [sys.executable, "-m", "tests.webhook_receiver", f"--port={self.port}"]
        command += [f"--secret={self.secret}", f"--log={self.log}"]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = _first_line(self.process, READY_TIMEOUT)
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"the webhook receiver did not start (said {line!r})")
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None

    def die_on_next_delivery(self) -> None:
        response = requests.put(
            f"http://127.0.0.1:{self.port}/_mode", json={"die": True}, timeout=5
        )
        assert response.status_code == 204

    def seen(self) -> dict[str, Any]:
        return dict(requests.get(f"http://127.0.0.1:{self.port}/_seen", timeout=5).json())
