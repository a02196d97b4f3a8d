"""A webhook receiver a data host could write with Python's standard library alone: it
checks each delivery's Standard Webhooks signature and timestamp, and counts message ids
(distinct and repeated) in a JSON-lines file that outlives the process, so a test can stop
it, start it again on the same port, and still count.

    python -m tests.webhook_receiver --port 0 --secret whsec_… --log FILE [--die-on-next]

Prints `READY http://127.0.0.1:<port>` once listening. `PUT /_mode` with `{"die": true}`
makes the process exit in the middle of the next delivery, before answering (a host that
crashed mid-request). `GET /_seen` answers what the log holds.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TOLERANCE_SECONDS = 300


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The check docs/data-hosts.md shows: HMAC-SHA256 of `id.timestamp.body` with the
    base64-decoded secret, compared in constant time with each `v1,` signature."""
    msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not msg_id or not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    return any(
        hmac.compare_digest(f"v1,{expected}", candidate)
        for candidate in headers.get("webhook-signature", "").split()
    )


def make_handler(secret: str, log: Path, state: dict[str, bool]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(format % args + "\n")

        def _answer(self, status: int, body: dict[str, object] | None = None) -> None:
            data = json.dumps(body or {}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path != "/_seen":
                self._answer(404)
                return
            records = [json.loads(line) for line in log.read_text().splitlines() if line]
            ids = [r["id"] for r in records]
            self._answer(
                200,
                {
                    "records": records,
                    "distinct": len(set(ids)),
                    "duplicates": len(ids) - len(set(ids)),
                },
            )

        def do_PUT(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            state["die"] = bool(json.loads(self.rfile.read(length) or b"{}").get("die"))
            self._answer(204)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            if state.get("die"):
                os._exit(3)  # a host that crashed in the middle of the request
            headers = {k.lower(): v for k, v in self.headers.items()}
            if not verify(secret, headers, body):
                self._answer(401, {"error": "bad signature"})
                return
            event = json.loads(body)
            with log.open("a") as handle:
                handle.write(
                    json.dumps(
                        {"id": headers["webhook-id"], "type": event["type"], "data": event["data"]}
                    )
                    + "\n"
                )
            self._answer(204)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    log = Path(args.log)
    log.touch()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.secret, log, {}))
    print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
