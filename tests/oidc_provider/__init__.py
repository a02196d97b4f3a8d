"""A small but real OpenID Connect provider for the portal's sign-in tests.

It is built on Authlib's server side and runs as its own process (``python -m
tests.oidc_provider``), so the portal talks to it over HTTP exactly as it talks to a real
identity provider or AAI proxy: discovery, the authorization-code flow with PKCE (S256) and
a nonce, an RS256 ID token, userinfo with a GA4GH passport visa signed by a separate visa
issuer. Everything is kept in memory and the signing keys are generated at start.

- server.py: the Flask app (``create_app``), with a control API under ``/_control/`` for
  tests to add users, pre-select who signs in, set acr/amr and the visa fields, and arm one
  fault for the next token or userinfo response.
- __main__.py: the command line; prints ``READY http://127.0.0.1:<port>`` once listening.
- process.py: ``start_provider`` launches that process for a test and returns a
  ``RunningProvider`` with helpers for the control API.
"""
