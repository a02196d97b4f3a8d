"""`make bench`: prints one JSON object per line, each a figure with its floor and ratio.

Database: MIGRATION_DATABASE_URL, else DATABASE_URL, when set; otherwise PostgreSQL on
127.0.0.1:5432 (database `dac_bench`, created when missing) when it answers; otherwise
SQLite (figures then say "database": "sqlite" and are not comparable with the targets of
docs/quality.md). The bench creates scratch tables and bulk-loads with COPY, so it runs as the
tables' owner (or a superuser), never as the portal's role (docs/adr/0008).
Figure modules are tests/bench/figures_*.py, run in name order; each has run(bench).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def choose_database() -> str:
    if os.environ.get("MIGRATION_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["MIGRATION_DATABASE_URL"]
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    try:
        import psycopg2

        conn = psycopg2.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2
        )
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'dac_bench'")
            if cursor.fetchone() is None:
                cursor.execute("CREATE DATABASE dac_bench")
        conn.close()
        url = "postgres://postgres@127.0.0.1:5432/dac_bench"
    except Exception:
        url = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    return url


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    database = choose_database()
    os.environ["DJANGO_SETTINGS_MODULE"] = "dac_portal.settings.bench"
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    import django

    django.setup()
    from django.core.management import call_command

    from tests.bench import harness

    with harness.section("migrate and seed"):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--allow-without-debug", verbosity=0)

    import tests.bench as package

    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    bench = harness.Bench(database="postgresql" if database.startswith("postgres") else "sqlite")
    failures = 0
    try:
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not info.name.startswith("figures_"):
                continue
            if only and info.name not in only and not info.name.startswith("figures_00"):
                continue
            module = importlib.import_module(f"tests.bench.{info.name}")
            with harness.section(info.name):
                try:
                    for figure in module.run(bench):
                        figure.extra.setdefault("database", bench.database)
                        print(figure.as_json(), flush=True)
                except Exception as exc:
                    failures += 1
                    harness.stderr(f"[bench] {info.name} failed: {type(exc).__name__}: {exc}")
    finally:
        bench.close()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
