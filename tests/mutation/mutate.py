"""Mutation runner: would the suite notice a small bug in this module?

    .venv/bin/python tests/mutation/mutate.py simulator/machine.py --sample 60 --seed 24
    .venv/bin/python tests/mutation/mutate.py --smoke          # CI: modules of the last commit
    .venv/bin/python tests/mutation/mutate.py --list callflow/convert.py

For each module: the candidate tests (tests/mutation/modules.toml) run once under coverage.py to
learn which test executes which line (they must all pass); then each sampled mutant (seeded, so
a run is repeatable) is imported in place of the module in a fresh pytest process that runs only
the tests executing the mutated line, fastest first, stopping at the first failure. Killed: a
test failed, errored or timed out. Survived: all passed, or no test executes the line. A
survivor listed in tests/mutation/equivalents.toml (with its reason) is equivalent and leaves
the score. Exit 0 when no sampled mutant survives unexplained, 1 when one does, 2 on a usage
error or when the candidate tests fail without a mutant.

Limits, said plainly: tests that run `callflow` in a subprocess see the original module, so a
mutant only they would catch counts as a survivor (the score errs low, never high).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from mutants import Mutant, list_mutants, mutated_code  # noqa: E402

CORE = [
    "callflow/rules/*.py",
    "callflow/convert.py",
    "callflow/parser.py",
    "callflow/serializer.py",
    "simulator/machine.py",
    "simulator/resolvers/*.py",
    "callflow/importers/*.py",
]
SMOKE_SAMPLE = 6
SMOKE_MODULES = 2
"""The smoke's bound: at most this many changed modules (chosen by the seed), SMOKE_SAMPLE
mutants each; mapping a module's tests is the fixed cost, so the number of modules is capped."""
SEED = 24


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | no-tests | equivalent | invalid (does not compile)
    seconds: float = 0.0
    by: str = ""


@dataclass
class Report:
    module: str
    total: int
    outcomes: list[Outcome] = field(default_factory=list)

    def counted(self, *, messages: bool = True) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.status not in {"equivalent", "invalid"} and (messages or not o.mutant.message_only)
        ]

    def score(self, *, messages: bool = True) -> str:
        counted = self.counted(messages=messages)
        killed = sum(o.status == "killed" for o in counted)
        if not counted:
            return "n/a"
        return f"{killed}/{len(counted)} = {100 * killed / len(counted):.0f}%"


def is_core(path: str) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in CORE)


def candidate_tests(module: str) -> list[str]:
    table = tomllib.loads((HERE / "modules.toml").read_text(encoding="utf-8"))["tests"]
    for pattern, globs in table.items():
        if fnmatch.fnmatch(module, pattern):
            files = sorted({str(p.relative_to(ROOT)) for g in globs for p in ROOT.glob(g)})
            return files
    raise SystemExit(f"mutate: no candidate tests for {module} in tests/mutation/modules.toml")


def equivalents() -> dict[tuple[str, str], str]:
    data = tomllib.loads((HERE / "equivalents.toml").read_text(encoding="utf-8"))
    found = {}
    for entry in data.get("equivalent", []):
        if not entry.get("reason", "").strip():
            raise SystemExit(f"mutate: equivalents.toml: {entry.get('id')!r} has no reason")
        found[(entry["module"], entry["id"])] = entry["reason"]
    return found


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("HYPOTHESIS_PROFILE", env.get("HYPOTHESIS_PROFILE", ""))
    if not env["HYPOTHESIS_PROFILE"]:
        del env["HYPOTHESIS_PROFILE"]
    env.update(extra)
    return env


PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "mutant_plugin", "-p", "no:cacheprovider"]


def line_map(
    modules: list[str], tests: list[str]
) -> tuple[dict[str, dict[int, list[str]]], dict[str, float]]:
    """Per module, which candidate test executes which line; and each test's duration. One
    coverage run serves every module that shares the candidate tests."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "map.json"
        env = _env(
            CALLFLOW_MUTATION_MAP=str(out), CALLFLOW_MUTATION_TARGET=os.pathsep.join(modules)
        )
        done = subprocess.run(
            [*PYTEST, *tests], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or not out.exists():
            sys.stdout.write(done.stdout[-3000:] + done.stderr[-2000:])
            raise SystemExit(2)
        data = json.loads(out.read_text(encoding="utf-8"))
    lines = {m: {int(k): v for k, v in data["lines"][m].items()} for m in modules}
    return lines, data["durations"]


def run_mutant(module: str, mutant: Mutant, tests: list[str], timeout: float) -> Outcome:
    """One mutant in a fresh pytest process: the module imported with the mutant applied."""
    try:
        mutated_code((ROOT / module).read_text(encoding="utf-8"), module, mutant.id)
    except SyntaxError as error:  # not a program: no verdict, and not counted
        return Outcome(mutant, "invalid", 0.0, str(error))
    with tempfile.TemporaryDirectory() as tmp:
        mark = Path(tmp) / "applied"
        env = _env(CALLFLOW_MUTANT=f"{module}::{mutant.id}", CALLFLOW_MUTANT_MARK=str(mark))
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [*PYTEST, "-x", *tests],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Outcome(mutant, "killed", time.perf_counter() - start, "timeout")
        seconds = time.perf_counter() - start
        if not mark.exists():
            sys.stdout.write(done.stdout[-3000:] + done.stderr[-2000:])
            raise SystemExit(f"mutate: the mutant {mutant.id!r} of {module} was never imported")
        if done.returncode == 0:
            return Outcome(mutant, "survived", seconds)
        failed = [ln for ln in done.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
        return Outcome(
            mutant, "killed", seconds, failed[0] if failed else f"exit {done.returncode}"
        )


def _needs_fresh(job: _Job, outcome: Outcome | None) -> bool:
    """Whether a fresh process must judge the mutant: the forked session could not place it,
    or it survived there but might not in a fresh import (it was placed by running module
    assignments again, or its line runs at import: a value computed then from the mutated code,
    such as a decorator's argument or a table a function builds, kept the original's)."""
    if outcome is None or outcome.status == "needs-import":
        return True
    return outcome.status == "survived" and (outcome.by == "rebound" or job.at_import)


def run_fresh(jobs: list[_Job], parallel: int) -> list[Outcome]:
    """Each job in a fresh pytest process of its own, ``parallel`` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(
            pool.map(lambda j: run_mutant(j.module, j.mutant, j.tests, 60 + j.budget), jobs)
        )


@dataclass
class _Job:
    module: str
    mutant: Mutant
    tests: list[str]
    budget: float
    fresh: bool
    """Run in a fresh process of its own (``--no-fork``), not in the forked session."""
    at_import: bool = False
    """The mutated line runs when the module is imported."""

    @property
    def key(self) -> str:
        return f"{self.module}::{self.mutant.id}"


def run_forked(jobs: list[_Job], tests: list[str], parallel: int) -> dict[str, Outcome]:
    """The jobs in one pytest session that collects ``tests`` once and forks per mutant."""
    if not jobs:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "jobs.json", Path(tmp) / "out.json"
        modules = sorted({j.module for j in jobs})
        spec.write_text(
            json.dumps(
                {
                    "modules": modules,
                    "parallel": parallel,
                    "out": str(out),
                    "jobs": [
                        {
                            "key": j.key,
                            "module": j.module,
                            "mutant": j.mutant.id,
                            "line": j.mutant.line,
                            "tests": j.tests,
                            "budget": j.budget,
                        }
                        for j in jobs
                    ],
                }
            ),
            encoding="utf-8",
        )
        env = _env(
            CALLFLOW_MUTATION_FORK=str(spec), CALLFLOW_MUTATION_TARGET=os.pathsep.join(modules)
        )
        # stderr passes through: the session's progress lines
        done = subprocess.run(
            [*PYTEST, "-s", *tests],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if not out.exists():
            sys.stdout.write(done.stdout[-3000:])
            raise SystemExit("mutate: the forked session wrote no outcomes")
        data = json.loads(out.read_text(encoding="utf-8"))
    by_key = {j.key: j for j in jobs}
    return {
        key: Outcome(by_key[key].mutant, o["status"], float(o["seconds"]), str(o["by"]))
        for key, o in data.items()
    }


def mutate_group(
    modules: list[str], sample: int | None, seed: int, verbose: bool, *, fork: bool, parallel: int
) -> list[Report]:
    """Every module of one candidate-test group: one line map, one forked session."""
    tests = candidate_tests(modules[0])
    known = equivalents()
    reports: dict[str, Report] = {}
    chosen: dict[str, list[Mutant]] = {}
    for module in modules:
        source = (ROOT / module).read_text(encoding="utf-8")
        everything = list_mutants(source, module)
        picked = everything
        if sample is not None and sample < len(everything):
            picked = sorted(
                random.Random(f"{seed}:{module}").sample(everything, sample), key=lambda m: m.line
            )
        chosen[module] = picked
        reports[module] = Report(module, len(everything))
        print(f"== {module}: {len(picked)} of {len(everything)} mutants")
    print(f"   mapping {len(tests)} test files for {len(modules)} module(s)", flush=True)
    lines, durations = line_map(modules, tests)
    slowest = max(durations.values(), default=1.0)
    jobs: list[_Job] = []
    for module in modules:
        for mutant in chosen[module]:
            report = reports[module]
            if (module, mutant.id) in known:
                report.outcomes.append(Outcome(mutant, "equivalent"))
                continue
            span = range(mutant.stmt_line or mutant.line, mutant.end_line + 1)
            covering = {t for ln in span for t in lines[module].get(ln, [])}
            at_import = "<import>" in covering
            if at_import:  # runs when the module is imported: every test executes it
                covering = set(durations)
            covering.discard("<import>")
            if not covering:
                report.outcomes.append(Outcome(mutant, "no-tests"))
                continue
            ordered = sorted(covering, key=lambda t: durations.get(t, 0.0))
            cost = 20 + 4 * sum(durations.get(t, slowest) for t in ordered)
            jobs.append(_Job(module, mutant, ordered, cost, not fork, at_import))
    print(f"   {len(jobs)} mutants to run", flush=True)
    outcomes = run_forked([j for j in jobs if not j.fresh], tests, parallel) if fork else {}
    fresh = [j for j in jobs if _needs_fresh(j, outcomes.get(j.key))]
    if fork:
        print(f"   {len(fresh)} judged in fresh processes", flush=True)
    for job, outcome in zip(fresh, run_fresh(fresh, parallel), strict=True):
        outcomes[job.key] = outcome
    for job in jobs:
        reports[job.module].outcomes.append(outcomes[job.key])
    for module in modules:
        for o in sorted(reports[module].outcomes, key=lambda o: o.mutant.line):
            if o.status == "no-tests":
                print(f"  SURVIVED {module}:{o.mutant.line} (no test runs it): {o.mutant.id}")
            elif o.status == "survived":
                print(f"  SURVIVED {module}:{o.mutant.line}: {o.mutant.id}")
            elif verbose and o.status == "killed":
                print(f"  killed {module}:{o.mutant.line}: {o.mutant.id}  by {o.by}")
    return [reports[m] for m in modules]


def mutate_modules(
    modules: list[str], sample: int | None, seed: int, verbose: bool, *, fork: bool, parallel: int
) -> list[Report]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for module in modules:
        groups.setdefault(tuple(candidate_tests(module)), []).append(module)
    reports: list[Report] = []
    for group in groups.values():
        reports += mutate_group(group, sample, seed, verbose, fork=fork, parallel=parallel)
    return reports


def changed_modules(since: str) -> list[str]:
    done = subprocess.run(
        ["git", "diff", "--name-only", since, "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"mutate: git cannot compare {since} with HEAD: {done.stderr.strip()}")
        raise SystemExit(2)
    return sorted(p for p in done.stdout.split() if is_core(p) and (ROOT / p).exists())


def _as_json(reports: list[Report], seed: int) -> dict[str, object]:
    return {
        "seed": seed,
        "modules": {
            r.module: {
                "total": r.total,
                "score": r.score(),
                "score_without_messages": r.score(messages=False),
                "outcomes": [
                    {
                        "id": o.mutant.id,
                        "line": o.mutant.line,
                        "status": o.status,
                        "message_only": o.mutant.message_only,
                        "by": o.by,
                        "seconds": round(o.seconds, 3),
                    }
                    for o in sorted(r.outcomes, key=lambda o: o.mutant.line)
                ],
            }
            for r in reports
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module paths, e.g. simulator/machine.py")
    parser.add_argument("--sample", type=int, help="mutants per module (default: all)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a fixed sample of the core modules changed since --since",
    )
    parser.add_argument(
        "--since", default="HEAD~1", help="with --smoke: the commit to compare with"
    )
    parser.add_argument("--list", action="store_true", help="print the mutants' ids and exit")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument(
        "--parallel",
        type=int,
        default=os.cpu_count() or 1,
        help="mutants run at once (default: the number of cores)",
    )
    parser.add_argument(
        "--no-fork",
        action="store_true",
        help="a fresh pytest process per mutant (slow; the forked session is checked against it)",
    )
    parser.add_argument("--json", metavar="FILE", help="write every outcome to FILE")
    args = parser.parse_args(argv)
    modules = list(args.modules)
    sample = args.sample
    if args.smoke:
        changed = changed_modules(args.since)
        sample = args.sample or SMOKE_SAMPLE
        if not changed:
            print(f"mutation smoke: no core module changed since {args.since}")
            return 0
        modules = sorted(random.Random(args.seed).sample(changed, min(SMOKE_MODULES, len(changed))))
        skipped = sorted(set(changed) - set(modules))
        print(f"mutation smoke: changed since {args.since}: {', '.join(changed)}")
        if skipped:
            names = ", ".join(skipped)
            print(f"mutation smoke: not sampled this time (at most {SMOKE_MODULES}): {names}")
    if not modules:
        parser.error("name a module, or use --smoke")
    for module in modules:
        if not (ROOT / module).is_file():
            parser.error(f"no such module: {module}")
    if args.list:
        for module in modules:
            for m in list_mutants((ROOT / module).read_text(encoding="utf-8"), module):
                tag = " [message]" if m.message_only else ""
                print(f"{module}:{m.line}: {m.kind}{tag}: {m.id}")
        return 0
    started = time.perf_counter()
    reports = mutate_modules(
        modules, sample, args.seed, args.verbose, fork=not args.no_fork, parallel=args.parallel
    )
    print(
        "\nmodule: killed/counted (all) | without message-only | equivalent | no tests"
        " | invalid (does not compile, not counted)"
    )
    for r in reports:
        eq = sum(o.status == "equivalent" for o in r.outcomes)
        nt = sum(o.status == "no-tests" for o in r.outcomes)
        bad = sum(o.status == "invalid" for o in r.outcomes)
        print(
            f"{r.module}: {r.score()} | {r.score(messages=False)} | {eq} | {nt} | {bad}"
            f"  (of {r.total})"
        )
    print(f"seed {args.seed}, {time.perf_counter() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(
            json.dumps(_as_json(reports, args.seed), indent=1), encoding="utf-8"
        )
    survivors = [o for r in reports for o in r.outcomes if o.status in {"survived", "no-tests"}]
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
