"""Start the test OpenID Connect provider in a process of its own, and steer it.

``start_provider(client_id, client_secret)`` runs ``python -m tests.oidc_provider`` from the
project root, waits (20 s at most) for its ``READY <issuer>`` line and returns a
``RunningProvider``: its ``issuer`` (the base URL), helpers for the control API (see
server.py), and ``stop()``. A provider that does not come up fails loudly, with its stderr.

    provider = start_provider("portal", "secret")
    try:
        provider.set_user("alice", {"name": "Alice Example", "email": "alice@example.org"})
        provider.set_next_user("alice", auto_approve=True)
        provider.set_fault("wrong_aud")
        ...
    finally:
        provider.stop()
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
CONTROL_TIMEOUT = 10.0


class ProviderStartError(RuntimeError):
    """The provider process did not report READY in time."""


@dataclass
class RunningProvider:
    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen[str]
    stderr_file: IO[bytes]  # where the process's stderr goes (a pipe nobody read could fill)

    def set_user(
        self, sub: str, claims: dict[str, Any], userinfo: dict[str, Any] | None = None
    ) -> None:
        """Add or replace a user: ``claims`` go into the ID token and userinfo, ``userinfo``
        into userinfo only."""
        self._put(f"/_control/users/{sub}", {"claims": claims, "userinfo": userinfo or {}})

    def set_next_user(self, username: str | None, *, auto_approve: bool = False) -> None:
        """Pre-select who signs in; with ``auto_approve`` GET /authorize issues the code."""
        self._put("/_control/next", {"username": username, "auto_approve": auto_approve})

    def set_fault(self, name: str | None) -> None:
        """Arm one fault for the next token response (ID-token faults) or the next visa
        (visa faults); None disarms."""
        self._put("/_control/fault", {"fault": name})

    def set_acr(self, acr: str | None, amr: list[str] | None = None) -> None:
        """acr and amr for the following sign-ins; None leaves the claim out."""
        self._put("/_control/acr", {"acr": acr, "amr": amr})

    def set_visa(self, **fields: Any) -> None:
        """Change the ga4gh_visa_v1 fields (type, value, source, by, asserted) of the
        following visas; a field given as None goes back to its default."""
        self._put("/_control/visa", fields)

    def stderr(self) -> str:
        """What the process has written to stderr so far (werkzeug's request log)."""
        self.stderr_file.flush()
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode(errors="replace")

    def stop(self) -> None:
        """Terminate the process (killing it if it lingers) and close its streams."""
        _stop(self.process)
        self.stderr_file.close()

    def __enter__(self) -> RunningProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _put(self, path: str, body: dict[str, Any]) -> None:
        response = requests.put(f"{self.issuer}{path}", json=body, timeout=CONTROL_TIMEOUT)
        if response.status_code != 204:
            raise RuntimeError(
                f"PUT {path} answered {response.status_code}: {response.text.strip()}"
            )


def start_provider(client_id: str, client_secret: str) -> RunningProvider:
    """Launch the provider for one confidential client and wait until it listens."""
    stderr_file = tempfile.TemporaryFile()  # noqa: SIM115 - outlives this call; stop() closes it
    command = [sys.executable, "-m", "tests.oidc_provider", "--port", "0"]
    # "--option=value", so that a value starting with "-" is not taken for an option.
    command += [f"--client-id={client_id}", f"--client-secret={client_secret}"]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
    )
    line = _first_line(process, READY_TIMEOUT)
    if not line.startswith("READY "):
        _stop(process)
        stderr_file.seek(0)
        stderr = stderr_file.read().decode(errors="replace")
        stderr_file.close()
        raise ProviderStartError(
            f"The test OIDC provider did not report READY (waited up to {READY_TIMEOUT:.0f} s;"
            f" exit code {process.returncode}; first line {line!r}). Its stderr:\n{stderr}"
        )
    return RunningProvider(
        issuer=line.removeprefix("READY ").strip(),
        client_id=client_id,
        client_secret=client_secret,
        process=process,
        stderr_file=stderr_file,
    )


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first line of the process's stdout; "" if none comes within ``timeout`` or the
    process ends first."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
