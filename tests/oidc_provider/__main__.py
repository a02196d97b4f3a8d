"""Run the test OpenID Connect provider as a process of its own::

    python -m tests.oidc_provider --port 0 --client-id ID --client-secret SECRET

It binds the port first (``--port 0`` lets the kernel pick a free one), because the issuer
URL names the port; then prints exactly one line, ``READY http://127.0.0.1:<port>``, to
stdout and serves until it is terminated. Nothing else is written to stdout; werkzeug's
request log goes to stderr.
"""

from __future__ import annotations

import argparse
import socket

from werkzeug.serving import make_server

from tests.oidc_provider.server import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.oidc_provider",
        description="In-memory OpenID Connect provider for the portal's sign-in tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks one")
    parser.add_argument("--client-id", required=True, help="the one client's id")
    parser.add_argument("--client-secret", required=True, help="the one client's secret")
    args = parser.parse_args(argv)

    with socket.create_server((args.host, args.port)) as listener:
        port = listener.getsockname()[1]
        issuer = f"http://{args.host}:{port}"
        app = create_app(issuer, args.client_id, args.client_secret)
        # werkzeug serves on a duplicate of the bound, listening socket.
        server = make_server(args.host, port, app, threaded=True, fd=listener.fileno())

    print(f"READY {issuer}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
