"""The Celery task of the webhook outbox: one attempt at each delivery it is given. A
failure is not retried here; the row keeps its backoff and the flush job (every minute)
takes it when due, so a lost task loses nothing."""

from __future__ import annotations

from celery import shared_task

from data_hosts.services import delivery_attempt


@shared_task(
    name="data_hosts.deliver", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def deliver(delivery_ids: list[int]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        outcome = delivery_attempt(delivery_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
