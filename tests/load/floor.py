"""The floor the mixed load is compared with: the trivial token-authenticated DRF view
(/api/v1/ping/, as `make bench` measures it, tests/bench/figures_00_floors.py), requested
back to back with no think time, on the same server and through the same load generator.
Its requests per second are what this machine serves when a request does no work: the
mixed load's throughput is reported as a fraction of it (report.py)."""

from __future__ import annotations

from locust import FastHttpUser, constant, task

from tests.load.plan import PLAN


class PingUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def ping(self) -> None:
        token = PLAN["researchers"][0]["token"]
        self.client.get("/api/v1/ping/", headers={"Authorization": f"Bearer {token}"})
