"""Shared fixtures and the hypothesis profile for the whole suite.

The shared examples live next to the repository (``../shared/examples``), here and in CI.
Tests that take a ``shared_example`` or ``bad_example`` argument are run once per file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

SHARED_EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"
"""The example flows every engineer's code is checked against (``*.xml`` lint clean)."""

settings.register_profile(
    "default",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("quick", parent=settings.get_profile("default"), max_examples=30)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def good_example_files() -> list[Path]:
    """Every valid shared example (they must parse and lint without errors)."""
    return sorted(SHARED_EXAMPLES.glob("*.xml"))


def bad_example_files() -> list[Path]:
    """Every shared bad example (its header comment names the line and the mistake)."""
    return sorted((SHARED_EXAMPLES / "bad").glob("*.xml"))


@pytest.fixture
def shared_examples() -> Path:
    """The directory of shared example flows."""
    return SHARED_EXAMPLES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``shared_example`` / ``bad_example`` arguments over the example files."""
    for name, files in (("shared_example", good_example_files), ("bad_example", bad_example_files)):
        if name in metafunc.fixturenames:
            found = files()
            if not found:  # a missing checkout must fail loudly, not pass vacuously
                raise pytest.UsageError(f"no example files found under {SHARED_EXAMPLES}")
            metafunc.parametrize(name, found, ids=[p.name for p in found])


@pytest.fixture(autouse=True, scope="session")
def _lint_cache_of_this_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`callflow lint` run by the tests caches in a folder of this test run, not in the
    checkout (tests of the cache itself name their own folder)."""
    folder = tmp_path_factory.mktemp("lint-cache")
    folder.chmod(0o777)  # some tests lint as another user
    os.environ["CALLFLOW_CACHE_DIR"] = str(folder)
