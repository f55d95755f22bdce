"""Explored paths as scenario files: tests the user can keep, that reproduce each path.

Which paths: the shortest path of every problem group (a dead end, a loop, a bound, a failure
no handler catches), then, greedily, paths until every branch the explorer took is covered.
Each file holds what the path needs and nothing more: the caller's keys in order, the outcome of
each destination dialled and of each URL requested, the call fields its conditions need
(``simulator.solve``), and as expectations the prompts, dials and requests of the path in order,
how the call ends and at which line. A loop is written with its cycle once more and a hop bound
just above the path's, so the scenario ends with ``limit`` where the flow would go round for
ever. Every file is loaded and run before it is kept; one that does not pass is reported, not
written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml

from callflow import graph
from simulator.caller import CallerAction, CallerScript, HangUp, Press, Silence
from simulator.choices import HANGUP, UNKNOWN_DOCUMENT
from simulator.context import CallContext
from simulator.coverage import describe
from simulator.explore import PLACEHOLDER, Answer, Exploration, Path
from simulator.http import Canned, without_query
from simulator.limits import Limits
from simulator.scenario import Flow, ScenarioError, load_scenario, run_scenario
from simulator.scenario_yaml import action_yaml, canned_yaml, limits_yaml, outcome_yaml, relative
from simulator.solve import solve

KEPT = ("EX001", "EX002", "EX003", "EX004", "EX008")
"""Problems whose paths are worth keeping as tests."""
_ENDS = {
    "hangup": "hangup", "end-of-document": "hangup", "caller-hangup": "caller-hangup",
    "limit": "limit", "error": "error", "unknown-document": "hangup", "loop": "limit",
}  # fmt: skip
_AT_LINE = ("hangup", "end-of-document", "caller-hangup", "limit", "error")
_DEFAULT = CallContext()


@dataclass
class Emitted:
    """What ``write_scenarios`` did."""

    written: list[FilePath] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(file name, why it did not pass) for paths that could not be reproduced."""
    covered: set[tuple[str, str]] = field(default_factory=set)


def chosen(exploration: Exploration) -> list[tuple[Path, str]]:
    """The paths to write, each with why: problems first, then a greedy cover of the branches."""
    picked: dict[int, tuple[Path, str]] = {}
    problems = sorted(exploration.problems.values(), key=lambda p: (p.line or 0, p.code))
    for problem in problems:
        if problem.code in KEPT and problem.path is not None:
            where = f" (line {problem.line})" if problem.line is not None else ""
            picked.setdefault(problem.path.number, (problem.path, problem.message + where))
    covered = {b for path, _ in picked.values() for b in path.branches}
    need = set(exploration.samples) - covered
    candidates = {p.number: p for p in exploration.samples.values()}
    sites = {(s.id, s.label): s for s in graph.branches(exploration.flow)}
    while need:
        best = max(candidates.values(),
                   key=lambda p: (len(p.branches & need), -len(p.choices), -p.number))  # fmt: skip
        new = sorted(best.branches & need, key=lambda b: list(sites).index(b) if b in sites else 0)
        names = [_branch(sites.get(b)) for b in new[:4]]
        more = f" and {len(new) - 4} more" if len(new) > 4 else ""
        picked.setdefault(best.number, (best, "covers " + "; ".join(names) + more))
        need -= best.branches
        del candidates[best.number]
    return sorted(picked.values(), key=lambda item: item[0].number)


def _branch(site: graph.Site | None) -> str:
    if site is None:
        return "a branch"
    where = f" line {site.line}" if site.line is not None else ""
    return f"{site.command}{where} {describe(site.label)}"


@dataclass(frozen=True, slots=True)
class Replay:
    """The scripted call a path stands for: what a scenario file of it holds."""

    caller: CallerScript
    context: CallContext
    http: dict[str, Canned]
    limits: Limits


class Unreplayable(Exception):
    """A path no scenario file can reproduce (the reason is the message)."""


def replay(path: Path, exploration: Exploration) -> Replay:
    """The call that takes ``path`` (a loop: once more round, to a bound)."""
    context = solve(path.world.holds, exploration.context)
    if context is None:
        raise Unreplayable("no call satisfies the conditions of this path")
    choices = list(path.choices)
    limits = exploration.limits
    if path.ending == "loop" and path.hops is not None:
        first, _, hops = path.hops
        choices += choices[first:]  # once more round the cycle, to the hop that is one too many
        limits = Limits(limits.max_steps, limits.max_time_ms, max(1, hops))
    actions = tuple(_action(c.answer) for c in choices if c.kind == "keys")
    caller = CallerScript(actions, dict(path.world.dial))
    http: dict[str, Canned] = {}
    for url, answer in path.world.http:
        base, canned = without_query(url), _canned(answer)
        if http.setdefault(base, canned) != canned:
            raise Unreplayable(f"{base} answers differently to different queries on this path; "
                               "a scenario answers each URL one way")  # fmt: skip
    return Replay(caller, context, http, limits)


def _action(answer: Any) -> CallerAction:
    if answer is HANGUP:
        return HangUp()
    return answer if isinstance(answer, Press) else Silence()


def _canned(answer: Answer) -> Canned:
    """A canned answer that makes the machine take the same branch as ``answer`` did."""
    if answer.canned is not None:
        return answer.canned
    got = answer.answer
    if got is UNKNOWN_DOCUMENT:
        return Canned(xml=PLACEHOLDER)
    if not got.ok:
        return Canned(status=got.status if got.status and got.error is None else 503)
    return Canned(xml=got.text, status=got.status or 200) if got.text else Canned()


def scenario_data(path: Path, exploration: Exploration, flow: FilePath,
                  folder: FilePath) -> dict[str, Any]:  # fmt: skip
    """A scenario of ``path`` as data (file paths relative to ``folder``): the call, the
    caller, dial and HTTP answers, bounds and expectations. ``Unreplayable`` when none fits."""
    call = replay(path, exploration)
    data: dict[str, Any] = {"flow": relative(flow, folder),
                            "description": f"path {path.number}: {path.script()}"}  # fmt: skip
    context = _call(call.context)
    if context:
        data["call"] = context
    if call.caller.actions:
        data["caller"] = [action_yaml(a) for a in call.caller.actions]
    if call.caller.dial:
        data["dial"] = {target: outcome_yaml(o) for target, o in call.caller.dial.items()}
    if call.http:
        data["http"] = {url: canned_yaml(c, folder) for url, c in call.http.items()}
    bounds = {k: v for k, v in limits_yaml(call.limits).items() if v != limits_yaml(Limits())[k]}
    if bounds:
        data["limits"] = bounds
    expect = _expectations(path)
    if expect:
        data["expect"] = expect
    return data


def scenario_yaml(path: Path, exploration: Exploration, flow: FilePath, folder: FilePath,
                  why: str) -> str:  # fmt: skip
    """The scenario file of ``path`` (file paths in it relative to ``folder``)."""
    data = scenario_data(path, exploration, flow, folder)
    head = f"# Written by `callflow explore` from {flow.name}: {why}.\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def call_fields(path: Path, exploration: Exploration) -> dict[str, Any]:
    """The call fields a path needs beyond the defaults (``call:`` of its scenario)."""
    try:
        return _call(replay(path, exploration).context)
    except Unreplayable:
        return {}


def _call(context: CallContext) -> dict[str, Any]:
    call: dict[str, Any] = {}
    for key, attr in (("from", "from_"), ("to", "to"), ("direction", "direction"),
                      ("state", "state"), ("county", "county"), ("call_uuid", "call_uuid"),
                      ("app_uuid", "app_uuid")):  # fmt: skip
        value = getattr(context, attr)
        if value != getattr(_DEFAULT, attr) and value is not None:
            call[key] = value
    if context.start != _DEFAULT.start:
        call["at"] = context.start.isoformat()
    if context.tz != _DEFAULT.tz:
        call["tz"] = context.tz
    if context.extra:
        call["extra"] = dict(context.extra)
    return call


_REGEX_LIKE = re.compile(r"/.*/[ims]*", re.DOTALL)


def _expectations(path: Path) -> list[dict[str, Any]]:
    """The path's prompts, plays, dials and requests in order, then how and where it ends."""
    expect: list[dict[str, Any]] = []
    for event in path.events:
        data = event.data
        value: Any = None
        if event.kind == "say":
            value = str(data.get("text", "")).strip()
        elif event.kind == "play":
            value = data.get("url") or data.get("record")
        elif event.kind == "dial" and data.get("targets"):
            value = data["targets"][0]
        elif event.kind == "http":
            value = without_query(str(data.get("url", "")))
        if value and not _REGEX_LIKE.fullmatch(str(value)):
            expect.append({event.kind: str(value)})
    ending = _ENDS.get(path.ending)
    if ending is not None:
        expect.append({"ends": ending})
    if path.ending in _AT_LINE:
        line = next((e.line for e in reversed(path.events) if e.line is not None), None)
        if line is not None:
            expect.append({"at_line": line})
    return expect


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-") or "path"


def write_scenarios(exploration: Exploration, flow: Flow, folder: FilePath) -> Emitted:
    """Write the chosen paths as scenario files in ``folder``; keep only those that pass."""
    folder.mkdir(parents=True, exist_ok=True)
    done = Emitted()
    stem = flow.path.stem
    for index, (path, why) in enumerate(chosen(exploration), start=1):
        name = f"{stem}-{index:02d}-{_slug(path.script())}.yaml"
        try:
            text = scenario_yaml(path, exploration, flow.path, folder, why)
        except Unreplayable as exc:
            done.failed.append((name, str(exc)))
            continue
        target = folder / name
        target.write_text(text, encoding="utf-8")
        problem = _check(target, flow)
        if problem is not None:
            target.unlink()
            done.failed.append((name, problem))
            continue
        done.written.append(target)
        done.covered |= path.branches
    return done


def _check(target: FilePath, flow: Flow) -> str | None:
    """Why the scenario in ``target`` does not pass (None when it does)."""
    try:
        run = run_scenario(load_scenario(target), flow)
    except ScenarioError as exc:
        return exc.finding.render()
    return None if run.passed else run.headline()
