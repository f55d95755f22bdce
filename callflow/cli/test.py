"""``callflow test``: run many scenario files, one PASS/FAIL line each, JUnit XML for CI.

A scenario file that cannot be used (bad YAML, unknown key, missing flow, an HTTP backend that
does not open) is reported as an ERROR line and counted as failed, the others still run, and
the exit status is 2 so CI tells a broken test suite from a broken call flow (exit 1).

``--app``, ``--base-url`` and ``--replay-http`` answer every request of every scenario (so the
same scenarios run against an in-process app, a live server and a cassette); ``--record-http``
collects the traffic of all of them into one cassette.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from lxml import etree

from callflow.cli.callopts import warnings_out
from callflow.cli.simulate import check_backend_options, close_backends, open_backends
from simulator.coverage import conclude, measuring
from simulator.render import wants_colour
from simulator.resolvers import RunBackends
from simulator.scenario import (
    Run,
    ScenarioError,
    load_flow,
    load_scenario,
    resolver,
    run_scenario,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One scenario's verdict: ``run`` when it ran, else ``error`` (it could not be used)."""

    path: str
    seconds: float
    run: Run | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.run is not None and self.run.passed


def scenario_files(paths: tuple[Path, ...]) -> Iterator[tuple[str, str | None]]:
    """(path, problem) for each scenario named or found under a directory, in a stable order."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                yield str(path), f"{path}: no scenario files (*.yaml) in this directory"
            for file in found:
                yield str(file), None
        elif path.exists():
            yield str(path), None
        else:
            yield str(path), f"{path}:1:1: SC001 error cannot read scenario: no such file"


def run_one(path: str, backends: RunBackends | None = None, *, strict: bool = False) -> Outcome:
    """Load and run one scenario; ``backends`` may replace its HTTP answers or record them.
    ``strict``: caller input the call did not use fails the scenario."""
    began = time.perf_counter()
    backends = backends or RunBackends()
    try:
        scenario = load_scenario(path)
        warnings_out(scenario.warnings)
        flow = load_flow(scenario.flow)
        if flow.unreadable:
            return Outcome(path, time.perf_counter() - began, error=flow.errors[0].render())
        if flow.model is None:
            run = run_scenario(scenario, flow, strict=strict)
        else:
            with backends.run(lambda: resolver(scenario)) as http:
                run = run_scenario(scenario, flow, http, strict=strict)
    except ScenarioError as exc:
        return Outcome(path, time.perf_counter() - began, error=exc.finding.render())
    return Outcome(path, time.perf_counter() - began, run=run)


def _print(outcome: Outcome, colour: bool) -> None:
    def tag(word: str, fg: str) -> str:
        return click.style(word, fg=fg, bold=True) if colour else word

    if outcome.error is not None:
        click.echo(f"{tag('ERROR', 'red')} {outcome.error}", color=colour)
        return
    assert outcome.run is not None
    if outcome.passed:
        click.echo(f"{tag('PASS', 'green')} {outcome.path}: {outcome.run.headline()}", color=colour)
        for line in outcome.run.unused():  # not --strict: a warning, the scenario still passes
            click.echo(f"    {tag('warning', 'yellow')}: {line}", color=colour)
        return
    click.echo(f"{tag('FAIL', 'red')} {outcome.path}: {outcome.run.headline()}", color=colour)
    for line in outcome.run.explain():
        click.echo("    " + line)
    if not outcome.run.strict:
        for line in outcome.run.unused():
            click.echo(f"    {tag('warning', 'yellow')}: {line}", color=colour)


def junit(outcomes: list[Outcome]) -> bytes:
    """A JUnit XML report (the Ant schema CI servers read): one testcase per scenario."""
    failures = sum(1 for o in outcomes if o.run is not None and not o.passed)
    errors = sum(1 for o in outcomes if o.error is not None)
    suite = etree.Element("testsuite", {
        "name": "callflow scenarios", "tests": str(len(outcomes)), "failures": str(failures),
        "errors": str(errors), "time": f"{sum(o.seconds for o in outcomes):.3f}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "hostname": socket.gethostname() or "localhost",
    })  # fmt: skip
    etree.SubElement(suite, "properties")
    for outcome in outcomes:
        folder, name = os.path.split(outcome.path)
        case = etree.SubElement(suite, "testcase", {
            "name": name, "classname": folder.replace(os.sep, ".").strip(".") or ".",
            "time": f"{outcome.seconds:.3f}",
        })  # fmt: skip
        if outcome.error is not None:
            node = etree.SubElement(case, "error", message=outcome.error, type="scenario-error")
            node.text = outcome.error
        elif outcome.run is not None and not outcome.passed:
            kind = "flow-error" if outcome.run.errors else "expectation"
            node = etree.SubElement(case, "failure", message=outcome.run.headline(), type=kind)
            node.text = "\n".join(outcome.run.explain())
    etree.SubElement(suite, "system-out")
    etree.SubElement(suite, "system-err")
    return bytes(etree.tostring(suite, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Also write a JUnit XML report to FILE.")  # fmt: skip
@click.option("--app", metavar="MODULE:ATTR",
              help="Send every request of every scenario to this WSGI or ASGI app, in-process "
                   "(imported from the current directory).")  # fmt: skip
@click.option("--base-url", metavar="URL",
              help="Send every request to this live server (e.g. http://127.0.0.1:5000), "
                   "keeping path and query.")  # fmt: skip
@click.option("--replay-http", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CASSETTE",
              help="Answer every request from a recorded cassette (offline CI).")  # fmt: skip
@click.option("--record-http", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CASSETTE",
              help="Save every request and answer of all the scenarios to CASSETTE.")  # fmt: skip
@click.option("--coverage", is_flag=True,
              help="Print the commands and branches of each flow the scenarios ran.")  # fmt: skip
@click.option("--coverage-json", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the coverage as JSON (for `callflow graph --coverage`).")  # fmt: skip
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PCT",
              help="Exit 1 when branch coverage of all flows together is below PCT.")  # fmt: skip
@click.option("--strict", is_flag=True,
              help="Fail a scenario whose caller input was not all used (an action no wait "
                   "took, or keys a wait dropped); without it that is a warning.")  # fmt: skip
def test(paths: tuple[Path, ...], junit_file: Path | None, coverage: bool,
         coverage_json: Path | None, fail_under: float | None, strict: bool,
         **options: Any) -> None:  # fmt: skip
    """Run scenario files (or every *.yaml under directories) and report each.

    Prints one PASS/FAIL line per scenario, an explanation under each failure, and
    "N passed, M failed" last. Caller input a scenario's call did not use is a warning under
    its line (a failure with --strict). Exit status: 0 all passed, 1 some failed, 2 some scenario
    file could not be read or is malformed (the others still run).
    """
    check_backend_options(options)
    backends = open_backends("test", options)
    colour = wants_colour(sys.stdout)
    outcomes: list[Outcome] = []
    measure = coverage or coverage_json is not None or fail_under is not None
    with measuring(measure) as collector:
        try:
            for path, problem in scenario_files(paths):
                found = problem is None
                outcome = (
                    run_one(path, backends, strict=strict)
                    if found
                    else Outcome(path, 0.0, error=problem)
                )
                _print(outcome, colour)
                outcomes.append(outcome)
        finally:
            close_backends("test", backends)
    if junit_file is not None:
        try:
            junit_file.write_bytes(junit(outcomes))
        except OSError as exc:
            click.echo(f"callflow test: cannot write {junit_file}: {exc.strerror}", err=True)
            sys.exit(EXIT_USAGE)
    passed = sum(1 for o in outcomes if o.passed)
    click.echo(f"{passed} passed, {len(outcomes) - passed} failed")
    low = False
    if collector is not None:
        try:
            lines, low = conclude(collector, coverage, coverage_json, fail_under)
        except OSError as exc:
            click.echo(f"callflow test: cannot write {coverage_json}: {exc.strerror}", err=True)
            sys.exit(EXIT_USAGE)
        for line in lines:
            click.echo(line)
    if any(o.error is not None for o in outcomes):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK if passed == len(outcomes) and not low else EXIT_FAILED)
