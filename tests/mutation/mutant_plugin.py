"""pytest plugin of the mutation runner (loaded early with ``-p mutant_plugin``).

Three jobs, chosen by environment variables the runner sets:

- ``CALLFLOW_MUTANT`` (``path::id``): the module at ``path`` is imported with that one mutant
  applied (a meta-path finder placed before the normal import of the package), and
  ``CALLFLOW_MUTANT_MARK`` is written once it is, so the runner can tell a mutant that broke
  the tests from a run where the mutant was never in place.
- ``CALLFLOW_MUTATION_MAP`` (a JSON file to write): which test executes which line of each
  module in ``CALLFLOW_MUTATION_TARGET`` (paths joined by ``os.pathsep``), with each test's
  duration, measured with coverage.py.
- ``CALLFLOW_MUTATION_FORK`` (a JSON file of jobs): collect once, then run each job's mutant in
  a forked child with the mutated functions' code swapped in place (``forkrun.py``).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

import pytest
from mutants import mutated_code

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class _MutantLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname: str, path: str, code: CodeType, mark: str) -> None:
        super().__init__(fullname, path)
        self._code = code
        self._mark = mark

    def get_code(self, fullname: str) -> CodeType:
        return self._code

    def exec_module(self, module: ModuleType) -> None:
        if self._mark:  # before running it: a mutant may fail at import, which counts as killed
            Path(self._mark).write_text("applied", encoding="utf-8")
        super().exec_module(module)


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, path: Path, code: CodeType, mark: str) -> None:
        self.name, self.path, self.code, self.mark = name, path, code, mark

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        loader = _MutantLoader(fullname, str(self.path), self.code, self.mark)
        return importlib.util.spec_from_file_location(fullname, self.path, loader=loader)


def _install(file: str, mutant_id: str | None, mark: str) -> None:
    """Import the module at ``file`` (in this checkout) from its source, with the mutant
    applied when one is named: also when the package is installed elsewhere (CI installs it
    non-editable), the module measured and the module mutated are the same file."""
    path = (ROOT / file).resolve()
    name = module_name(path)
    if name in sys.modules:
        raise RuntimeError(f"mutation: {name} was imported before the mutant could be placed")
    source = path.read_text(encoding="utf-8")
    code = (
        compile(source, str(path), "exec")
        if mutant_id is None
        else mutated_code(source, str(path), mutant_id)
    )
    assert isinstance(code, CodeType)
    sys.meta_path.insert(0, _MutantFinder(name, path, code, mark))


def _targets() -> list[str]:
    return [t for t in os.environ.get("CALLFLOW_MUTATION_TARGET", "").split(os.pathsep) if t]


if os.environ.get("CALLFLOW_MUTANT"):
    _file, _, _id = os.environ["CALLFLOW_MUTANT"].partition("::")
    _install(_file, _id, os.environ.get("CALLFLOW_MUTANT_MARK", ""))
elif os.environ.get("CALLFLOW_MUTATION_MAP") or os.environ.get("CALLFLOW_MUTATION_FORK"):
    for _target in _targets():
        _install(_target, None, "")


class _LineMap:
    """Per test, the lines of each target it executes (coverage.py, one context per test)."""

    def __init__(self, targets: list[str], out: str) -> None:
        import coverage

        self.targets = {t: str((ROOT / t).resolve()) for t in targets}
        self.out = out
        self.cov: Any = coverage.Coverage(
            data_file=None, include=list(self.targets.values()), branch=False
        )
        self.durations: dict[str, float] = {}
        self.outcomes: dict[str, str] = {}
        # Started at import of this plugin, before pytest loads the package's own plugin, so
        # the lines that run when the module is imported are seen (as IMPORT: every test).
        self.cov.start()
        self.cov.switch_context(IMPORT)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        self.cov.switch_context(item.nodeid)
        start = time.perf_counter()
        yield
        self.durations[item.nodeid] = time.perf_counter() - start
        self.cov.switch_context("")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.outcomes[report.nodeid] = "failed"

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.cov.stop()
        data = self.cov.get_data()
        measured = data.measured_files()
        lines: dict[str, dict[str, list[str]]] = {}
        for target, path in self.targets.items():
            by_line = data.contexts_by_lineno(path) if path in measured else {}
            lines[target] = {str(n): sorted(c for c in ctx if c) for n, ctx in by_line.items()}
        Path(self.out).write_text(
            json.dumps({"lines": lines, "durations": self.durations, "failed": self.outcomes}),
            encoding="utf-8",
        )


IMPORT = "<import>"
_MAP = (
    _LineMap(_targets(), os.environ["CALLFLOW_MUTATION_MAP"])
    if os.environ.get("CALLFLOW_MUTATION_MAP")
    else None
)


def pytest_configure(config: pytest.Config) -> None:
    if _MAP is not None:
        config.pluginmanager.register(_MAP)
    if os.environ.get("CALLFLOW_MUTATION_FORK"):
        from forkrun import ForkRunner

        config.pluginmanager.register(ForkRunner(os.environ["CALLFLOW_MUTATION_FORK"]))
