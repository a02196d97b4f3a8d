"""Prepare the load test's database and write the plan the Locust users read.

Run by bin/loadtest as `python -m tests.load.setup` with the server's settings and
database. Idempotent: the 1M bench requests, the demo data and the load-test people are
made once and reused; what each run needs fresh (tokens, sessions, no leftover open
requests) is made every time. The plan holds secrets (tokens, session keys), so it is
written readable by its owner only, under var/.
"""

from __future__ import annotations

import json
import os
import sys
import time
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLAN = Path(os.environ.get("LOADTEST_PLAN", str(ROOT / "var" / "loadtest" / "plan.json")))
REQUESTS = int(os.environ.get("LOADTEST_REQUESTS", "1000000"))
# One account per simulated researcher (a researcher may hold one open request per
# dataset, a database constraint): enough for every Locust user to be a researcher.
RESEARCHERS = int(os.environ.get("LOADTEST_RESEARCHERS", "100"))
DATASETS = 20
INSTITUTION = "Load Test University"
STUDY = "LTS000001"
# The demo committee's people who vote in the test (member3 sits at the demo's first
# institution, which none of the load-test applicants belong to: no conflict).
MEMBERS = ["member1", "member2", "member3"]
CHAIR = "chair1"
BENCH_SAMPLE = 2000
TOKEN_DAYS = 2


def say(message: str) -> None:
    print(f"[loadtest] {message}", file=sys.stderr, flush=True)


def prepare_database() -> None:
    """Schema, ontologies, demo data, then the bench's bulk-loaded requests (SQL, not the
    services: making 1M requests through the services would take hours)."""
    from django.core.management import call_command

    from tests.bench.figures_45_review import _ensure_requests

    call_command("migrate", "--noinput", verbosity=0)
    from accounts.models import Committee

    if not Committee.objects.filter(slug="genomics-dac").exists():
        say("importing ontologies and seeding the demo data (first run)")
        call_command("import_ontology", verbosity=0)
        call_command("seed_demo", "--allow-without-debug", verbosity=0)
    say(f"ensuring {REQUESTS} bench requests")
    _ensure_requests(REQUESTS)


def _people(institution: Any) -> tuple[list[Any], Any, Any]:
    """The load-test researchers (at their own institution, so no demo member has a
    conflict with them), their signing official and the data host's service account.
    Unusable passwords: they sign in through sessions made below, not the login form."""
    from accounts import services
    from accounts.models import PortalRoleAssignment, User

    def person(username: str, *, service: bool = False) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                username=username,
                email="" if service else f"{username}@loadtest.example.org",
                password=None,
                first_name="Load",
                last_name=username,
                institution=None if service else institution,
                is_service_account=service,
                actor=None,
            )
        return user

    def role(user: User, name: str, at: Any = None) -> None:
        if not PortalRoleAssignment.objects.filter(user=user, role=name).exists():
            services.portal_role_assign(user=user, role=name, institution=at, actor=None)

    researchers = []
    for index in range(RESEARCHERS):
        user = person(f"loadresearcher{index:03d}")
        role(user, "researcher")
        researchers.append(user)
    official = person("loadofficial1")
    role(official, "signing_official", institution)
    return researchers, official, person("loadhost1", service=True)


def _datasets() -> list[str]:
    """GRU datasets of the demo committee: a general-research purpose fits them, so every
    request the researchers submit passes the consent check."""
    from accounts.models import Committee, User
    from consent import services
    from consent.models import ConsentScope, Dataset, Study

    steward = User.objects.get(username="steward1")
    committee = Committee.objects.get(slug="genomics-dac")
    study = Study.objects.filter(accession=STUDY).first() or services.study_create(
        accession=STUDY, title="Load test cohort", committee=committee, actor=steward
    )
    accessions = [f"LTD{i:06d}" for i in range(1, DATASETS + 1)]
    for accession in accessions:
        dataset = Dataset.objects.filter(accession=accession).first()
        if dataset is None:
            dataset = services.dataset_create(
                accession=accession,
                study=study,
                title=f"Load test genomes {accession}",
                participant_count=100,
                data_types=["genotypes"],
                actor=steward,
            )
        if not ConsentScope.objects.filter(dataset=dataset).exists():
            services.consent_scope_create(
                dataset=dataset, data_use={"permission": "GRU"}, note="Load test.", actor=steward
            )
    return accessions


def _withdraw_leftovers(researchers: list[Any]) -> int:
    """Requests an earlier run left open (submitted, not yet decided when it stopped)
    would hold their datasets for their applicant; the applicant withdraws them, through
    the service, so that every run starts with all load-test datasets free."""
    from access_requests.models import AccessRequest
    from access_requests.services import access_request_withdraw
    from access_requests.workflow import OPEN_STATUSES

    leftovers = AccessRequest.objects.filter(
        applicant__in=researchers, status__in=[str(s) for s in OPEN_STATUSES]
    ).select_related("applicant")
    count = 0
    for access_request in leftovers:
        access_request_withdraw(
            access_request=access_request,
            actor=access_request.applicant,
            reason="Left open by an earlier load test run.",
        )
        count += 1
    return count


def _chair_device(chair: Any) -> Any:
    """Chairs must hold a confirmed second factor: without one their API tokens are
    refused (two_factor_required) and their pages send them to enrol."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=chair, name="loadtest", defaults={"confirmed": True}
    )
    return device


def _session(user: Any, device: Any = None) -> str:
    """A signed-in session, as the login form leaves it (and, for a chair, with the
    second factor verified), made here rather than by posting the form: each sign-in
    costs an Argon2 hash, and 100 of them at the start would measure the hash, not the
    pages the users then read."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.sessions import AUTHENTICATED_AT

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[AUTHENTICATED_AT] = int(time.time())
    if device is not None:
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return str(store.session_key)


def _credentials(user: Any, device: Any = None) -> dict[str, str]:
    return {"username": user.username, "token": _token(user), "session": _session(user, device)}


def _bench_references() -> list[str]:
    """A sample of the bench requests under review: what members vote on (changing their
    vote when they meet one again) and chairs read, spread over the whole table."""
    from access_requests.models import AccessRequest
    from tests.bench.figures_45_review import PREFIX

    return list(
        AccessRequest.objects.filter(reference__startswith=PREFIX, status="under_review")
        .order_by("?")
        .values_list("reference", flat=True)[:BENCH_SAMPLE]
    )


def _entitlement_queries() -> dict[str, list[str]]:
    """Whom and what a data host asks about: the holders and datasets of grants (active
    or not: a host also asks about people who hold nothing, and gets an empty list)."""
    from agreements.models import Grant

    grants = Grant.objects.select_related("holder", "dataset").order_by("-id")[:200]
    users = sorted({g.holder.username for g in grants} | {"researcher2", "loadresearcher000"})
    datasets = sorted({g.dataset.accession for g in grants} | {"DACD000001", "LTD000001"})
    return {"users": users, "datasets": datasets}


def build_plan() -> dict[str, Any]:
    from access_requests.models import AccessRequest
    from accounts.models import Institution, User

    institution = Institution.objects.filter(name=INSTITUTION).first()
    if institution is None:
        from accounts.services import institution_create

        institution = institution_create(
            actor=None, name=INSTITUTION, country="GB", type="academic", ror_id=""
        )
    researchers, official, host = _people(institution)
    datasets = _datasets()
    withdrawn = _withdraw_leftovers(researchers)
    if withdrawn:
        say(f"withdrew {withdrawn} requests an earlier run left open")
    chair = User.objects.get(username=CHAIR)
    device = _chair_device(chair)
    say(f"tokens and sessions for {len(researchers)} researchers and the committee")
    return {
        "researchers": [_credentials(user) for user in researchers],
        "official": _credentials(official),
        "members": [_credentials(User.objects.get(username=name)) for name in MEMBERS],
        "chair": _credentials(chair, device),
        "data_host": {"username": host.username, "token": _token(host)},
        "datasets": datasets,
        "bench_under_review": _bench_references(),
        "requests_in_database": AccessRequest.objects.count(),
        "entitlements": _entitlement_queries(),
    }


def _token(user: Any) -> str:
    from accounts.services import api_token_create

    return api_token_create(user=user, name="loadtest", days=TOKEN_DAYS, actor=user)[1]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    prepare_database()
    plan = build_plan()
    PLAN.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only from the first byte: the plan holds live tokens and session keys.
    descriptor = os.open(PLAN, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(plan, handle)
    say(f"plan written to {PLAN} ({plan['requests_in_database']} requests in the database)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
