"""A task really travels through each broker to a real worker subprocess and back: Redis
(with the Redis result backend) and the embedded filesystem broker (with a filesystem
result backend), as `make run` uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery.backends.filesystem import FilesystemBackend
from celery.result import AsyncResult

from dac_portal.celery import app, ping
from tests.notifications.celery_harness import celery_conf, running_worker, unique_queue

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_a_task_goes_through_redis_to_a_real_worker_and_its_result_comes_back(
    require_redis: str, tmp_path: Path
) -> None:
    queue = unique_queue("ping")
    with (
        celery_conf(task_always_eager=False, broker_url=require_redis),
        running_worker(
            queue=queue,
            env={"REDIS_URL": require_redis, "DAC_TEST_RESULT_BACKEND": require_redis},
            log=tmp_path / "worker.log",
        ) as worker,
    ):
        result = ping.apply_async(queue=queue)
        assert result.get(timeout=30, disable_sync_subtasks=False) == "pong"
        assert result.successful()
    assert f"Task dac_portal.ping[{result.id}] succeeded" in worker.output()


def test_a_task_goes_through_the_embedded_filesystem_broker_to_a_real_worker(
    tmp_path: Path,
) -> None:
    var_dir = tmp_path / "var"
    broker_dir = var_dir / "celery-broker"
    for folder in ("out", "processed"):
        (broker_dir / folder).mkdir(parents=True)
    results = tmp_path / "results"
    results.mkdir()
    backend_url = f"file://{results}"
    queue = unique_queue("ping-fs")
    with (
        celery_conf(
            task_always_eager=False,
            broker_url="filesystem://",
            broker_transport_options={
                "data_folder_in": str(broker_dir / "out"),
                "data_folder_out": str(broker_dir / "out"),
                "processed_folder": str(broker_dir / "processed"),
                "control_folder": str(broker_dir / "control"),
                "store_processed": False,
            },
        ),
        running_worker(
            queue=queue,
            # No REDIS_URL: the settings choose the filesystem broker under VAR_DIR.
            env={"REDIS_URL": "", "VAR_DIR": str(var_dir), "DAC_TEST_RESULT_BACKEND": backend_url},
            log=tmp_path / "worker.log",
        ) as worker,
    ):
        sent = ping.apply_async(queue=queue)
        result = AsyncResult(sent.id, app=app, backend=FilesystemBackend(app=app, url=backend_url))
        assert result.get(timeout=30, interval=0.2, disable_sync_subtasks=False) == "pong"
    assert "filesystem" in worker.output()
    assert list((broker_dir / "out").iterdir()) == []  # consumed
