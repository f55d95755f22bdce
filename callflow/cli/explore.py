"""``callflow explore``: every path of a flow, its coverage, and the paths that end badly.

Prints how many paths there are and how they end, the commands and branches they cover, and
one finding per problem (``file:line:col: CODE severity message``) with the shortest caller
script that reproduces it. ``--emit-scenarios DIR`` writes scenario files that reproduce those
paths and cover every branch taken, checked with the same runner as ``callflow test``.

Codes: EX001 info a path runs out of document (no Hangup); EX002 warning a loop; EX003 warning
a bound ends a path; EX004 warning a failure no Error handler catches; EX005 a command no path
reaches (warning after a complete exploration, info when the call fields given decide some
conditions); EX006 info paths cut at --max-depth; EX007 info a condition no call can take
either way; EX008 error a run cannot go on (for example a bad time zone).

When a bound stops the exploration (--max-paths, or paths cut at --max-depth) the header names
it with its value, and what no path reached is summed up (a count and the first few), not
reported one by one: unexplored is not unreachable.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from callflow import graph as g
from callflow.cli.callopts import call_context
from simulator.context import CallContext
from simulator.coverage import describe, report
from simulator.emit import Emitted, Unreplayable, call_fields, scenario_data, write_scenarios
from simulator.explore import Exploration, Problem
from simulator.explore import explore as explore_flow
from simulator.http import Canned
from simulator.render import wants_colour
from simulator.resolvers import CassetteError, CassetteResolver
from simulator.scenario import (
    ScenarioError,
    canned_file,
    load_flow,
    load_scenario,
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
ENDINGS = {
    "hangup": "hang up", "end-of-document": "end of document", "caller-hangup": "caller hangs up",
    "limit": "bound hit", "error": "error", "unknown-document": "unknown document fetched",
    "loop": "loop", "depth": "cut at --max-depth", "infeasible": "no call fits",
}  # fmt: skip
_SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}


_CALL = ("from_", "to", "at", "tz", "state", "county")
"""The flags that describe the call."""


def _flag(name: str) -> str:
    return "--" + name.rstrip("_")


def decided(context: CallContext) -> frozenset[str]:
    """The condition kinds a scenario's call decides: those whose fields it sets."""
    default = CallContext()
    kinds = set()
    if context.start != default.start:
        kinds.add("schedule")
    if (context.from_, context.state, context.county) != (default.from_, None, None):
        kinds.add("geo")
    if (context.from_, context.to, context.direction) != (
        default.from_,
        default.to,
        default.direction,
    ) or context.extra:
        kinds.add("call")  # fmt: skip
    return frozenset(kinds)


def _pinned(options: dict[str, Any]) -> frozenset[str]:
    """The condition kinds that the call fields given as flags decide."""
    pinned = set()
    if options["at"] is not None:
        pinned.add("schedule")
    if any(options[k] is not None for k in ("from_", "state", "county")):
        pinned.add("geo")
    if any(options[k] is not None for k in ("from_", "to")):
        pinned.add("call")
    return frozenset(pinned)


def _canned(pairs: tuple[str, ...]) -> dict[str, Canned]:
    answers: dict[str, Canned] = {}
    for raw in pairs:
        url, sep, file = raw.partition("=")
        if not sep or not url or not file:
            raise click.BadParameter(f"{raw!r} is not URL=FILE", param_hint="--http")
        try:
            answers[url] = canned_file(Path(file))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--http") from None
    return answers


def _progress() -> Callable[[int], None] | None:
    """Paths explored so far, on stderr, when it is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(paths: int) -> None:
        click.echo(f"\rexploring: {paths} paths", err=True, nl=False)

    return show


def _ordered(out: Exploration) -> list[Problem]:
    return sorted(out.problems.values(), key=lambda p: (p.file != out.file, p.line or 0, p.code))


def _finding(problem: Problem, file: str | None) -> str:
    where = problem.file or file or "<flow>"
    line = problem.line or 1
    count = f" ({problem.count} paths)" if problem.count > 1 else ""
    return f"{where}:{line}:{problem.col or 1}: {problem.code} {problem.severity} " \
           f"{problem.message}{count}"  # fmt: skip


def _site(site: g.Site) -> str:
    where = f"line {site.line}" if site.line is not None else site.id
    return f"{site.command} at {where}" + (f", {describe(site.label)}" if site.label else "")


def header(out: Exploration) -> str:
    """The first line: how many paths, and whether every path or which bound stopped it."""
    stopped = out.stopped_by()
    if not stopped:
        return f"{out.file}: {out.paths} paths (every path)"
    return f"{out.file}: {out.paths} paths (stopped by {' and '.join(stopped)}: not every path)"


def unexplored_lines(out: Exploration) -> list[str]:
    """After a bound: what no path reached, summed up (unexplored is not unreachable)."""
    summary = out.unexplored()
    lines = []
    for count, first, what in (
        (summary.commands, summary.first_commands, "commands"),
        (summary.branches, summary.first_branches, "branches"),
    ):
        if count:
            shown = "; ".join(_site(s) for s in first)
            more = f"; and {count - len(first)} more" if count > len(first) else ""
            lines.append(f"    not reached within the bounds: {count} {what} ({shown}{more})")
    return lines


def text_report(out: Exploration, colour: bool) -> list[str]:
    assert out.tally is not None
    lines = [header(out)]
    endings = ", ".join(f"{n} {ENDINGS.get(k, k)}" for k, n in out.endings.most_common())
    lines.append(f"  endings: {endings or 'none'}")
    lines.append("  coverage: " + out.tally.table()[0].split(": ", 1)[1])
    if out.bounded():
        lines += unexplored_lines(out)
    else:
        for site in out.tally.uncovered_branches():
            lines.append(f"    never taken: {_site(site)}")
    for problem in _ordered(out):
        text = _finding(problem, out.file)
        if colour:
            text = click.style(text, fg=_SEVERITY_COLOUR.get(problem.severity))
        lines.append(text)
        if problem.path is not None:
            fields = call_fields(problem.path, out)
            call = ", ".join(f"{k}={v}" for k, v in fields.items())
            lines.append(
                f"    reproduce: {problem.path.script()}" + (f" (call: {call})" if call else "")
            )
    return lines


def _script(problem: Problem, out: Exploration) -> dict[str, Any] | None:
    """The scenario keys that reproduce a problem's path (file paths relative to here)."""
    if problem.path is None or out.file is None:
        return None
    try:
        data = scenario_data(problem.path, out, Path(out.file), Path.cwd())
    except Unreplayable:
        return None
    return {k: v for k, v in data.items() if k in ("call", "caller", "dial", "http", "limits")}


def json_report(out: Exploration, emitted: Emitted | None) -> dict[str, Any]:
    assert out.tally is not None
    data: dict[str, Any] = {
        "flow": out.file, "paths": out.paths, "complete": not out.bounded(),
        "stopped_by": out.stopped_by(), "endings": dict(out.endings),
        "coverage": report([out.tally]),
    }  # fmt: skip
    if out.bounded():
        summary = out.unexplored()
        data["unexplored"] = {
            "commands": summary.commands, "branches": summary.branches,
            "first_commands": [{"id": s.id, "line": s.line, "command": s.command}
                               for s in summary.first_commands],
            "first_branches": [{"id": s.id, "line": s.line, "command": s.command,
                                "branch": s.label} for s in summary.first_branches],
        }  # fmt: skip
    data["problems"] = [{
        "code": p.code, "severity": p.severity, "message": p.message, "file": p.file,
        "line": p.line, "col": p.col, "paths": p.count,
        "reproduce": [c.label for c in p.path.choices] if p.path is not None else None,
        "scenario": _script(p, out),
    } for p in _ordered(out)]  # fmt: skip
    data["branches_taken"] = [{"id": s.id, "line": s.line, "command": s.command,
                               "branch": s.label} for s in out.listed_branches()]  # fmt: skip
    if emitted is not None:
        data["scenarios"] = [str(p) for p in emitted.written]
        data["scenario_failures"] = [{"file": n, "reason": r} for n, r in emitted.failed]
    return data


@click.command()
@click.argument("flow", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--scenario", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Take the flow, the call, the canned HTTP answers and the bounds from a "
                   "scenario file (its caller and expectations are not used).")  # fmt: skip
@click.option("--max-paths", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Stop after this many paths.")  # fmt: skip
@click.option("--max-depth", type=click.IntRange(min=1), default=100, show_default=True,
              help="Cut a path after this many choices.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@click.option("--emit-scenarios", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", help="Write scenario files that reproduce the problem paths and "
              "cover every branch taken (each one checked to pass).")  # fmt: skip
@click.option("--http", "https", multiple=True, metavar="URL=FILE",
              help="Answer requests to URL (without its query) with the XML in FILE; other "
                   "requests are explored as 'a document came back' and as a failure.")  # fmt: skip
@click.option("--replay-http", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CASSETTE", help="Answer other requests from a recorded cassette (each "
              "request as recorded, and a failure).")  # fmt: skip
@click.option("--from", "from_", metavar="NUMBER", help="The caller's number (decides Geo, Call).")
@click.option("--to", metavar="NUMBER", help="The number called (decides Call).")
@click.option("--at", metavar="ISO-DATETIME", help="When the call starts (decides Schedule).")
@click.option("--tz", metavar="ZONE", help="Time zone for Schedule and --at (default UTC).")
@click.option("--state", metavar="XX", help="Caller's US state (decides Geo).")
@click.option("--county", metavar="NAME", help="Caller's county (decides Geo).")
@click.option("--strict", is_flag=True,
              help="Exit 1 also when a bound (--max-paths, --max-depth) stopped the "
                   "exploration before every path was explored.")  # fmt: skip
def explore(flow: Path | None, scenario: Path | None, max_paths: int, max_depth: int, fmt: str,
            emit_scenarios: Path | None, https: tuple[str, ...], replay_http: Path | None,
            strict: bool, **options: Any) -> None:  # fmt: skip
    """Explore every path of FLOW: each key, silence, hang-up, Dial and HTTP outcome and
    condition result is a branch.

    Reports the number of paths and how they end, command and branch coverage, and each
    problem with the shortest caller script that reproduces it. Call fields given as flags
    decide the conditions they answer instead of both branches being explored (--at:
    Schedule; --from, --state, --county: Geo; --from, --to: Call).

    \b
    Examples:
      callflow explore menu.xml
      callflow explore menu.xml --emit-scenarios tests/scenarios/generated
      callflow explore --scenario scenarios/refill.yaml   its call and HTTP answers
      callflow explore menu.xml --format json > explore.json
      callflow graph menu.xml --coverage explore.json

    Exit status: 0 no warnings, 1 warnings or errors (or the flow has lint errors; with
    --strict, also a bound that stopped the exploration), 2 usage error or unreadable input.
    """
    limits = None
    if scenario is not None:
        given = [name for name in _CALL if options[name] is not None]
        if given or flow is not None:
            what = ", ".join(["FLOW"] * (flow is not None) + [_flag(n) for n in given])
            raise click.UsageError(f"{what}: the scenario gives the flow and the call")
        try:
            scn = load_scenario(scenario)
        except ScenarioError as exc:
            click.echo(exc.finding.render(), err=True)
            sys.exit(EXIT_USAGE)
        flow, context, limits = scn.flow, scn.context, scn.limits
        pinned = decided(context)
        canned = {**scn.http, **_canned(https)}
    elif flow is None:
        raise click.UsageError("give a FLOW file or --scenario FILE")
    else:
        context, pinned = call_context(options), _pinned(options)
        canned = _canned(https)
    cassette = None
    if replay_http is not None:
        try:
            cassette = CassetteResolver.load(replay_http)
        except CassetteError as exc:
            click.echo(f"{exc.file}:{exc.line}:{exc.col}: error {exc.message}", err=True)
            sys.exit(EXIT_USAGE)
    checked = load_flow(flow)
    if checked.unreadable:
        for finding in checked.errors:
            click.echo(finding.render(), err=True)
        sys.exit(EXIT_USAGE)
    if checked.model is None:
        for finding in checked.errors:
            click.echo(finding.render())
        sys.exit(EXIT_FINDINGS)
    progress = _progress()
    out = explore_flow(checked.model, context=context, http=canned, resolver=cassette,
                       limits=limits, max_paths=max_paths,
                  max_depth=max_depth, pinned=pinned, file=str(flow), sha256=g.digest(flow),
                  progress=progress)  # fmt: skip
    if progress is not None:
        click.echo("\r\x1b[K", err=True, nl=False)
    emitted = None
    if emit_scenarios is not None:
        try:
            emitted = write_scenarios(out, checked, emit_scenarios)
        except OSError as exc:
            click.echo(f"callflow explore: cannot write to {emit_scenarios}: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    if fmt == "json":
        click.echo(json.dumps(json_report(out, emitted), indent=2, ensure_ascii=False))
    else:
        colour = wants_colour(sys.stdout)
        for line in text_report(out, colour):
            click.echo(line, color=colour)
        if emitted is not None:
            covered = len(emitted.covered & set(out.samples))
            wrote = f"wrote {len(emitted.written)} scenario files to {emit_scenarios}"
            click.echo(f"{wrote} (covering {covered} of the {len(out.samples)} branches taken)")
    if emitted is not None:
        for name, reason in emitted.failed:
            click.echo(f"callflow explore: warning: {name} not written: {reason}", err=True)
    bad = any(p.severity in ("warning", "error") for p in out.problems.values())
    if strict and out.bounded():
        click.echo(f"callflow explore: {header(out)} (--strict)", err=True)
        bad = True
    sys.exit(EXIT_FINDINGS if bad else EXIT_OK)
