"""Least privilege (docs/adr/0008): the portal's database role owns nothing, so it can
neither switch the audit guard off nor get around it; migrations grant it exactly its
rights. The suite itself acts as that role when MIGRATION_DATABASE_URL is set (CI)."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction

from audit import db_roles
from audit.models import ChainHead
from audit.sql import SEAL_ARGUMENTS

pytestmark = pytest.mark.django_db


def _refused(sql: str, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_suite_acts_as_a_role_that_is_no_superuser_and_owns_nothing(
    db_app_role: str,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        current, superuser = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole "
            "AND relnamespace = current_schema()::regnamespace"
        )
        owned = cursor.fetchone()[0]
    assert current == db_app_role == settings.DATABASE_APP_ROLE
    assert not superuser
    assert owned == 0
    assert db_roles.problems(connection, app_role=current) == []


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "must be owner"),
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER USER", "must be owner"),
        ("ALTER TABLE audit_chainhead DISABLE TRIGGER audit_chainhead_guard", "must be owner"),
        ("DROP TRIGGER audit_chainhead_guard ON audit_chainhead", "must be owner"),
        ("DROP FUNCTION audit_refuse_change() CASCADE", "must be owner"),
        ("ALTER TABLE audit_auditevent DROP CONSTRAINT audit_event_sealed", "must be owner"),
        (f"DROP FUNCTION audit_event_seal_holds({SEAL_ARGUMENTS}) CASCADE", "must be owner"),
        (
            f"CREATE OR REPLACE FUNCTION audit_event_seal_holds({SEAL_ARGUMENTS}) "
            "RETURNS boolean LANGUAGE sql AS 'SELECT true'",
            "permission denied|must be owner",
        ),
        ("ALTER TABLE audit_auditevent DROP CONSTRAINT audit_event_linked", "must be owner"),
        ("ALTER TABLE audit_auditevent ALTER COLUMN pred_seq DROP EXPRESSION", "must be owner"),
        ("DROP INDEX audit_event_seq_hash", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("TRUNCATE audit_auditevent", "permission denied"),
        ("TRUNCATE audit_chainhead", "permission denied"),
        ("DELETE FROM audit_chainhead", "permission denied"),
        ("UPDATE audit_auditevent SET action = 'x.y'", "permission denied"),
        ("CREATE TABLE audit_shadow (id int)", "permission denied"),
    ],
)
def test_the_portal_role_cannot_lift_or_get_around_the_guard(
    db_app_role: str, sql: str, match: str
) -> None:
    _refused(sql, match)


def test_the_portal_role_is_no_member_of_the_owner(db_app_role: str) -> None:
    """Logged in as the portal's role, SET ROLE to the owner would need this membership.
    (The suite logs in as the owner and switches to the portal's role, so it cannot try
    SET ROLE itself: PostgreSQL checks that against the login role.)"""
    owner = connection.settings_dict["USER"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [owner])
        assert cursor.fetchone()[0] is False


def test_a_temporary_table_cannot_stand_in_for_the_events(require_postgres: None) -> None:
    """Any role may create temporary tables, which unqualified names find first: the
    head's trigger names the events table with its schema, so a forged 'event' in a
    temporary table does not let the head move onto it."""
    head = ChainHead.objects.get(pk=1)
    with (
        pytest.raises(DatabaseError, match="only moves forward"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("CREATE TEMPORARY TABLE audit_auditevent (seq bigint, hash text)")
        cursor.execute("INSERT INTO audit_auditevent VALUES (%s, 'forged')", [head.seq + 1])
        cursor.execute("UPDATE audit_chainhead SET seq = seq + 1, hash = 'forged'")
    assert ChainHead.objects.get(pk=1).seq == head.seq


def test_a_role_with_more_rights_is_reported(require_postgres: None) -> None:
    """The login role of the suite is the owner (CI) or a superuser (a developer's
    database): either could lift the guard, and --check says so."""
    login = connection.settings_dict["USER"]
    found = db_roles.problems(connection, app_role=login)
    assert found
    assert any("owns" in problem or "SUPERUSER" in problem for problem in found)


def test_the_grant_script_gives_the_audit_tables_no_more_than_appending() -> None:
    out = StringIO()
    call_command("setup_db_roles", "--app-role", "dac_app", "--owner-role", "dac_owner", stdout=out)
    script = out.getvalue()
    assert script.startswith("BEGIN;") and script.rstrip().endswith("COMMIT;")
    assert 'GRANT SELECT, INSERT ON "public".audit_auditevent TO "dac_app";' in script
    assert 'GRANT SELECT, UPDATE ON "public".audit_chainhead TO "dac_app";' in script
    assert (
        'ALTER DEFAULT PRIVILEGES FOR ROLE "dac_owner" IN SCHEMA "public" '
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "dac_app";'
    ) in script
    # The audit tables are narrowed after the schema-wide grant, never before it.
    assert script.index("ON ALL TABLES IN SCHEMA") < script.index("audit_auditevent")


def test_the_grant_script_refuses_odd_names_and_one_role_for_both() -> None:
    with pytest.raises(ValueError, match="plain identifier"):
        db_roles.grant_statements(app_role='x"; DROP', owner_role="o", database="d")
    with pytest.raises(CommandError, match="both"):
        call_command("setup_db_roles", "--app-role", "same", "--owner-role", "same")


def test_checking_needs_postgresql() -> None:
    # Asked of any other database, whichever this run uses (PostgreSQL checks for real in
    # the test above), so the refusal is tested on every run instead of skipped on one.
    wrapper = connections[DEFAULT_DB_ALIAS]
    with (
        mock.patch.object(wrapper, "vendor", "sqlite"),
        pytest.raises(CommandError, match="PostgreSQL"),
    ):
        call_command("setup_db_roles", "--app-role", "a", "--owner-role", "o", "--check")
