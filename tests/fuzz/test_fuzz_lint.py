"""The fuzz harness in every test run: over the seed corpus always, and for a few seconds of
coverage-guided fuzzing when atheris is installed (``pip install -e '.[fuzz]'``).

The seeds are the example flows, the hostile corpus and every input a fuzzer ever crashed on
(``regression-*.xml``), so a fixed crash stays fixed even where atheris cannot be built.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import harness
import pytest
from harness import check

from callflow.lint import lint_loaded

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
HOSTILE = HERE.parent / "data" / "hostile"
SEEDS = sorted([*CORPUS.iterdir(), *HOSTILE.glob("*.xml")])
QUICK_SECONDS = 3


def test_the_corpus_has_seeds_and_regressions() -> None:
    names = [p.name for p in CORPUS.iterdir()]
    assert len(names) >= 10
    assert any(name.startswith("regression-") for name in names)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"{p.parent.name}/{p.name}" for p in SEEDS])
def test_every_seed_passes_the_harness(seed: Path) -> None:
    check(seed.read_bytes())


def test_the_harness_catches_what_it_is_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding beyond the last line, or a round trip that changes the model, is a crash."""
    doc = b"<Response>\n  <Pause length='5'/>\n</Response>"
    check(doc)
    real_lint = lint_loaded
    monkeypatch.setattr(
        harness, "lint_loaded", lambda loaded: [replace(f, line=4) for f in real_lint(loaded)]
    )
    with pytest.raises(AssertionError):
        check(doc)
    monkeypatch.undo()
    monkeypatch.setattr(harness, "to_xml", lambda model, pretty: "<Response/>")
    with pytest.raises(AssertionError):
        check(doc)


def test_a_few_seconds_of_atheris(tmp_path: Path) -> None:
    """As the README runs it: the output folder does not exist yet and is created."""
    pytest.importorskip("atheris")
    found = tmp_path / "found"
    done = subprocess.run(
        [sys.executable, str(HERE / "fuzz_lint.py"), f"-max_total_time={QUICK_SECONDS}",
         "-rss_limit_mb=2048", "-timeout=20", f"-artifact_prefix={tmp_path}/", str(found),
         str(CORPUS)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    crashes = sorted(p.name for p in tmp_path.glob("crash-*"))
    assert done.returncode == 0 and not crashes, done.stderr[-3000:]
    assert "Done" in done.stderr  # libFuzzer ran and finished in its time
    assert found.is_dir() and f"created {found}" in done.stderr
