"""The seed alone fixes the numbers: chunk size, worker count and Dask change nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from jointfund.forecast import engine, run

PATHS = engine.BLOCK_PATHS * 2 + 300  # two full blocks and a partial one


@pytest.fixture(scope="module")
def plan(make_plan, base_text, terms_text):  # noqa: ANN001, ANN201
    return make_plan(base_text, terms_text, dt.date(2026, 1, 1), 12)


def report(plan, runner: engine.Runner, chunk_paths: int) -> dict:  # noqa: ANN001
    outcome = run.Outcome(plan, 42, run.forecast(plan, 42, PATHS, runner, chunk_paths), None, [], 0.0)
    doc = run.document(outcome, "t")
    doc.pop("seconds")
    return doc


@pytest.fixture(scope="module")
def serial(plan) -> dict:  # noqa: ANN001
    with engine.Runner() as runner:
        return report(plan, runner, engine.BLOCK_PATHS)


@pytest.mark.parametrize("chunk_paths", [1, engine.BLOCK_PATHS * 2, 10**6])
def test_chunk_size_does_not_change_results(plan, serial, chunk_paths):
    with engine.Runner() as runner:
        assert report(plan, runner, chunk_paths) == serial


def test_local_workers_do_not_change_results(plan, serial):
    with engine.Runner(workers=2) as runner:
        assert report(plan, runner, engine.BLOCK_PATHS) == serial


def test_a_dask_cluster_gives_the_same_results(plan, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        with engine.Runner(scheduler=cluster.scheduler_address) as runner:
            assert report(plan, runner, engine.BLOCK_PATHS) == serial


def test_fewer_paths_are_a_prefix_of_more(plan):
    a = engine.simulate(plan, 9, 0, 100).nav
    b = engine.simulate(plan, 9, 0, engine.BLOCK_PATHS).nav
    assert np.array_equal(a, b[:100])


def test_another_seed_gives_other_numbers(plan, serial):
    with engine.Runner() as runner:
        outcome = run.Outcome(plan, 43, run.forecast(plan, 43, PATHS, runner), None, [], 0.0)
    assert run.document(outcome, "t")["percentiles"] != serial["percentiles"]


def test_the_tornado_is_the_same_on_workers(plan):
    with engine.Runner() as one:
        serial_base, serial_bars = run.tornado(plan, 1, 500, one)
    with engine.Runner(workers=2) as two:
        base, bars = run.tornado(plan, 1, 500, two)
    assert (base, bars) == (serial_base, serial_bars)
    assert {b.input for b in bars} == set(plan.inputs)
    gas = next(b for b in bars if b.input == "price: natural_gas")
    assert gas.low < base < gas.high, "a higher gas price raises revenue and so NAV"
