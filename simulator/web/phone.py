"""One call placed from the page: a debugger session answered by buttons, not typed lines.

The page never sends text for the debugger to read: each button is an ``Action`` checked here
(keys are digits, ``*`` and ``#``; a Dial outcome is one of the debugger's words; an HTTP
answer is fail, timeout, a status, the configured answer or a typed XML document), then turned
into the line the debugger's own prompt would take (a document goes to ``answer_document``: the
page never names a file for the server to read). So the page walks a flow exactly as ``simulate
--interactive`` does, and its ``save`` writes the same scenario file.

Step back replays every answer but the last on a fresh call: the machine is deterministic,
so the replay lands where the call was before that answer. Live reload replays the answers on
the new version of the flow for as long as they are still accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callflow import graph as g
from callflow import model as m
from simulator.caller import CallerScript
from simulator.choices import DialPoint, HttpPoint, Wait
from simulator.debugger import DIAL_WORDS, Line, Refused, Session, Setup
from simulator.debugger_save import save
from simulator.http import Resolver
from simulator.machine import Before
from simulator.render import clock, details, summary_line
from simulator.resolvers.routing import close_resolver
from simulator.scenario import Flow, Scenario, ScenarioError, load_flow, resolver

__all__ = ["SAVE_NAME", "Action", "Phone", "Refused"]

KEYS = re.compile(r"[0-9*#]{1,32}")
_OUTCOME = r"(?:answer(?::[0-9]{1,9}){0,2}|busy|no-answer|fail)"
DIAL = re.compile(rf"{_OUTCOME}(?:, ?{_OUTCOME}){{0,15}}")
"""Dial outcomes as the debugger takes them: one for every destination, or one each."""
STATUS = re.compile(r"[1-5][0-9][0-9]")
SAVE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.ya?ml")
"""A scenario file name the page may write: no folder, no leading dot, ``.yaml`` or ``.yml``."""
HTTP_ANSWERS = ("default", "fail", "timeout", "status")
ACTIONS = ("keys", "silence", "hangup", "dial", "http")
"""What a caller (or the world) can answer; ``restart`` and ``back`` move the call."""


@dataclass(frozen=True, slots=True)
class Action:
    """One button: ``kind`` is an entry of ``ACTIONS``; ``value`` its keys, outcome or answer."""

    kind: str
    value: str = ""

    def line(self) -> str:
        """The line the debugger's prompt takes for this answer; ``Refused`` when malformed."""
        kind, value = self.kind, self.value.strip()
        if kind == "keys":
            if not KEYS.fullmatch(value):
                raise Refused(f"keys are 1 to 32 of 0-9, * and #, not {value!r}")
            return value
        if kind in ("silence", "hangup"):
            return kind
        if kind == "dial":
            if not DIAL.fullmatch(value):
                raise Refused(
                    f"a Dial outcome is one of {', '.join(DIAL_WORDS)} (answer:AFTER_MS"
                    f"[:TALK_MS]; one per destination, with commas), not {value!r}"
                )
            return value
        if kind == "http":
            if self.document() is not None:
                return value
            if value == "default":
                return ""
            if value in ("fail", "timeout"):
                return value
            word, _, code = value.partition(" ")
            if word == "status" and STATUS.fullmatch(code):
                return f"status {code}"
            raise Refused(
                "an HTTP answer is default, fail, timeout, status CODE or xml DOCUMENT,"
                f" not {value!r}"
            )
        raise Refused(f"unknown action {kind!r}: one of {', '.join(ACTIONS)}, restart or back")

    def document(self) -> str | None:
        """The XML document of an HTTP answer ``xml DOCUMENT`` (typed on the page), else None."""
        parts = self.value.split(None, 1)
        if self.kind != "http" or not parts or parts[0] != "xml":
            return None
        if len(parts) < 2 or not parts[1].strip():
            raise Refused("xml DOCUMENT needs the document: xml <Response>...</Response>")
        return parts[1]


def _opener(scenario: Scenario) -> Callable[[], AbstractContextManager[Resolver]]:
    """The scenario's HTTP answers and backends for one call, closed when the call is."""

    @contextmanager
    def opened() -> Iterator[Resolver]:
        backend = resolver(scenario)
        try:
            yield backend
        finally:
            close_resolver(backend)

    return opened


class Phone:
    """The call of one tab. ``act`` answers; ``state`` is what the page shows.

    ``scenario`` (``callflow serve --scenario``) gives the call's fields, limits, a hang-up
    time, and what answers a request on *default*: its canned answers and backends (a live
    server, the user's app). Without it, the defaults of ``simulate`` and no server.
    """

    def __init__(self, path: Path, name: str, scenario: Scenario | None = None) -> None:
        self.path = path
        self.name = name
        self.scenario = scenario
        """How the page names the flow (its path under the served folder)."""
        self.used = 0.0
        """When the tab last touched the call (``simulator.web.calls`` keeps it)."""
        self.answers: list[Action] = []
        self.notes: list[Line] = []
        self.flow, self.session = self._open()
        self._start()

    def _open(self) -> tuple[Flow, Session]:
        flow = load_flow(self.path)
        if flow.model is None:
            first = flow.errors[0].render() if flow.errors else f"{self.name} cannot be read"
            raise Refused(f"{self.name} has lint errors, so no call can be placed: {first}")
        source = flow.source  # as the parser read it (byte order mark, XML declaration)
        setup = Setup(flow=flow.model, path=self.path, source=source)
        given = self.scenario
        if given is not None:
            setup = Setup(flow=flow.model, path=self.path, source=source, context=given.context,
                          caller=CallerScript(hangup_at_ms=given.caller.hangup_at_ms),
                          http=_opener(given), limits=given.limits)  # fmt: skip
        return flow, Session(setup)

    def _start(self) -> None:
        try:
            self.notes = list(self.session.start().lines[1:])
        except ScenarioError as exc:  # a backend of the scenario cannot be opened
            self.session.close()
            raise Refused(exc.finding.render()) from None
        self._sites = g.site_ids(self.session.setup.flow)
        self._shown = {s.id for s in g.build(self.session.setup.flow).steps}

    def close(self) -> None:
        self.session.close()

    # ---- answering -------------------------------------------------------------------------

    def act(self, action: Action) -> None:
        """Answer the call, restart it, or step back; ``Refused`` says why it cannot be done."""
        if action.kind == "restart":
            self._replay([])
            return
        if action.kind == "back":
            if not self.answers:
                raise Refused("nothing to step back from: no answer was given yet")
            self._replay(self.answers[:-1])
            return
        self._answer(action)

    def _answer(self, action: Action) -> None:
        line = action.line()
        self._expecting(action.kind)
        document = action.document()
        if document is not None:
            reply = self.session.answer_document(document)
        else:
            reply = self.session.execute(line)
        refused = [x.text for x in reply.lines if x.style == "error"]
        if refused:
            raise Refused(refused[0])
        self.answers.append(action)
        self.notes = [x for x in reply.lines if x.event is None]

    def _expecting(self, kind: str) -> None:
        """Refuse an answer the call is not waiting for (a Dial outcome at a Gather...)."""
        if self.session.ended:
            raise Refused("the call is over: restart, step back or save it")
        waiting = self.waiting()
        if kind == "hangup":
            return
        wanted = {"keys": "keys", "silence": "keys", "dial": "dial", "http": "http"}[kind]
        if waiting != wanted:
            raise Refused(f"the call waits for {waiting}, not for {wanted}")

    def _replay(self, answers: list[Action]) -> None:
        """A new call that gets ``answers`` again (a fresh flow when the file changed)."""
        self.session.close()
        self.flow, self.session = self._open()
        self._start()
        self.answers = []
        for action in answers:
            try:
                self._answer(action)
            except Refused:
                break  # the flow changed under the answers: keep the prefix that still holds

    def play(self, answers: list[Action]) -> int:
        """A new call given ``answers`` (a path ``explore`` found); how many of them it took."""
        self._replay(answers)
        return len(self.answers)

    def reload(self) -> int:
        """Read the flow again and replay the answers; how many of them still hold."""
        self._replay(list(self.answers))
        return len(self.answers)

    def save(self, target: Path) -> tuple[bool, str]:
        """Write the call so far as a scenario (the debugger's ``save``): (passes, message)."""
        assert self.flow.model is not None
        return save(self.session.recorded(), target, Flow(self.path, self.flow.model))

    # ---- what the page shows ---------------------------------------------------------------

    def waiting(self) -> str | None:
        """``keys``, ``dial``, ``http``, ``step`` or None (the call is over)."""
        pending = self.session.machine.pending
        if self.session.ended or pending is None:
            return None
        if isinstance(pending, Wait):
            return "keys"
        if isinstance(pending, DialPoint):
            return "dial"
        if isinstance(pending, HttpPoint):
            return "http"
        assert isinstance(pending, Before)
        return "step"

    def current(self) -> m.Node | None:
        machine = self.session.machine
        pending = machine.pending
        if machine.result is None and pending is not None:
            return pending.node
        return machine.node

    def step(self, node: m.Node | None) -> str | None:
        """The graph step showing ``node``: its own, or the Gather whose prompt it is."""
        if node is None or node.pos is None or node.pos.file != self.session.main_file:
            return None
        site = self._sites.get(id(node))
        while site is not None:
            if g.step_id(site) in self._shown:
                return g.step_id(site)
            site = site.rpartition(".")[0] or None
        return None

    def state(self) -> dict[str, Any]:
        machine = self.session.machine
        main = str(self.path)
        node = self.current()
        pending = machine.pending
        result = machine.result
        where = node.pos.line if node is not None and node.pos is not None else None
        in_main = node is not None and node.pos is not None and node.pos.file == main
        return {
            "flow": self.name,
            "transcript": [
                {
                    "t": e.t,
                    "clock": clock(e.t),
                    "line": e.line,
                    "kind": e.kind,
                    "text": details(e, main),
                    "data": _plain(e.data),
                    "main": e.file in (None, main),
                }
                for e in machine.events
            ],
            "waiting": self.waiting(),
            "targets": list(pending.targets) if isinstance(pending, DialPoint) else [],
            "url": pending.request.url if isinstance(pending, HttpPoint) else None,
            "line": where if in_main else None,
            "step": self.step(node),
            "result": summary_line(result) if result is not None else None,
            "notes": [x.text for x in self.notes],
            "answers": [{"kind": a.kind, "value": a.value} for a in self.answers],
            "now": clock(machine.now),
        }


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Event fields as JSON can carry them (anything else as its text)."""
    return {k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
            for k, v in data.items()}  # fmt: skip
