"""Fixtures shared by every test package: the embedded sample, loaded once per session.

Suite time (``python3 make.py test``, 2 cores, ``--dist loadfile``): the :data:`COSTLY`
modules run first; report
runs in tests pass ``keep_workers=True`` (one kept kernel per test process, reset between
notebooks); a test that only repeats fits of code other tests already cover (seeded
simulations of 60-200 runs) is marked ``no_cover`` (pytest-cov: it runs and asserts as any
other, its lines are not traced, which costs ~40% more CPU). For such a test the setup and
teardown are not traced either (:func:`pytest_runtest_setup`): a report built by a fixture runs
its loading and publishing in the test process, and those lines are covered by
``tests/report/test_report.py``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager

import coverage
import pandas as pd
import pytest

import analysis as cl
from analysis.paths import SAMPLE_DIR, SAMPLE_TZ


@pytest.fixture(scope="session")
def sample_cells() -> pd.DataFrame:
    """The embedded sample's cells (``data/sample``), read once; tests must not mutate it."""
    return cl.load(SAMPLE_DIR, tz=SAMPLE_TZ)


#: test modules that cost the most (measured with ``--durations``: report runs, simulations),
#: most costly first; run before the others so that ``pytest -n`` (``--dist loadfile``, in
#: collection order: make.py test) ends with short modules on both workers, not a long one
COSTLY = (
    "tests/report/test_shapes.py",
    "tests/analyses/test_weekly.py",
    "tests/sources/test_engines.py",
    "tests/analyses/test_selfcheck.py",
    "tests/report/test_browser.py",
    "tests/report/test_experiment_page.py",
    "tests/sources/test_sources_tiktok.py",
    "tests/test_notebooks.py",
    "tests/test_golden.py",
    "tests/sources/test_roundtrip.py",
    "tests/sample/test_simulate.py",
    "tests/report/test_report.py",
    "tests/report/test_privacy_pages.py",
    "tests/sources/test_hostile.py",
    "tests/sample/test_switchback_sim.py",
    "tests/stats/test_switchback.py",
    "tests/report/test_faults.py",
    "tests/report/test_reuse.py",
    "tests/report/test_cli_plan.py",
    "tests/report/test_cli_flags.py",
    "tests/analyses/test_intervention.py",
    "tests/analyses/test_hours.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the :data:`COSTLY` modules first, whole (module fixtures are built once), in that
    order, then the notebooks under nbval (``make.py test`` runs them in the same session: each
    is one unit of seconds, better early than at the end); every other test keeps its place
    after them."""
    rank = {m: i for i, m in enumerate(COSTLY)}

    def key(item: pytest.Item) -> int:
        module = item.nodeid.split("::")[0]
        return rank.get(module, len(COSTLY) + (not module.startswith("notebooks/")))

    items.sort(key=key)  # stable: the order inside each module is kept


@contextmanager
def _untraced(item: pytest.Item) -> Iterator[None]:
    """Coverage paused while a ``no_cover`` item sets up or tears down (pytest-cov pauses only
    its call); nothing changes when coverage is not running."""
    cov = coverage.Coverage.current() if item.get_closest_marker("no_cover") else None
    if cov is None:
        yield
        return
    cov.stop()
    try:
        yield
    finally:
        cov.start()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Set up a ``no_cover`` item untraced (its fixtures: report runs, simulated data)."""
    with _untraced(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    """Tear down a ``no_cover`` item untraced."""
    with _untraced(item):
        return (yield)
