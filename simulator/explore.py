"""Every path through a flow: each outside choice is a branch, explored depth first.

The choices: at a wait for keys, each ``DTMF`` value, an input no value matches, silence and
the caller hanging up (every Gather attempt; a Pause or Record with ``dtmf_stop``: its stop key,
silence, hang-up); at a Dial, answer, busy or no answer; at an HTTP request, the canned answer
(``http``, or ``resolver``) or with none "fetched (unknown document)", and a failure; at a
``Call``/``Geo``/``Schedule``, true and false (unless ``pinned``: then the call's fields decide).

**Work is shared between paths.** The machine (``simulator.machine``) stops at a choice point;
the explorer forks it once per option and resumes each copy, so a common prefix runs once.

**A path is real or it is not taken.** The outside world must be consistent along a path: a
destination that was busy stays busy, a URL answers the same way each time (as a scenario's
canned answers do), and one call must satisfy every condition chosen (``simulator.solve``).
Options that break this are not explored, so every path replays as a scripted call
(``simulator.emit`` writes them as scenario files).

**Loops.** At each choice point the *place* (document, frames, recordings made and running, the
command to resume) plus what the world has committed to (dial and HTTP outcomes, condition
results) is the state; the clock, step and hop counts are not part of it. When a path reaches a
state it has been in, the same choices could repeat forever: the path ends there as a loop.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from callflow import graph
from callflow import model as m
from simulator.caller import DialOutcome, Press
from simulator.choices import (
    HANGUP,
    SUSPEND,
    UNKNOWN_DOCUMENT,
    ConditionPoint,
    DialPoint,
    HttpPoint,
    KeyAnswer,
    Point,
    Suspend,
    Wait,
    failed_request,
)
from simulator.context import CallContext
from simulator.coverage import Tally
from simulator.documents import answered
from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest, Resolver, without_query
from simulator.limits import Limits
from simulator.machine import Before, Machine, ring
from simulator.solve import Holds, solve
from simulator.transcript import Event

FAILED = HttpAnswer(503, "")
"""The explorer's failed request: the server answers 503 (a scenario writes ``status: 503``)."""
PLACEHOLDER = "<Response><Hangup/></Response>"
"""What an emitted scenario answers where the explorer only knew "a document came back"."""

CONDITION_KINDS: dict[type[m.Node], str] = {m.Call: "call", m.Geo: "geo", m.Schedule: "schedule"}


class Answer(NamedTuple):
    """How a URL answered on a path: ``ok`` or ``fail``, the answer, and its canned source."""

    label: str
    answer: HttpAnswer
    canned: Canned | None


class World(NamedTuple):
    """What the outside world committed to on a path, besides the caller's keys."""

    dial: tuple[tuple[str, DialOutcome], ...] = ()
    http: tuple[tuple[str, Answer], ...] = ()
    holds: tuple[Holds, ...] = ()

    def key(self) -> tuple[Any, ...]:
        """The world without the clock (conditions by node and result, not by time)."""
        return (self.dial, tuple((u, a.label) for u, a in self.http),
                frozenset((id(h.node), h.truth) for h in self.holds))  # fmt: skip


class Choice(NamedTuple):
    """One decision on a path: at which point, what for people, what the machine was given."""

    kind: str
    """``keys``, ``dial``, ``http`` or ``condition``."""
    node: m.Node
    label: str
    answer: Any
    at_ms: int


@dataclass(frozen=True, slots=True)
class Path:
    """One explored path, with everything needed to replay it as a scenario."""

    number: int
    choices: tuple[Choice, ...]
    world: World
    ending: str
    """An ``Ending`` of the machine, or ``loop``, ``depth`` (cut at ``max_depth``),
    ``infeasible`` (no call takes any option at a condition)."""
    events: tuple[Event, ...]
    reason: str | None
    branches: frozenset[tuple[str, str]]
    hops: tuple[int, int, int] | None = None
    """For a loop: choices made before the state was first seen, HTTP hops then and now."""

    def script(self) -> str:
        """The path's choices in order, for people: ``press 2, silence, Dial busy``."""
        return ", ".join(c.label for c in self.choices) or "no choices"


@dataclass
class Problem:
    """Paths that end badly in the same way at the same place, and the shortest of them."""

    code: str
    severity: str
    message: str
    line: int | None
    col: int | None
    file: str | None
    path: Path | None = None
    count: int = 0


class Unexplored(NamedTuple):
    """Commands and branches no explored path reached (a summary, not findings)."""

    commands: int
    branches: int
    first_commands: tuple[graph.Site, ...]
    first_branches: tuple[graph.Site, ...]


@dataclass
class Exploration:
    """What ``explore`` found."""

    flow: m.Response
    file: str | None
    context: CallContext
    limits: Limits
    http: Mapping[str, Canned]
    paths: int = 0
    complete: bool = True
    endings: Counter[str] = field(default_factory=Counter)
    tally: Tally | None = None
    problems: dict[tuple[Any, ...], Problem] = field(default_factory=dict)
    samples: dict[tuple[str, str], Path] = field(default_factory=dict)
    """The shortest path found for every branch taken."""
    max_depth: int = 0
    every: list[Path] | None = None
    """Every path, in the order found (only with ``explore(keep=True)``)."""
    max_paths: int = 0

    def bounded(self) -> bool:
        """Did a bound stop the exploration (``max_paths``, or paths cut at ``max_depth``)?"""
        return not self.complete or self.endings["depth"] > 0

    def stopped_by(self) -> list[str]:
        """The bounds that stopped the exploration, with their values (``--max-paths=10000``);
        empty when every path was explored."""
        found = []
        if not self.complete:
            found.append(f"--max-paths={self.max_paths}")
        if self.endings["depth"] > 0:
            found.append(f"--max-depth={self.max_depth}")
        return found

    def unexplored(self, first: int = 5) -> Unexplored:
        """What no path reached, as a count and the first few: after a bound stopped the
        exploration these are not known to be unreachable, only not yet explored."""
        assert self.tally is not None
        commands = self.tally.uncovered_commands()
        branches = self.tally.uncovered_branches()
        return Unexplored(len(commands), len(branches), tuple(commands[:first]),
                          tuple(branches[:first]))  # fmt: skip

    def listed_branches(self) -> list[graph.Site]:
        """The branches some path took, in document order."""
        assert self.tally is not None
        return [b for b in self.tally.branches if (b.id, b.label) in self.samples]


class _Suspending:
    """The explorer's provider: stop at every choice (a pinned condition is evaluated)."""

    def __init__(self, pinned: frozenset[str]) -> None:
        self.pinned = pinned

    def keys(self, point: Wait) -> Suspend:
        return SUSPEND

    def dial(self, point: DialPoint) -> Suspend:
        return SUSPEND

    def http(self, point: HttpPoint) -> Suspend:
        return SUSPEND

    def condition(self, point: ConditionPoint) -> Suspend | None:
        node = point.node
        if CONDITION_KINDS[type(node)] in self.pinned or graph.FALSE not in graph.branch_labels(
            node
        ):
            return None  # decided by the call's fields, or no condition at all: always true
        return SUSPEND


Options = list[tuple[Choice, World]]
Progress = Callable[[int], None]


def explore(
    flow: m.Response,
    *,
    context: CallContext | None = None,
    http: Mapping[str, Canned] | None = None,
    resolver: Resolver | None = None,
    limits: Limits | None = None,
    max_paths: int = 10_000,
    max_depth: int = 100,
    pinned: frozenset[str] = frozenset(),
    file: str | None = None,
    sha256: str | None = None,
    progress: Progress | None = None,
    keep: bool = False,
) -> Exploration:
    """Explore every path of ``flow`` (up to ``max_paths`` paths of ``max_depth`` choices).

    ``http`` are canned answers by URL (without query), as in scenarios; ``resolver`` answers
    other URLs (a cassette, an app); with neither a request is "fetched (unknown document)" or
    failed. ``pinned`` names condition kinds (``call``, ``geo``, ``schedule``) decided by
    ``context`` instead of explored both ways. ``sha256`` names the flow file's version in the
    coverage report (``callflow.graph.digest``). ``progress`` is called with the number of
    paths now and then. ``keep`` keeps every path (``Exploration.every``), not only the
    shortest of each branch and problem.
    """
    explorer = _Explorer(flow, context or CallContext(), dict(http or {}), resolver,
                         limits or Limits(), max_paths, max_depth, pinned, file, sha256,
                         progress)  # fmt: skip
    if keep:
        explorer.out.every = []
    return explorer.run()


class _Entry(NamedTuple):
    """A machine waiting to be resumed on the DFS stack, with its path so far."""

    machine: Machine
    answer: Any
    world: World
    choices: tuple[Any, ...]
    """A persistent list: ``()`` or ``(choice, older)``; paths share their prefix."""
    depth: int
    seen: dict[Any, tuple[int, int]]


_START: Any = object()


class _Explorer:
    def __init__(self, flow: m.Response, context: CallContext, http: dict[str, Canned],
                 resolver: Resolver | None, limits: Limits, max_paths: int, max_depth: int,
                 pinned: frozenset[str], file: str | None, sha256: str | None,
                 progress: Progress | None) -> None:  # fmt: skip
        self.flow = flow
        self.file = file if file is not None else (flow.pos.file if flow.pos else None)
        self.root_file = self.file
        self.context = context
        self.canned = CannedResolver(http)
        self.resolver = resolver
        self.limits = limits
        self.max_paths = max_paths
        self.max_depth = max_depth
        self.pinned = pinned
        self.progress = progress
        self.out = Exploration(flow, self.file, context, limits, http, max_depth=max_depth,
                               max_paths=max_paths)  # fmt: skip
        self.out.tally = Tally(flow, self.file or "<flow>", sha256)
        self.keys: dict[int, list[tuple[str, KeyAnswer]]] = {}
        self.known: dict[tuple[str, str, str], tuple[HttpAnswer, Canned | None] | None] = {}
        self.lines: dict[int, m.Node] = {}
        for _, node, _, _ in graph.walk(flow):
            if node.IS_COMMAND and node.pos is not None:
                self.lines.setdefault(node.pos.line, node)

    def run(self) -> Exploration:
        root = Machine(self.flow, _Suspending(self.pinned), self.context, self.limits,
                       self.file, trace=True)  # fmt: skip
        stack = [_Entry(root, _START, World(), (), 0, {})]
        out = self.out
        while stack:
            if out.paths >= self.max_paths:
                out.complete = False
                break
            entry = stack.pop()
            machine = entry.machine
            done = machine.run() if entry.answer is _START else machine.resume(entry.answer)
            if done:
                self.finish(entry, machine.ending or "hangup", machine.result.reason
                            if machine.result else None)  # fmt: skip
                continue
            point = machine.pending
            assert point is not None and not isinstance(point, Before)
            key = (machine.place(), entry.world.key())
            if key in entry.seen:
                first, hops = entry.seen[key]
                self.finish(entry, "loop", None, (first, hops, machine.hops), point.node)
                continue
            if entry.depth >= self.max_depth:
                self.finish(entry, "depth", None, None, point.node)
                continue
            options = self.options(point, entry.world)
            if not options:
                self.finish(entry, "infeasible", None, None, point.node)
                continue
            seen = {**entry.seen, key: (entry.depth, machine.hops)}
            depth = entry.depth + 1
            forks = [machine.fork() for _ in options[1:]]
            for (choice, world), fork in reversed(list(zip(options[1:], forks, strict=True))):
                stack.append(_Entry(fork, choice.answer, world, (choice, entry.choices),
                                    depth, seen))  # fmt: skip
            choice, world = options[0]
            stack.append(_Entry(machine, choice.answer, world, (choice, entry.choices),
                                depth, seen))  # fmt: skip
        self.unreached()
        return out

    # ---- options at a choice point -----------------------------------------------------

    def options(self, point: Point, world: World) -> Options:
        if type(point) is Wait:
            return [(Choice("keys", point.node, label, answer, point.now), world)
                    for label, answer in self.key_options(point.node)]  # fmt: skip
        if type(point) is DialPoint:
            return self.dial_options(point, world)
        if type(point) is HttpPoint:
            return self.http_options(point, world)
        assert type(point) is ConditionPoint
        return self.condition_options(point, world)

    def key_options(self, node: m.Gather | m.Pause | m.Record) -> list[tuple[str, KeyAnswer]]:
        """Options at a wait for keys (the same at every visit of the node)."""
        cached = self.keys.get(id(node))
        if cached is not None:
            return cached
        found: list[tuple[str, KeyAnswer]] = []
        if isinstance(node, m.Gather):
            stop = node.dtmf_stop if node.dtmf_stop in graph.KEYS else ""

            def keys(digits: str) -> Press:  # shorter than dtmf_length: end it with the stop key
                return Press(digits if len(digits) >= node.dtmf_length else digits + stop)

            if node.url:
                anything = next(k for k in graph.KEYS if k != node.dtmf_stop)
                found.append((f"press {anything}", keys(anything)))
            else:
                for value in dict.fromkeys(b.value for b in node.branches):
                    if graph.enterable(node, value):
                        found.append((f"press {value}", keys(value)))
                other = graph.unmatched_input(node)
                if other is not None:
                    found.append((f"press {other} (other)", keys(other)))
        else:
            stop = node.dtmf_stop or ""
            found.append((f"press {stop[0]}", Press(stop[0])))
        found += [("silence", None), ("hang up", HANGUP)]
        self.keys[id(node)] = found
        return found

    def dial_options(self, point: DialPoint, world: World) -> Options:
        """Answer, busy, no answer: each as one outcome per destination, keeping the outcomes
        destinations already had on this path (a scenario gives one outcome per destination)."""
        node, targets = point.node, point.targets
        had = dict(world.dial)
        wanted = (
            ("answer", DialOutcome("answer", after_ms=min(3000, node.timeout))),
            ("busy", DialOutcome("busy")),
            ("no-answer", DialOutcome("no-answer")),
        )
        found: Options = []
        tried: set[tuple[DialOutcome, ...]] = set()
        for want, outcome in wanted:
            outcomes = tuple(had.get(t, outcome) for t in targets)
            if outcomes in tried or ring(targets, outcomes, node.timeout)[0] != want:
                continue
            tried.add(outcomes)
            new = tuple((t, o) for t, o in zip(targets, outcomes, strict=True) if t not in had)
            label = f"Dial {want.replace('-', ' ')}"
            choice = Choice("dial", node, label, outcomes, point.now)
            found.append((choice, world._replace(dial=world.dial + tuple(dict(new).items()))))
        return found

    def http_options(self, point: HttpPoint, world: World) -> Options:
        """The answer known for the request (and a failure), else "a document came back" and a
        failure. A URL answers alike along a path: by URL without its query, as canned answers
        do; a resolver's answers by the whole URL (a backend may answer each query its way)."""
        node, request = point.node, point.request
        known = self.answer(request)
        url = request.url if known is not None and known[1] is None else without_query(request.url)
        name = f"{node.TAG} {'url ' if isinstance(node, m.Gather) else ''}"
        had = dict(world.http).get(url)
        if had is not None:
            return [(Choice("http", node, name + had.label, had.answer, point.now), world)]
        answers: list[Answer]
        if known is None:
            ok = HttpAnswer(200, "") if isinstance(node, m.Curl) else UNKNOWN_DOCUMENT
            answers = [Answer("ok", ok, None), Answer("fail", FAILED, Canned(status=503))]
        else:
            answer, canned = known
            label = self.outcome(node, request, answer)
            answers = [Answer(label, answer, canned)]
            if label == "ok":
                answers.append(Answer("fail", FAILED, Canned(status=503)))
        return [(Choice("http", node, name + a.label, a.answer, point.now),
                 world._replace(http=(*world.http, (url, a)))) for a in answers]  # fmt: skip

    def answer(self, request: HttpRequest) -> tuple[HttpAnswer, Canned | None] | None:
        """The canned (or resolved) answer to ``request``; None when nobody gave one. Asked
        once per distinct request: every path gets the same answer (a cassette would otherwise
        hand out its recordings in the order paths happen to ask)."""
        body = json.dumps(request.body, sort_keys=True, default=str)
        key = (request.method.upper(), request.url, body)
        if key in self.known:
            return self.known[key]
        found: tuple[HttpAnswer, Canned | None] | None = None
        url = without_query(request.url)
        canned = self.canned.answers.get(url) or self.canned.answers.get(request.url)
        if canned is not None:
            found = self.canned.resolve(request), canned
        elif self.resolver is not None:
            try:
                found = self.resolver.resolve(request), None
            except Exception as exc:  # a resolver's bug is a failed request, as in a call
                found = failed_request(exc), None
        self.known[key] = found
        return found

    def outcome(self, node: m.Node, request: HttpRequest, answer: HttpAnswer) -> str:
        """Whether the machine will take the ``ok`` or the ``fail`` branch with ``answer``."""
        if not answer.ok or answer.elapsed_ms > request.timeout_ms:
            return "fail"
        if isinstance(node, m.Curl):
            return "ok"
        url = node.url or ""  # type: ignore[attr-defined]
        return "ok" if answered(answer, url)[0] is not None else "fail"

    def condition_options(self, point: ConditionPoint, world: World) -> Options:
        node = point.node
        found: Options = []
        for label in graph.branch_labels(node):
            truth = label == graph.TRUE
            hold = Holds(node, point.now, truth)
            same = [h for h in world.holds if type(h.node) is type(node)]
            if solve([*same, hold], self.context) is None:
                continue
            choice = Choice("condition", node, f"{node.TAG} {label}", truth, point.now)
            found.append((choice, world._replace(holds=(*world.holds, hold))))
        return found

    # ---- the end of a path ----------------------------------------------------------------

    def finish(
        self, entry: _Entry, ending: str, reason: str | None,
        hops: tuple[int, int, int] | None = None, at: m.Node | None = None,
    ) -> None:  # fmt: skip
        out = self.out
        assert out.tally is not None
        machine = entry.machine
        out.paths += 1
        out.endings[ending] += 1
        if self.progress is not None and out.paths % 500 == 0:
            self.progress(out.paths)
        _, branches = out.tally.add(machine.trail)
        made: list[Path] = []

        def path() -> Path:
            if not made:
                choices: list[Choice] = []
                cell = entry.choices
                while cell:
                    choice, cell = cell
                    choices.append(choice)
                made.append(Path(out.paths, tuple(reversed(choices)), entry.world, ending,
                                 tuple(machine.events), reason, branches, hops))  # fmt: skip
            return made[0]

        depth = entry.depth
        if out.every is not None:
            out.every.append(path())
        for branch in branches:
            best = out.samples.get(branch)
            if best is None or depth < len(best.choices):
                out.samples[branch] = path()
        for key, problem in self.problems(machine.events, ending, reason, at):
            held = out.problems.setdefault(key, problem)
            held.count += 1
            if held.path is None or depth < len(held.path.choices):
                held.path = path()

    def problems(self, events: list[Event], ending: str, reason: str | None,
                 at: m.Node | None) -> list[tuple[tuple[Any, ...], Problem]]:  # fmt: skip
        """The problem groups a path belongs to (keyed by kind and place)."""
        found: list[tuple[tuple[Any, ...], Problem]] = []
        for event in events:
            if event.kind == "error" and not event.data.get("handled", True):
                why = f"a failure no Error handler catches: {event.data.get('reason')}"
                problem = self.problem("EX004", "warning", why, event.line, event.file)
                found.append((("unhandled", event.file, event.line), problem))
        if ending == "end-of-document":
            last = next((e for e in reversed(events) if e.line is not None), None)
            line, source = (last.line, last.file) if last is not None else (None, self.file)
            why = "the call runs out of document here (no Hangup): it is hung up"
            found.append((("eod", source, line), self.problem("EX001", "info", why, line, source)))
        elif ending == "loop" and at is not None:
            why = (f"the call can come back to this {at.TAG} with nothing changed, and go round "
                   f"for ever (until a bound ends it)")  # fmt: skip
            found.append((("loop", id(at)), self.node_problem("EX002", "warning", why, at)))
        elif ending == "limit":
            why = f"a bound ends the call: {reason}"
            found.append((("limit", reason), self.problem("EX003", "warning", why, None, None)))
        elif ending == "error":
            why = f"the call cannot go on: {reason}"
            found.append((("error", reason), self.problem("EX008", "error", why, None, None)))
        elif ending == "depth" and at is not None:
            why = f"paths stop here after {self.max_depth} choices (--max-depth)"
            found.append((("depth",), self.node_problem("EX006", "info", why, at)))
        elif ending == "infeasible" and at is not None:
            why = f"no call takes either branch of this {at.TAG} on this path"
            found.append((("infeasible", id(at)), self.node_problem("EX007", "info", why, at)))
        return found

    def problem(self, code: str, severity: str, message: str, line: int | None,
                file: str | None) -> Problem:  # fmt: skip
        """A problem at a line of a document; the column of the command there, when known."""
        node = self.lines.get(line) if line is not None and file == self.root_file else None
        col = node.pos.col if node is not None and node.pos is not None else None
        return Problem(code, severity, message, line, col, file)

    def node_problem(self, code: str, severity: str, message: str, node: m.Node) -> Problem:
        pos = node.pos
        file = pos.file if pos is not None and pos.file else self.file
        return Problem(code, severity, message, pos.line if pos else None,
                       pos.col if pos else None, file)  # fmt: skip

    def unreached(self) -> None:
        """Commands no path reached: a warning after a complete exploration. When a bound
        stopped it, they are only unexplored: ``Exploration.unexplored`` sums them up instead."""
        out = self.out
        assert out.tally is not None
        if out.bounded():
            return
        severity = "info" if self.pinned else "warning"
        for site in out.tally.uncovered_commands():
            why = f"no path reaches this {site.command}"
            if self.pinned:
                why += " with the call fields given"
            problem = self.problem("EX005", severity, why, site.line, self.file)
            problem.count = 1
            out.problems[("unreached", site.id)] = problem
