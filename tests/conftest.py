"""Shared fixtures and the hypothesis profile for the whole suite.

Everything the suite needs is in the repository: the project's acceptance corpus
(tests/data/corpus, see tests/corpus.py) and the bundled examples. The shared examples
(``../shared/examples``, beside the checkout in the team's CI) are an *extra* acceptance layer:
where that folder is absent, the tests that read it are skipped with a reason that says so.

Parametrized arguments, one test per file:

- ``example_flow``: every valid flow, the corpus's, the bundled examples and the shared ones;
- ``broken_document``: every broken document of the corpus (a ``corpus.Broken``);
- ``shared_example`` / ``bad_example``: the shared valid / bad examples only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from corpus import broken_documents, bundled_examples, valid_files
from hypothesis import HealthCheck, settings

SHARED_EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"
"""The team's shared example flows, when they sit beside the checkout (an extra layer)."""

SHARED_ABSENT = (
    f"the shared examples are not beside this checkout ({SHARED_EXAMPLES} does not exist): "
    "this extra acceptance layer is skipped; the project's own corpus (tests/data/corpus) runs"
)

settings.register_profile(
    "default",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("quick", parent=settings.get_profile("default"), max_examples=30)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def shared_present() -> bool:
    """Whether the shared examples sit beside the checkout."""
    return SHARED_EXAMPLES.is_dir()


needs_shared = pytest.mark.skipif(not shared_present(), reason=SHARED_ABSENT)
"""Mark a test that reads the shared examples by name: skipped, visibly, without them."""


def good_example_files() -> list[Path]:
    """Every valid shared example (none when the folder is absent)."""
    return sorted(SHARED_EXAMPLES.glob("*.xml"))


def bad_example_files() -> list[Path]:
    """Every shared bad example (none when the folder is absent)."""
    return sorted((SHARED_EXAMPLES / "bad").glob("*.xml"))


def acceptance_flows() -> list[Path]:
    """Every valid flow available here: the corpus's, the bundled ones, the shared ones."""
    return [*valid_files(), *bundled_examples(), *good_example_files()]


def _own(found: list[Any], ids: list[str], where: str) -> list[Any]:
    if not found:  # the project's own files missing must fail loudly, not pass vacuously
        raise pytest.UsageError(f"no files found under {where}")
    return [pytest.param(item, id=name) for item, name in zip(found, ids, strict=True)]


def _shared(files: Callable[[], list[Path]]) -> list[Any]:
    found = files()
    if not shared_present():
        skip = pytest.mark.skip(reason=SHARED_ABSENT)
        return [pytest.param(None, id="shared-absent", marks=skip)]
    if not found:  # the folder is there but empty: a broken checkout, not a skip
        raise pytest.UsageError(f"no example files found under {SHARED_EXAMPLES}")
    return [pytest.param(p, id=f"shared/{p.name}") for p in found]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the corpus and shared-example arguments, one test per file."""
    names = metafunc.fixturenames
    if "example_flow" in names:
        own = [*valid_files(), *bundled_examples()]
        params = _own(own, [f"{p.parent.name}/{p.name}" for p in own], "tests/data/corpus/valid")
        metafunc.parametrize("example_flow", params + _shared(good_example_files))
    if "broken_document" in names:
        docs = broken_documents()
        params = _own(docs, [d.path.name for d in docs], "tests/data/corpus/broken")
        metafunc.parametrize("broken_document", params)
    if "shared_example" in names:
        metafunc.parametrize("shared_example", _shared(good_example_files))
    if "bad_example" in names:
        metafunc.parametrize("bad_example", _shared(bad_example_files))


@pytest.fixture(autouse=True, scope="session")
def _lint_cache_of_this_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`callflow lint` run by the tests caches in a folder of this test run, not in the
    checkout (tests of the cache itself name their own folder)."""
    folder = tmp_path_factory.mktemp("lint-cache")
    folder.chmod(0o777)  # some tests lint as another user
    os.environ["CALLFLOW_CACHE_DIR"] = str(folder)
