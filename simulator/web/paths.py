"""What ``explore`` says of a flow, for the page: coverage of the graph by all the paths, and
each problem (EX codes: dead end, loop, unhandled failure...) with its shortest path as the
buttons that replay it on the phone.

A path's choices become ``Action``s: keys, silence and hang-up as they are; Dial outcomes in
their scenario spelling; a failed request as ``fail``. Choices the phone cannot make the same
way (a request answered by a document the explorer did not know, a condition explored both
ways) end the list there, and the problem says how many of its choices replay.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from callflow import graph as g
from callflow import model as m
from simulator.caller import DialOutcome, Press
from simulator.choices import HANGUP
from simulator.explore import FAILED, Choice, Path, explore
from simulator.scenario_yaml import outcome_yaml
from simulator.web.phone import Action

MAX_PATHS = 2000
MAX_DEPTH = 60


def actions(path: Path | None) -> tuple[list[Action], bool]:
    """The buttons that replay ``path``, and whether they replay all of it."""
    if path is None:
        return [], False
    out: list[Action] = []
    for choice in path.choices:
        action = _action(choice)
        if action is None:
            return out, False
        out.append(action)
    return out, True


def _action(choice: Choice) -> Action | None:
    answer = choice.answer
    if choice.kind == "keys":
        if answer is HANGUP:
            return Action("hangup")
        if isinstance(answer, Press) and answer.digits:
            return Action("keys", answer.digits)
        return Action("silence")
    if choice.kind == "dial" and all(isinstance(o, DialOutcome) for o in answer):
        said = [outcome_yaml(o) for o in answer]
        return Action("dial", said[0] if len(set(said)) == 1 else ", ".join(said))
    if choice.kind == "http" and answer == FAILED:
        return Action("http", "fail")
    return None


def explored(model: m.Response, path: FilePath) -> dict[str, Any]:
    """Coverage (step ids run, branch edges taken) and problems with their replays."""
    found = explore(model, file=str(path), max_paths=MAX_PATHS, max_depth=MAX_DEPTH)
    tally = found.tally
    assert tally is not None
    shown = {step.id for step in g.build(model).steps}  # a Gather's prompts are not steps
    steps = sorted(
        g.step_id(site)
        for site, hits in tally.command_hits.items()
        if hits
        if g.step_id(site) in shown
    )
    branches = sorted(f"{site}|{label}" for (site, label), hits in tally.branch_hits.items()
                      if hits)  # fmt: skip
    problems = []
    for problem in found.problems.values():
        replay, whole = actions(problem.path)
        problems.append({
            "code": problem.code,
            "severity": problem.severity,
            "message": problem.message,
            "line": problem.line if problem.file in (None, str(path)) else None,
            "paths": problem.count,
            "script": problem.path.script() if problem.path is not None else "",
            "actions": [{"kind": a.kind, "value": a.value} for a in replay],
            "whole": whole,
        })  # fmt: skip
    return {
        "paths": found.paths,
        "complete": not found.bounded(),
        "steps": steps,
        "branches": branches,
        "commands_percent": round(tally.percent("commands"), 1),
        "branches_percent": round(tally.percent("branches"), 1),
        "problems": problems,
    }
