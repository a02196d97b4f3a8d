"""Public reads from a read replica (dac_portal/db_routing.py, docs/scaling.md).

The "replica" alias of the test settings is a real second database, empty but for what a
test puts there, so a page showing a row that exists only there was read from it, and a
page that cannot find a row that exists only in the default database was not read from
that. The router and its middleware are installed here only, as DATABASE_REPLICA_URL would
install them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Committee
from audit.db_roles import apply_grants, owner_role
from dac_portal import db_routing
from tests.support import roles

ROOT = Path(__file__).resolve().parents[2]
BOTH = ["default", "replica"]
REPLICA_ONLY = {"slug": "replica-only", "name": "Committee Seen Only In The Replica"}
PUBLIC_PAGES = ["/register/", "/stats/", "/datasets/", "/diseases/?q=cancer"]


@pytest.fixture
def replica_rights(request: pytest.FixtureRequest) -> None:
    """A physical replica carries its primary's grants. This test database was made by the
    owner from the models, without the migrations that grant the portal's role its rights,
    so where the suite acts as that role (CI) it is given the same rights here (for the
    tests that use the replica database)."""
    marker = request.node.get_closest_marker("django_db")
    uses_replica = marker is not None and "replica" in (marker.kwargs.get("databases") or ())
    connection = connections["replica"]
    if not uses_replica or not roles.role() or connection.vendor != "postgresql":
        return
    with roles.as_owner(connection):
        apply_grants(connection, app_role=roles.role(), owner_role=owner_role())


@pytest.fixture
def routed(settings: Any, replica_rights: None) -> Iterator[None]:
    """The router and the middleware, as the settings install them with a replica."""
    settings.DATABASE_ROUTERS = ["dac_portal.db_routing.ReplicaRouter"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "dac_portal.db_routing.ReplicaReadMiddleware"]
    # Statistics computed from one database must not be served, from the cache, to a test
    # that looks at the other one.
    settings.TRANSPARENCY_STATS_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def replica_committee(routed: None) -> Committee:
    return Committee.objects.using("replica").create(**REPLICA_ONLY)


@pytest.fixture
def primary_committee(routed: None) -> Committee:
    """A committee of the demo data, which exists in the default database only."""
    committee = Committee.objects.using("default").order_by("slug").first()
    assert committee is not None
    assert not Committee.objects.using("replica").filter(slug=committee.slug).exists()
    return committee


class _Queries:
    """The SQL each database received while the block ran."""

    def __enter__(self) -> _Queries:
        self._contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in BOTH}
        for context in self._contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        for context in self._contexts.values():
            context.__exit__(*exc)

    def on(self, alias: str) -> list[str]:
        return [query["sql"] for query in self._contexts[alias].captured_queries]


# -- pages -------------------------------------------------------------------------------


@pytest.mark.django_db(databases=BOTH)
def test_a_visitor_sees_the_committee_page_of_the_replica(
    client: Any, replica_committee: Committee, primary_committee: Committee
) -> None:
    response = client.get(f"/committees/{replica_committee.slug}/")
    assert response.status_code == 200
    assert REPLICA_ONLY["name"] in response.content.decode()

    # Not read from the default database, where this committee exists and that one does not.
    assert client.get(f"/committees/{primary_committee.slug}/").status_code == 404


@pytest.mark.django_db(databases=BOTH)
def test_the_register_offers_the_committees_of_the_replica_and_not_those_of_the_primary(
    client: Any, replica_committee: Committee, primary_committee: Committee
) -> None:
    page = client.get("/register/").content.decode()
    assert REPLICA_ONLY["name"] in page
    assert primary_committee.name not in page


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_reads_the_replica_alone(client: Any, routed: None, url: str) -> None:
    with _Queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert queries.on("replica")
    assert queries.on("default") == []


@pytest.mark.django_db(databases=BOTH)
def test_a_head_request_of_a_public_page_reads_the_replica(client: Any, routed: None) -> None:
    with _Queries() as queries:
        assert client.head("/stats/").status_code == 200
    assert queries.on("replica")
    assert queries.on("default") == []


@pytest.mark.django_db(databases=BOTH)
def test_a_signed_in_person_reads_the_primary_even_on_a_public_page(
    client: Any,
    researcher1: Any,
    replica_committee: Committee,
    primary_committee: Committee,
) -> None:
    client.force_login(researcher1)
    with _Queries() as queries:
        assert client.get(f"/committees/{primary_committee.slug}/").status_code == 200
        assert client.get(f"/committees/{replica_committee.slug}/").status_code == 404
        assert client.get("/register/").status_code == 200
    assert queries.on("replica") == []


@pytest.mark.django_db(databases=BOTH)
def test_the_chairs_members_page_of_a_committee_reads_the_primary(
    client: Any, chair1: Any, primary_committee: Committee
) -> None:
    client.force_login(chair1)
    with _Queries() as queries:
        response = client.get(f"/committees/{primary_committee.slug}/members/")
        client.logout()
        anonymous = client.get(f"/committees/{primary_committee.slug}/members/")
    assert response.status_code == 200  # chair1 chairs the demo's first committee
    assert anonymous.status_code == 302  # to the sign-in page
    assert queries.on("replica") == []


@pytest.mark.django_db(databases=BOTH)
def test_a_sign_in_writes_and_then_reads_the_primary(
    client: Any, replica_committee: Committee
) -> None:
    with _Queries() as queries:
        signed_in = client.post("/accounts/login/", {"username": "researcher1", "password": "demo"})
        requests_page = client.get("/requests/")
    assert signed_in.status_code == 302
    assert requests_page.status_code == 200
    assert queries.on("replica") == []
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert Session.objects.using("default").filter(session_key=key).exists()
    assert not Session.objects.using("replica").exists()


@pytest.mark.django_db(databases=BOTH)
def test_a_visitors_session_is_read_from_the_primary_on_a_public_page(
    client: Any, routed: None
) -> None:
    session = client.session
    session["seen"] = True
    session.save()
    with _Queries() as queries:
        assert client.get("/register/").status_code == 200
    assert queries.on("replica")
    assert not any("django_session" in sql for sql in queries.on("replica"))
    assert any("django_session" in sql for sql in queries.on("default"))


@pytest.mark.django_db(databases=BOTH)
def test_a_post_to_a_public_page_reads_nothing_from_the_replica(client: Any, routed: None) -> None:
    with _Queries() as queries:
        assert client.post("/register/").status_code == 405
    assert queries.on("replica") == []


@pytest.mark.django_db(databases=BOTH)
def test_the_public_read_ends_with_its_request(client: Any, routed: None) -> None:
    assert client.get("/stats/").status_code == 200
    assert not db_routing.reading_replica()
    assert router.db_for_read(Committee) == "default"


# -- the router --------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_public_read_the_router_reads_the_primary(routed: None) -> None:
    assert router.db_for_read(Committee) == "default"


@pytest.mark.django_db
def test_a_public_read_reads_the_replica(routed: None) -> None:
    with db_routing.public_read():
        assert router.db_for_read(Committee) == "replica"


@pytest.mark.django_db
def test_a_public_read_without_a_replica_configured_reads_the_primary(
    routed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(django_settings.DATABASES, "replica")
    with db_routing.public_read():
        assert router.db_for_read(Committee) == "default"


@pytest.mark.django_db
def test_inside_an_atomic_block_a_public_read_reads_the_primary(routed: None) -> None:
    with db_routing.public_read():
        with transaction.atomic():
            assert router.db_for_read(Committee) == "default"
        assert router.db_for_read(Committee) == "replica"


@pytest.mark.django_db
def test_sessions_and_the_audit_log_are_never_read_from_the_replica(routed: None) -> None:
    from audit.models import AuditEvent

    with db_routing.public_read():
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(AuditEvent) == "default"


@pytest.mark.django_db(databases=BOTH)
def test_writes_go_to_the_primary_even_for_an_object_read_from_the_replica(
    replica_committee: Committee,
) -> None:
    assert replica_committee._state.db == "replica"
    with db_routing.public_read():
        assert router.db_for_write(Committee) == "default"
        assert router.db_for_write(Committee, instance=replica_committee) == "default"
    # Kept after its public read (a cached figure), it is followed on the primary.
    assert router.db_for_read(Committee, instance=replica_committee) == "default"


@pytest.mark.django_db
def test_only_the_primary_is_migrated(routed: None) -> None:
    assert router.allow_migrate("default", "accounts")
    assert not router.allow_migrate("replica", "accounts")
    assert router.allow_relation(Committee(), Committee())


# -- the settings ------------------------------------------------------------------------


def _settings_with(replica_url: str) -> str:
    """What base settings make of DATABASE_REPLICA_URL, read in a fresh interpreter."""
    script = (
        "from dac_portal.settings import base as s; "
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, s.MIDDLEWARE[-1], "
        "s.DATABASES.get('replica', {}).get('CONN_MAX_AGE'))"
    )
    env = {
        **os.environ,
        # Not the test settings, which would be imported too and add their own replica.
        "DJANGO_SETTINGS_MODULE": "dac_portal.settings.base",
        "DATABASE_REPLICA_URL": replica_url,
        "DATABASE_URL": "sqlite:///x",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_a_replica_url_the_settings_add_no_alias_router_or_middleware() -> None:
    assert _settings_with("") == "['default'] [] axes.middleware.AxesMiddleware None"


def test_a_replica_url_adds_the_alias_the_router_and_the_middleware_last() -> None:
    assert _settings_with("postgres://reader@replica-host:5432/portal") == (
        "['default', 'replica'] ['dac_portal.db_routing.ReplicaRouter'] "
        "dac_portal.db_routing.ReplicaReadMiddleware 60"
    )
