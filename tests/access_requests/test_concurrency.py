"""Concurrent writers on PostgreSQL: references stay unique and gapless, and two
creations racing for the same dataset leave exactly one open request."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from access_requests import services
from access_requests.models import AccessRequest
from accounts.models import User
from dac_portal.errors import Conflict

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _run_in_threads(count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def target(index):
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as exc:  # collected for the assertions
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def _datasets(count):
    from accounts.models import Committee
    from consent.models import Dataset, Study

    committee = Committee.objects.get(slug="genomics-dac")
    study = Study.objects.create(accession="CONS000001", title="Race", committee=committee)
    return [
        Dataset.objects.create(
            accession=f"CONC{i:06d}", study=study, committee=committee, title=f"Race {i}"
        )
        for i in range(count)
    ]


def test_eight_concurrent_creations_take_eight_consecutive_references(seeded, require_postgres):
    datasets = _datasets(8)
    user = User.objects.get(username="researcher1")

    def create(index):
        return services.access_request_create(
            applicant=user, data={"datasets": [datasets[index].accession]}, actor=user
        ).reference

    references, errors = _run_in_threads(8, create)
    assert errors == []
    numbers = sorted(int(ref[-6:]) for ref in references)
    assert len(set(references)) == 8
    assert numbers == list(range(numbers[0], numbers[0] + 8))


def test_two_creations_racing_for_one_dataset_leave_one_open_request(seeded, require_postgres):
    (dataset,) = _datasets(1)
    user = User.objects.get(username="researcher1")

    def create(index):
        return services.access_request_create(
            applicant=user, data={"datasets": [dataset.accession]}, actor=user
        ).reference

    references, errors = _run_in_threads(2, create)
    assert len(references) == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert AccessRequest.objects.filter(requested_datasets__dataset=dataset).count() == 1
    assert connection.vendor == "postgresql"
