"""Federated sign-in figures (issue 15): the whole sign-in of a returning researcher
through a real OpenID Connect provider process (tests/oidc_provider, Authlib's server, on
loopback): the portal's login POST, the provider's authorisation (approved at once), and
the portal's callback, which exchanges the code, verifies the ID token against the JWKS,
reads userinfo, verifies the passport's visa against the trust list and stores it. p95 in
ms, divided by the p95 of GET /healthz measured in the same loop (the floor).

Discovery documents and key sets are cached (OIDC_METADATA_CACHE_SECONDS), as in
production; the first sign-in, which makes the account and reads them, is reported apart.
Also: the sign-in page's p95 with three providers configured, and its query count.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, p95, queries_of, section

ROUNDS = 40


def _providers(issuer: str, client_id: str, secret: str) -> list[dict[str, Any]]:
    main = {
        "id": "testidp",
        "name": "Test Identity Provider",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": secret,
        "scopes": ["openid", "profile", "email", "ga4gh_passport_v1", "schac_home_organization"],
    }
    # Two more buttons on the sign-in page, never used for a sign-in here.
    others = [
        {**main, "id": "orcid", "name": "ORCID", "issuer": "https://orcid.org"},
        {**main, "id": "uni", "name": "University IdP", "issuer": "https://idp.uni.example"},
    ]
    return [main, *others]


def run(bench: Bench) -> Iterator[Figure]:
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from dac_portal.federation_settings import allauth_providers_setting, parse_providers
    from tests.oidc_provider.process import start_provider
    from tests.support.federation import CLIENT_ID, CLIENT_SECRET, sign_in_through_provider

    provider = start_provider(CLIENT_ID, CLIENT_SECRET)
    try:
        providers = parse_providers(
            json.dumps(_providers(provider.issuer, CLIENT_ID, CLIENT_SECRET)), debug=True
        )
        with override_settings(
            DEBUG=True,  # a loopback http provider is accepted only with DEBUG on
            OIDC_PROVIDERS=providers,
            SOCIALACCOUNT_PROVIDERS=allauth_providers_setting(providers),
            GA4GH_VISA_TRUSTED_ISSUERS={
                f"{provider.issuer}/visa-issuer": f"{provider.issuer}/visa-issuer/jwks.json"
            },
        ):
            cache.clear()
            sub = f"bench-{int(time.time())}"
            provider.set_user(
                sub,
                {"name": "Bench Researcher", "email": f"{sub}@uni.example", "email_verified": True},
            )
            provider.set_next_user(sub, auto_approve=True)
            with section("federated sign-in: first"):
                start = time.perf_counter()
                first = sign_in_through_provider(Client(HTTP_HOST="127.0.0.1"))
                first_ms = (time.perf_counter() - start) * 1000
            if first.status_code != 302:
                raise RuntimeError(f"the first sign-in answered {first.status_code}")
            timings: list[float] = []
            floor: list[float] = []
            for _ in range(ROUNDS):
                client = Client(HTTP_HOST="127.0.0.1")
                start = time.perf_counter()
                response = sign_in_through_provider(client)
                timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 302:
                    raise RuntimeError(f"a sign-in answered {response.status_code}")
                start = time.perf_counter()
                client.get("/healthz")
                floor.append((time.perf_counter() - start) * 1000)
            yield Figure(
                "federated sign-in of a returning researcher p95 (login POST, provider, "
                "callback: code exchange, ID token and visa verified, visas stored)",
                p95(timings),
                "ms",
                floor=p95(floor),
                higher_is_better=False,
                extra={
                    "first_sign_in_ms": round(first_ms, 1),
                    "median_ms": round(statistics.median(timings), 2),
                    "samples": len(timings),
                    "floor_is": "GET /healthz p95, same client and loop",
                },
            )

            visitor = Client()
            page: list[float] = []
            page_floor: list[float] = []
            for _ in range(ROUNDS):
                for path, into in (("/accounts/login/", page), ("/healthz", page_floor)):
                    start = time.perf_counter()
                    visitor.get(path)
                    into.append((time.perf_counter() - start) * 1000)
            queries = queries_of(lambda: visitor.get("/accounts/login/"))
            yield Figure(
                "GET /accounts/login/ p95 with three identity providers",
                p95(page),
                "ms",
                floor=p95(page_floor),
                higher_is_better=False,
                extra={"queries": queries, "samples": len(page)},
            )
    finally:
        provider.stop()
