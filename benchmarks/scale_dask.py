"""The backfill-reprocessing half of the scale benchmark: one flow, two task runners.

Kept apart from ``scale.py`` so Dask's worker processes import these tasks by module name
(``scale_dask``) instead of receiving pickled copies of a script's ``__main__``. Each worker
process opens the history once and keeps it. Run through ``benchmarks/scale.py``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any, cast

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect_dask.task_runners import DaskTaskRunner

from models import History, open_history
from pipeline.stages import compare_version


@functools.cache
def _history(url: str) -> History:
    # One engine per worker process: opening one per task would dominate short tasks.
    return open_history(url)


@task(name="compare", task_run_name="compare version {version_id}", cache_policy=NO_CACHE)
def compare_task(url: str, version_id: int, lexical: bool) -> int:
    """Compare one stored version with its neighbours; returns how many comparisons it made."""
    return sum(1 for o in compare_version(_history(url), version_id, lexical=lexical) if o.created)


@task(name="noop", cache_policy=NO_CACHE)
def noop_task() -> int:
    """Do nothing (measures what a task round trip costs)."""
    return 0


def _reprocess(url: str, version_ids: Sequence[int], lexical: bool) -> int:
    futures = [compare_task.submit(url, v, lexical) for v in version_ids]
    return sum(f.result() for f in futures)


@flow(name="startup", task_runner=ThreadPoolTaskRunner())  # type: ignore[arg-type]
def startup_flow() -> int:
    """A flow with one empty task: the cost of starting Prefect and its runner."""
    return int(noop_task.submit().result())


@flow(name="reprocess-default")
def reprocess_default(url: str, version_ids: list[int], lexical: bool) -> int:
    """Re-compare stored versions with Prefect's default (thread pool) task runner."""
    return _reprocess(url, version_ids, lexical)


def dask_runner(workers: int) -> TaskRunner[Any]:
    """A DaskTaskRunner on a LocalCluster of ``workers`` single-threaded processes."""
    # Flow.with_options is typed for runners of plain PrefectFutures; Dask's futures are
    # a subclass, which the invariant generic does not admit.
    return cast(
        "TaskRunner[Any]",
        DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": ":0",
            },
        ),
    )


def timed(run: Any, *args: Any) -> tuple[float, Any]:
    """Call ``run(*args)`` and return its wall time in seconds and its result."""
    start = time.perf_counter()
    result = run(*args)
    return time.perf_counter() - start, result


def run_backfill(
    default_url: str, dask_url: str, version_ids: list[int], lexical: bool, workers: int
) -> dict[str, tuple[float, int]]:
    """Time the startup, the default runner and the Dask runner; returns label → (s, made)."""
    figures: dict[str, tuple[float, int]] = {}
    seconds, made = timed(startup_flow)
    figures["prefect startup (first flow, one empty task)"] = (seconds, made)
    seconds, made = timed(startup_flow)
    figures["prefect flow overhead (second empty flow)"] = (seconds, made)
    empty_dask = startup_flow.with_options(task_runner=dask_runner(workers))
    seconds, made = timed(empty_dask)
    figures[f"LocalCluster startup ({workers} workers, one empty task)"] = (seconds, made)
    seconds, made = timed(reprocess_default, default_url, version_ids, lexical)
    figures["default task runner (threads)"] = (seconds, made)
    on_dask = reprocess_default.with_options(
        name="reprocess-dask", task_runner=dask_runner(workers)
    )
    seconds, made = timed(on_dask, dask_url, version_ids, lexical)
    figures[f"DaskTaskRunner, LocalCluster {workers} processes"] = (seconds, made)
    return figures
