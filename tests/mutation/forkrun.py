"""Run many mutants in one pytest session: collect once, fork a child per mutant.

Starting pytest, importing the package and collecting the candidate tests costs seconds; a
mutant's own tests usually fail in milliseconds. So the session collects once and never runs a
test itself; for each job it forks, and the child swaps the mutated functions' code into the
live function objects (every reference to them, from any module or table, sees the mutant),
clears the target modules' function caches, and runs the job's tests in order, stopping at the
first failure. The parent keeps at most ``parallel`` children running, kills one that exceeds
its budget (killed: a timeout), and writes every outcome to the job file's ``out`` path.

A mutant this cannot place (it changes code that runs at import, or its function has no live
object) is reported ``needs-import``: the runner gives it a fresh process instead.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mutants import list_mutants, mutated_tree_at
from patching import NeedsImport, Patch, Rebind, original_code, patches, rebind

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class _Child:
    key: str
    pid: int
    fd: int
    deadline: float
    started: float
    data: bytes = b""
    rebound: bool = False
    """Placed by running module-level assignments again (not by swapping function code)."""


@dataclass
class _Module:
    path: str
    source: str
    ids: dict[str, int]
    original: types.CodeType
    functions: dict[tuple[str, int], list[types.FunctionType]] = field(default_factory=dict)


def _live_functions(filenames: set[str]) -> dict[str, dict[tuple[str, int], list[Any]]]:
    found: dict[str, dict[tuple[str, int], list[Any]]] = {f: {} for f in filenames}
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType):
            code = obj.__code__
            table = found.get(code.co_filename)
            if table is not None:
                table.setdefault((code.co_qualname, code.co_firstlineno), []).append(obj)
    return found


_MUTABLE = (dict, list, set)


def _rebind(module: types.ModuleType, again: Rebind) -> None:
    """Run the assignments again in a copy of the module's globals and put each changed value
    where the old one was seen: a dict, list or set is changed in place (every reference sees
    it); anything else is bound again in every loaded module that held the old object."""
    namespace = dict(vars(module))
    exec(again.code, namespace)
    for name in again.names:
        old, new = vars(module).get(name), namespace[name]
        try:
            if old is new or (type(old) is type(new) and bool(old == new)):
                continue
        except Exception:
            pass
        if type(old) is type(new) and isinstance(old, _MUTABLE):
            if isinstance(old, dict):
                old.clear()
                old.update(new)
            elif isinstance(old, list):
                old[:] = new
            else:
                old.clear()
                old.update(new)
            continue
        for loaded in list(sys.modules.values()):
            table = getattr(loaded, "__dict__", None)
            if isinstance(table, dict):
                for key, value in list(table.items()):
                    if value is old:
                        table[key] = new
        setattr(module, name, new)


def _die_with_parent() -> None:
    """A child whose session is gone (killed, interrupted) must not run on unseen: on Linux
    the kernel sends it SIGKILL when its parent exits (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


def _clear_caches(modules: list[types.ModuleType]) -> None:
    """Results a cached function computed before the fork were computed by the original."""
    for module in modules:
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


class ForkRunner:
    def __init__(self, job_file: str) -> None:
        self.spec = json.loads(Path(job_file).read_text(encoding="utf-8"))
        self.failed: list[str] = []

    # -- in the child ------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and not self.failed:
            self.failed.append(report.nodeid)

    def _child(
        self,
        items: list[pytest.Item],
        found: list[tuple[list[Any], Patch]],
        again: tuple[str, Rebind] | None,
    ) -> str:
        for functions, patch in found:
            for function in functions:
                function.__code__ = patch.code
        if again is not None:
            try:
                _rebind(self._module(again[0]), again[1])
            except Exception as error:  # a fresh import would fail the same way: every test
                return f"import: {error!r}"
        _clear_caches(self._target_modules())
        for index, item in enumerate(items):
            nextitem = items[index + 1] if index + 1 < len(items) else None
            item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if self.failed:
                return self.failed[0]
        return ""

    def _target_modules(self) -> list[types.ModuleType]:
        return [m for m in map(self._module, self.spec["modules"]) if m is not None]

    @staticmethod
    def _module(path: str) -> Any:
        from mutant_plugin import module_name  # loaded: it registered this runner

        return sys.modules.get(module_name(ROOT / path))

    # -- in the parent -----------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        by_id = {item.nodeid: item for item in session.items}
        modules = {}
        for path in self.spec["modules"]:
            source = (ROOT / path).read_text(encoding="utf-8")
            filename = str((ROOT / path).resolve())
            ids = {m.id: i for i, m in enumerate(list_mutants(source, filename))}
            modules[path] = _Module(path, source, ids, original_code(source, filename))
        live = _live_functions({str((ROOT / p).resolve()) for p in modules})
        for path, module in modules.items():
            module.functions = live[str((ROOT / path).resolve())]
        outcomes: dict[str, dict[str, object]] = {}
        running: list[_Child] = []
        pending = list(self.spec["jobs"])
        parallel = max(1, int(self.spec.get("parallel", 1)))
        total, shown = len(pending), time.monotonic()
        while pending or running:
            while pending and len(running) < parallel:
                job = pending.pop(0)
                child = self._start(job, modules, by_id, outcomes)
                if child is not None:
                    running.append(child)
            self._reap(running, outcomes)
            if time.monotonic() - shown > 30:  # progress on long work, on the runner's stderr
                shown = time.monotonic()
                survived = sum(o["status"] == "survived" for o in outcomes.values())
                sys.stderr.write(f"   forked: {len(outcomes)}/{total} done, {survived} survived\n")
                sys.stderr.flush()
        Path(self.spec["out"]).write_text(json.dumps(outcomes), encoding="utf-8")
        return True

    def _start(
        self,
        job: dict[str, Any],
        modules: dict[str, _Module],
        by_id: dict[str, pytest.Item],
        outcomes: dict[str, dict[str, object]],
    ) -> _Child | None:
        module = modules[job["module"]]
        filename = str((ROOT / module.path).resolve())
        found: list[tuple[list[Any], Patch]] = []
        again: tuple[str, Rebind] | None = None
        try:
            tree = mutated_tree_at(module.source, filename, module.ids[job["mutant"]])
            try:
                code = compile(tree, filename, "exec")
            except SyntaxError as error:  # e.g. a dropped binding a ``nonlocal`` names
                outcomes[job["key"]] = {"status": "invalid", "by": str(error), "seconds": 0.0}
                return None
            try:
                for patch in patches(module.original, code):
                    functions = module.functions.get((patch.qualname, patch.firstlineno))
                    if not functions:
                        raise NeedsImport(f"{patch.qualname}: no live function")
                    found.append((functions, patch))
            except NeedsImport:
                if found:
                    raise
                again = (module.path, rebind(tree, int(job["line"]), filename))
        except NeedsImport as why:
            outcomes[job["key"]] = {"status": "needs-import", "by": str(why), "seconds": 0.0}
            return None
        items = [by_id[t] for t in job["tests"] if t in by_id]
        missing = [t for t in job["tests"] if t not in by_id]
        if missing:
            raise RuntimeError(f"mutation: tests not collected: {missing[:3]}")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 0
            try:
                os.close(read)
                os.setpgid(0, 0)
                _die_with_parent()
                sink = os.open(os.devnull, os.O_WRONLY)
                os.dup2(sink, 1)
                os.dup2(sink, 2)
                failed = self._child(items, found, again)
                os.write(write, json.dumps({"failed": failed}).encode())
            except BaseException as error:
                os.write(write, json.dumps({"failed": f"child error: {error!r}"}).encode())
            finally:
                os._exit(status)
        os.close(write)
        now = time.monotonic()
        child = _Child(job["key"], pid, read, now + float(job["budget"]), now)
        child.rebound = again is not None
        return child

    def _reap(self, running: list[_Child], outcomes: dict[str, dict[str, object]]) -> None:
        if not running:
            return
        ready, _, _ = select.select([c.fd for c in running], [], [], 0.05)
        now = time.monotonic()
        for child in list(running):
            done = False
            if child.fd in ready:
                chunk = os.read(child.fd, 65536)
                child.data += chunk
                done = not chunk
            if not done and now <= child.deadline:
                continue
            if not done:  # over budget: the mutant made a test hang (killed by timeout)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
            os.waitpid(child.pid, 0)
            os.close(child.fd)
            running.remove(child)
            seconds = now - child.started
            if not done:
                outcomes[child.key] = {"status": "killed", "by": "timeout", "seconds": seconds}
                continue
            try:
                failed = json.loads(child.data.decode() or "{}").get("failed")
            except ValueError:
                failed = None
            if failed is None or str(failed).startswith("child error:"):
                # Died without a word, or the runner itself failed in the child: no verdict
                # here; a fresh process judges the mutant (never count a fault as a kill).
                why = failed or "child died"
                outcomes[child.key] = {"status": "needs-import", "by": why, "seconds": seconds}
            elif failed:
                outcomes[child.key] = {"status": "killed", "by": failed, "seconds": seconds}
            else:
                by = "rebound" if child.rebound else ""
                outcomes[child.key] = {"status": "survived", "by": by, "seconds": seconds}
