"""The step debugger of ``callflow simulate --interactive``: one call, driven by a person.

A ``Session`` runs one resumable machine (``simulator.machine``) whose choice provider never
answers, so the machine stops wherever the outside world decides (a wait for keys, a Dial, an
HTTP request) and the person answers; breakpoints and ``step`` stop it before commands
(``Machine.pause``). Each answer resumes a fork of the machine, which replaces it only once it
has stopped again: a run interrupted by Ctrl-C leaves the session as it was.

Every answer is logged, in the terms of a scenario file (caller actions, one outcome per
destination, one answer per URL): ``save`` writes it (``simulator.debugger_save``), and a
hang-up anywhere but at a wait for keys replays it as that scenario will, with the caller
hanging up one millisecond after the current moment, so what the session shows is what
``callflow test`` will see.

The session knows nothing of terminals: ``start()``, ``execute(line)`` and ``eof()`` return
lines to show, each with a style; a front end (``callflow.cli.interactive``) reads input,
completes commands and colours the output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from callflow import model as m
from callflow.positions import source_lines
from simulator.caller import CallerAction, CallerScript, DialOutcome, HangUp, Press, Silence
from simulator.choices import (
    HANGUP,
    SUSPEND,
    ConditionPoint,
    DialPoint,
    HttpPoint,
    KeyAnswer,
    ScriptedProvider,
    Suspend,
    Wait,
    failed_request,
)
from simulator.context import CallContext
from simulator.debugger_save import Recorded, save
from simulator.debugger_view import (
    Line,
    label,
    name,
    say_keys,
    say_outcomes,
    source_window,
    variables,
)
from simulator.http import Canned, CannedResolver, HttpAnswer, Resolver, without_query
from simulator.limits import Limits
from simulator.machine import Before, Machine
from simulator.render import clock, event_line, summary_line
from simulator.scenario import Flow, dial_outcome, press

__all__ = ["COMMANDS", "Line", "Refused", "Reply", "Session", "Setup"]

Opener = Callable[[], AbstractContextManager[Resolver]]
"""Opens the configured HTTP backend for one call (closed when the call is replaced)."""

CONTEXT_LINES = 3
"""Source lines shown above and below the current one by ``where``."""
FAIL_STATUS = 503
"""The status of an HTTP answer given as ``fail``: a server error, which a scenario can hold."""

COMMANDS: dict[str, str] = {
    "step": "run one command, then stop before the next",
    "continue": "run to the next breakpoint or the next time the call waits",
    "break": "break LINE: stop before the command on LINE of the flow",
    "delete": "delete LINE: remove that breakpoint (no LINE: all of them)",
    "breaks": "list the breakpoints",
    "where": "where [N]: the current command with N lines around it (default 3)",
    "vars": "call fields, recordings, Meta values of the command, virtual time",
    "hangup": "the caller hangs up now (Ctrl-D)",
    "restart": "place a new call from the start (breakpoints are kept)",
    "save": "save FILE: write the call so far as a scenario for `callflow test`",
    "help": "this list",
    "quit": "leave (Ctrl-D once the call is over)",
}
ALIASES: dict[str, str] = {
    "s": "step", "c": "continue", "b": "break", "d": "delete", "w": "where", "v": "vars",
    "h": "help", "?": "help", "q": "quit", "exit": "quit",
}  # fmt: skip
KEY_WORDS = ("silence", "hangup")
DIAL_WORDS = ("answer", "busy", "no-answer", "fail")
HTTP_WORDS = ("fail", "timeout", "status")
KEYS_HELP = "type digits (1, 1234#), silence or hangup"


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command produced; ``quit`` asks the front end to leave."""

    lines: tuple[Line, ...] = ()
    quit: bool = False


def _refused() -> AbstractContextManager[Resolver]:
    return nullcontext(CannedResolver())


@dataclass(frozen=True, slots=True)
class Setup:
    """Everything a session needs: the flow and the call as ``simulate``'s options give it.

    ``caller`` holds defaults: an empty answer takes the next of its actions at a wait for keys
    and its outcomes at a Dial; its ``hangup_at_ms`` hangs the caller up by the clock.
    """

    flow: m.Response
    path: Path
    source: str
    """The flow's text as the parser read it (``Flow.source``), for ``where`` and ``break``."""
    context: CallContext = field(default_factory=CallContext)
    caller: CallerScript = field(default_factory=CallerScript)
    http: Opener = _refused
    http_label: str = "no server configured (the request is refused)"
    limits: Limits = field(default_factory=Limits)


# ---- the log of answers --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Keys:
    """The answer at a wait for keys: keys, ``None`` for silence, or ``HANGUP``."""

    answer: KeyAnswer


@dataclass(frozen=True, slots=True)
class Dialled:
    """The outcome of each destination of a Dial."""

    line: int | None
    targets: tuple[str, ...]
    outcomes: tuple[DialOutcome, ...]


@dataclass(frozen=True, slots=True)
class Fetched:
    """The answer to a request; ``canned`` gives the same answer in a scenario (None: refused)."""

    line: int | None
    url: str
    canned: Canned | None


Answered = Keys | Dialled | Fetched


class _Asking:
    """The session's choice provider: it never answers, so the machine stops to ask."""

    def keys(self, point: Wait) -> Suspend:
        return SUSPEND

    def dial(self, point: DialPoint) -> Suspend:
        return SUSPEND

    def http(self, point: HttpPoint) -> Suspend:
        return SUSPEND

    def condition(self, point: ConditionPoint) -> None:
        return None


class Refused(Exception):
    """A command that cannot be done now; the message says why (shown as an error line)."""


# ---- the session ---------------------------------------------------------------------------


class Session:
    """One debugged call. ``start()`` places it; ``execute(line)`` runs a command or answers."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.source = source_lines(setup.source)
        self.main_file = setup.flow.pos.file if setup.flow.pos is not None else None
        self.breakpoints: set[int] = set()
        self.stepping = False
        self.log: list[Answered] = []
        self.hung_up_at: int | None = None
        self._by_line: dict[int, list[m.Node]] = {}
        for node in _nodes(setup.flow):
            if node.pos is not None:
                self._by_line.setdefault(node.pos.line, []).append(node)
        self._break_ids: set[int] = set()
        self._stack = ExitStack()
        self._resolver: Resolver = CannedResolver()
        self._shown = 0
        self._scripted = 0
        self._docs: dict[str, str] = {}
        self.machine = self._machine()

    # ---- the front end's side ----------------------------------------------------------------

    def start(self) -> Reply:
        """Place the call and run it to its first stop."""
        self._new_call()
        c = self.setup.context
        at = c.start.isoformat(" ", "minutes")
        head = f"calling {self.setup.path.name} from {c.from_} to {c.to} at {at} ({c.tz})"
        return Reply((Line(head + "; type help for the commands", "hint"), *self._run()))

    def close(self) -> None:
        """Release the HTTP backend."""
        self._stack.close()

    def execute(self, line: str) -> Reply:
        """Run one line typed at the prompt: a command, or the answer the call waits for."""
        text = line.strip()
        try:
            if not text:
                return Reply(tuple(self._default()))
            word, _, rest = text.partition(" ")
            command = ALIASES.get(word.lower(), word.lower())
            if command == "quit":
                return Reply(quit=True)
            run = self._commands().get(command)
            return Reply(tuple(run(rest.strip()) if run is not None else self._answer(text)))
        except Refused as refusal:
            return Reply((Line(str(refusal), "error"),))

    def eof(self) -> Reply:
        """End of input (Ctrl-D): the caller hangs up; once the call is over, leave."""
        if self.ended:
            return Reply(quit=True)
        try:
            return Reply(tuple(self._hangup("")))
        except Refused as refusal:
            return Reply((Line(str(refusal), "error"),), quit=True)

    @property
    def ended(self) -> bool:
        return self.machine.result is not None

    @property
    def prompt(self) -> str:
        """``L6 keys> ``: where the call is and what it waits for (keys, dial, http, debug)."""
        pending = self.machine.pending
        if self.ended or pending is None:
            return "ended> "
        pos = pending.node.pos
        where = f"L{pos.line} " if pos is not None else ""
        kind = (
            "keys" if isinstance(pending, Wait) else "dial" if isinstance(pending, DialPoint)
            else "http" if isinstance(pending, HttpPoint) else "debug"
        )  # fmt: skip
        return f"{where}{kind}> "

    def words(self) -> tuple[str, ...]:
        """What can be typed first now: the commands, and the answers the call waits for."""
        pending = self.machine.pending
        answers: tuple[str, ...] = ()
        if not self.ended:
            if isinstance(pending, Wait):
                answers = KEY_WORDS
            elif isinstance(pending, DialPoint):
                answers = DIAL_WORDS
            elif isinstance(pending, HttpPoint):
                answers = HTTP_WORDS
        return (*COMMANDS, *(a for a in answers if a not in COMMANDS))

    def command_lines(self) -> list[int]:
        """Lines of the flow that hold a command (where a breakpoint can go)."""
        return sorted(n for n in self._by_line if self._commands_at(n))

    def recorded(self, hung_up_at: int | None = None) -> Recorded:
        """The session so far in the terms of a scenario (``hung_up_at``: the caller hangs up
        then). ``Refused`` when no scenario can hold it: a destination or a URL answered two
        ways."""
        actions: list[CallerAction] = []
        dial: dict[str, DialOutcome] = {}
        http: dict[str, Canned | None] = {}
        for entry in self.log:
            if isinstance(entry, Keys):
                actions.append(_action(entry.answer))
            elif isinstance(entry, Dialled):
                for target, outcome in zip(entry.targets, entry.outcomes, strict=True):
                    if dial.setdefault(target, outcome) != outcome:
                        raise Refused(
                            f"{target} was dialled with another outcome at line {entry.line}; "
                            "a scenario gives one per destination"
                        )
            elif http.setdefault(entry.url, entry.canned) != entry.canned:
                raise Refused(f"{entry.url} was answered another way at line {entry.line}; "
                              "a scenario gives one answer per URL")  # fmt: skip
        at = hung_up_at if hung_up_at is not None else self.hung_up_at
        times = [t for t in (at, self.setup.caller.hangup_at_ms) if t is not None]
        result = self.machine.result
        return Recorded(
            flow=self.setup.path,
            context=self.setup.context,
            limits=self.setup.limits,
            actions=tuple(actions),
            dial=dial,
            http={url: c for url, c in http.items() if c is not None},
            hangup_at=min(times) if times else None,
            events=tuple(self.machine.events),
            ended=result.result if result is not None else None,
        )

    # ---- running the machine -----------------------------------------------------------------

    def _commands(self) -> dict[str, Callable[[str], list[Line]]]:
        return {
            "step": self._step, "continue": self._continue, "break": self._break,
            "delete": self._delete, "breaks": self._breaks, "where": self._where,
            "vars": self._vars, "hangup": self._hangup, "restart": self._restart,
            "save": self._save, "help": self._help,
        }  # fmt: skip

    def _machine(self) -> Machine:
        setup = self.setup
        machine = Machine(setup.flow, _Asking(), setup.context, setup.limits, str(setup.path),
                          hangup_at=setup.caller.hangup_at_ms)  # fmt: skip
        machine.pause = self._pause
        return machine

    def _pause(self, node: m.Node) -> bool:
        return self.stepping or id(node) in self._break_ids

    def _new_call(self) -> None:
        self._stack.close()
        self._stack = ExitStack()
        self._resolver = self._stack.enter_context(self.setup.http())
        self.machine = self._machine()
        self.log = []
        self.stepping = False
        self.hung_up_at = None
        self._shown = 0
        self._scripted = 0
        self._docs = {}

    def _run(self, answer: object = None, entry: Answered | None = None, *,
             resume: bool = False) -> list[Line]:  # fmt: skip
        """Run (or resume with ``answer``) a fork of the machine; keep it, and log ``entry``,
        once it has stopped. Then show the new events and where it stopped."""
        work = self.machine.fork()
        if resume:
            work.resume(answer)
        else:
            work.run()
        self.machine = work
        if entry is not None:
            self.log.append(entry)
        return self._events() + self._stopped()

    def _events(self) -> list[Line]:
        events = self.machine.events
        new = events[self._shown :]
        self._shown = len(events)
        main = str(self.setup.path)
        return [Line(event_line(e, main_file=main), "event", e) for e in new]

    def _stopped(self) -> list[Line]:
        """Where the call stopped, and what it waits for."""
        result = self.machine.result
        if result is not None:
            return [Line(summary_line(result), "result"),
                    Line("the call is over: save FILE keeps it as a scenario, restart calls "
                         "again, quit leaves", "hint")]  # fmt: skip
        pending = self.machine.pending
        if isinstance(pending, Before):
            why = "breakpoint" if id(pending.node) in self._break_ids else "step"
            return [Line(f"stopped before {self._name(pending.node)} ({why})")]
        return [Line(self._asking())]

    def _asking(self) -> str:
        """What the call waits for, and what can be answered."""
        pending = self.machine.pending
        if isinstance(pending, Wait):
            node = pending.node
            if isinstance(node, m.Gather):
                options = [c.value for c in node.children if isinstance(c, m.DTMF)]
                menu = f" (menu: {', '.join(options)})" if options else ""
                what = f"attempt {pending.attempt} of {node.attempts} waits for keys{menu}"
            else:
                what = f"listens for its stop key {node.dtmf_stop}"
            default = self._scripted_keys()
            tail = f"; Enter: {say_keys(default[0])}" if default is not None else ""
            return f"{self._name(node)} {what}: {KEYS_HELP}{tail}"
        if isinstance(pending, DialPoint):
            each = ""
            if len(pending.targets) > 1:
                each = " (one for all, or one per destination, comma-separated)"
            return (f"{self._name(pending.node)} rings {', '.join(pending.targets)}: type "
                    f"answer [AFTER_MS [TALK_MS]], busy, no-answer or fail{each}; Enter: "
                    f"{say_outcomes(self._dial_defaults(pending))}")  # fmt: skip
        if isinstance(pending, HttpPoint):
            request = pending.request
            return (f"{self._name(pending.node)} sends {request.method} {request.url}: type "
                    f"a FILE holding the answer, fail (HTTP {FAIL_STATUS}), timeout or status "
                    f"CODE; Enter: {self.setup.http_label}")  # fmt: skip
        return "the call is stopped"

    def _name(self, node: m.Node) -> str:
        return name(node, self.main_file)

    # ---- answers -----------------------------------------------------------------------------

    def _answer(self, text: str) -> list[Line]:
        pending = self.machine.pending
        if not self.ended:
            if isinstance(pending, Wait):
                return self._keys(text)
            if isinstance(pending, DialPoint):
                return self._dial(text, pending)
            if isinstance(pending, HttpPoint):
                return self._http(text, pending)
            if isinstance(pending, Before) and all(ch in "0123456789*#" for ch in text):
                raise Refused(f"the call is not waiting for keys: it is stopped before "
                              f"{self._name(pending.node)}; type continue or step")  # fmt: skip
        raise Refused(f"unknown command {text.split()[0]!r} (help lists the commands)")

    def _keys(self, text: str) -> list[Line]:
        if text.lower() == "silence":
            return self._run(None, Keys(None), resume=True)
        try:
            answer = _key_answer(press(text))
        except ValueError:
            raise Refused(f"{text!r} is not an answer here: {KEYS_HELP} (0-9, * and #), or a "
                          "command (help)") from None  # fmt: skip
        return self._run(answer, Keys(answer), resume=True)

    def _dial(self, text: str, point: DialPoint) -> list[Line]:
        outcomes: list[DialOutcome] = []
        for part in text.split(","):
            try:
                outcomes.append(dial_outcome(":".join(part.split())))
            except ValueError as exc:
                raise Refused(f"{exc}; or type a command (help)") from None
        targets = point.targets
        if len(outcomes) == 1:
            outcomes *= len(targets)
        if len(outcomes) != len(targets):
            raise Refused(f"{len(outcomes)} outcomes for {len(targets)} destinations: give one "
                          "for all, or one per destination")  # fmt: skip
        chosen = tuple(outcomes)
        return self._run(chosen, Dialled(_line(point.node), targets, chosen), resume=True)

    def _http(self, text: str, point: HttpPoint) -> list[Line]:
        words = text.split()
        if text.lower() == "fail":
            canned = Canned(status=FAIL_STATUS)
        elif text.lower() == "timeout":
            canned = Canned(timeout=True)
        elif words[0].lower() == "status":
            code = words[1] if len(words) == 2 else ""
            if not code.isdigit() or not 100 <= int(code) <= 599:
                raise Refused("status CODE takes an HTTP status, e.g. status 404")
            canned = Canned(status=int(code))
        else:
            path = Path(text).expanduser()
            if not path.is_file():
                raise Refused(f"no such file: {text} (type a FILE holding the XML answer, "
                              "fail, timeout or status CODE, or a command: help)")  # fmt: skip
            canned = Canned(file=path.resolve())
        return self._canned(point, canned, text)

    def _canned(self, point: HttpPoint, canned: Canned, what: str) -> list[Line]:
        """Answer ``point`` with ``canned``, as a scenario's canned answer would."""
        url = without_query(point.request.url)
        try:
            answer = CannedResolver({url: canned}).resolve(point.request)
        except (OSError, UnicodeDecodeError) as exc:
            raise Refused(f"cannot read {what}: {exc}") from None
        return self._fetched(point, answer, canned)

    def answer_document(self, xml: str) -> Reply:
        """Answer the request the call waits on with this XML document (status 200), as a
        scenario's inline ``xml:`` answer does (a front end where no file is typed: the page)."""
        pending = self.machine.pending
        if self.ended or not isinstance(pending, HttpPoint):
            return Reply((Line("the call is not waiting for an HTTP answer", "error"),))
        try:
            return Reply(tuple(self._canned(pending, Canned(xml=xml), "the document")))
        except Refused as refusal:
            return Reply((Line(str(refusal), "error"),))

    def _fetched(self, point: HttpPoint, answer: HttpAnswer, canned: Canned | None) -> list[Line]:
        url = without_query(point.request.url)
        lines = self._run(answer, Fetched(_line(point.node), url, canned), resume=True)
        if answer.text is not None and point.node.url:
            self._docs[point.node.url] = answer.text  # for ``where`` in the fetched document
        return lines

    def _default(self) -> list[Line]:
        """An empty line: the configured answer, where there is one."""
        pending = self.machine.pending
        if self.ended:
            return [Line("the call is over: save FILE, restart or quit", "hint")]
        if isinstance(pending, Wait):
            default = self._scripted_keys()
            if default is None:
                return [Line(KEYS_HELP, "hint")]
            answer = _key_answer(default[0])
            lines = self._run(answer, Keys(answer), resume=True)
            self._scripted = default[1]
            return lines
        if isinstance(pending, DialPoint):
            chosen = self._dial_defaults(pending)
            entry = Dialled(_line(pending.node), pending.targets, chosen)
            return self._run(chosen, entry, resume=True)
        if isinstance(pending, HttpPoint):
            try:
                got = self._resolver.resolve(pending.request)
            except Exception as exc:  # a user's app crashing fails the request, not the session
                got = failed_request(exc)
            return self._fetched(pending, got, _as_canned(got))
        return [Line("type step, continue, where, vars or help", "hint")]

    def _scripted_keys(self) -> tuple[CallerAction, int] | None:
        """The configured caller's next action at a wait (``--digits``), and the index after."""
        actions = self.setup.caller.actions
        for index in range(self._scripted, len(actions)):
            action = actions[index]
            if not (isinstance(action, HangUp) and action.at_ms is not None):
                return action, index + 1
        return None

    def _dial_defaults(self, point: DialPoint) -> tuple[DialOutcome, ...]:
        caller = self.setup.caller
        return tuple(caller.dial.get(t, caller.dial_default) for t in point.targets)

    # ---- moving ------------------------------------------------------------------------------

    def _over(self) -> None:
        result = self.machine.result
        if result is not None:
            raise Refused(f"the call is over ({result.result} after {clock(result.duration_ms)}):"
                          " save FILE, restart or quit")  # fmt: skip

    def _moving(self, stepping: bool) -> list[Line]:
        self._over()
        self.stepping = stepping
        if not isinstance(self.machine.pending, Before):
            after = ("it stops before the next command" if stepping
                     else "it runs to the next breakpoint or wait")  # fmt: skip
            return [Line(f"{self._asking()}; after your answer {after}", "hint")]
        return self._run(resume=True)

    def _step(self, rest: str) -> list[Line]:
        return self._moving(True)

    def _continue(self, rest: str) -> list[Line]:
        return self._moving(False)

    def _hangup(self, rest: str) -> list[Line]:
        """The caller hangs up: at a wait, as its answer; elsewhere, 1 ms from now, replayed as
        the saved scenario will run it (what was shown stays; what runs until then follows)."""
        self._over()
        machine = self.machine
        if isinstance(machine.pending, Wait):
            return self._run(HANGUP, Keys(HANGUP), resume=True)
        at = machine.now + 1
        recorded = self.recorded(at)
        caller = CallerScript(recorded.actions, dict(recorded.dial))
        setup = self.setup
        replayed = Machine(setup.flow, ScriptedProvider(caller, CannedResolver(recorded.http)),
                           setup.context, setup.limits, str(setup.path),
                           hangup_at=recorded.hangup_at)  # fmt: skip
        replayed.run()
        old, new = machine.events, replayed.events
        same = 0
        while same < min(len(old), len(new)) and old[same] == new[same]:
            same += 1
        lines: list[Line] = []
        if same < self._shown:  # the configured hang-up time came first: it differs from here
            lines.append(Line(f"the call differs from event {same + 1} on:", "hint"))
            self._shown = same
        self.machine = replayed
        self.hung_up_at = at
        return lines + self._events() + self._stopped()

    def _restart(self, rest: str) -> list[Line]:
        self._new_call()
        kept = ", ".join(str(n) for n in sorted(self.breakpoints))
        head = f"a new call; breakpoints kept: {kept}" if kept else "a new call"
        return [Line(head, "hint"), *self._run()]

    # ---- breakpoints -------------------------------------------------------------------------

    def _line_number(self, rest: str, command: str) -> int:
        if not rest:
            raise Refused(f"{command} LINE: which line of {self.setup.path.name}?")
        if not rest.isdigit() or int(rest) < 1:
            raise Refused(f"{command} LINE takes a line number, not {rest!r}")
        return int(rest)

    def _commands_at(self, line: int) -> list[m.Node]:
        return [n for n in self._by_line.get(line, ()) if n.IS_COMMAND]

    def _break(self, rest: str) -> list[Line]:
        line = self._line_number(rest, "break")
        if line > len(self.source):
            raise Refused(f"{self.setup.path.name} has {len(self.source)} lines; "
                          f"there is no line {line}")  # fmt: skip
        nodes = self._commands_at(line)
        if not nodes:
            raise Refused(f"line {line} has no command to stop at ({self._what(line)}); "
                          f"{self._nearest(line)}")  # fmt: skip
        names = ", ".join(self._name(n) for n in nodes)
        if line in self.breakpoints:
            return [Line(f"there is already a breakpoint at {names}", "hint")]
        self.breakpoints.add(line)
        self._break_ids.update(id(n) for n in nodes)
        return [Line(f"breakpoint at {names}")]

    def _what(self, line: int) -> str:
        nodes = self._by_line.get(line)
        if nodes:
            return ", ".join(f"<{n.TAG}> is not a command" for n in nodes)
        text = self.source[line - 1].strip()
        return f"it holds {text[:50]!r}" if text else "it is blank"

    def _nearest(self, line: int) -> str:
        lines = self.command_lines()
        before = [n for n in lines if n < line][-1:]
        after = [n for n in lines if n > line][:1]
        if not before + after:
            return "the flow has no command"
        near = " and ".join(self._name(self._commands_at(n)[0]) for n in before + after)
        return f"the nearest: {near}"

    def _delete(self, rest: str) -> list[Line]:
        if not rest:
            count = len(self.breakpoints)
            self.breakpoints.clear()
            self._break_ids.clear()
            return [Line(f"deleted {count} breakpoint(s)")]
        line = self._line_number(rest, "delete")
        if line not in self.breakpoints:
            raise Refused(f"there is no breakpoint at line {line} (breaks lists them)")
        self.breakpoints.discard(line)
        self._break_ids.difference_update(id(n) for n in self._commands_at(line))
        return [Line(f"deleted the breakpoint at line {line}")]

    def _breaks(self, rest: str) -> list[Line]:
        if not self.breakpoints:
            return [Line("no breakpoints (break LINE sets one)")]
        return [Line(f"breakpoint at {self._name(self._commands_at(n)[0])}")
                for n in sorted(self.breakpoints)]  # fmt: skip

    # ---- looking around ----------------------------------------------------------------------

    def _current(self) -> tuple[m.Node | None, str]:
        """The command the call is at, and how it is there."""
        machine = self.machine
        pending = machine.pending
        if machine.result is not None:
            return machine.node, "the call ended here"
        if isinstance(pending, Before):
            return pending.node, "stopped before this command"
        if pending is not None:
            return pending.node, "waiting here"
        return machine.node, "here"

    def _where(self, rest: str) -> list[Line]:
        around = CONTEXT_LINES
        if rest:
            if not rest.isdigit():
                raise Refused(f"where [N] takes a number of lines, not {rest!r}")
            around = int(rest)
        node, how = self._current()
        if node is None or node.pos is None:
            return [Line("no command has run yet")]
        pos = node.pos
        main = pos.file == self.main_file
        source = self.source if main else source_lines(self._docs.get(pos.file or "", ""))
        shown = self.setup.path.name if main else pos.file
        head = Line(f"{shown}:{pos.line}: {label(node)}: {how}")
        if not source:
            return [head, Line("(the text of this document is not known)", "hint")]
        marks = self.breakpoints if main else set()
        return [head, *source_window(source, pos.line, around, marks)]

    def _vars(self, rest: str) -> list[Line]:
        node, _ = self._current()
        return variables(self.machine, self.setup.context, node, self.main_file, self._state())

    def _state(self) -> str:
        c = self.setup.context
        if c.state is not None:
            return c.state
        from simulator.location import state_of  # heavy imports: only when asked

        derived = state_of(c.from_)
        return f"{derived} (from {c.from_})" if derived else "unknown"

    def _help(self, rest: str) -> list[Line]:
        lines = [Line(f"{command:<9} {text}") for command, text in COMMANDS.items()]
        if not self.ended and not isinstance(self.machine.pending, Before):
            lines.append(Line(f"now: {self._asking()}", "hint"))
        return lines

    # ---- saving ------------------------------------------------------------------------------

    def _save(self, rest: str) -> list[Line]:
        if not rest:
            raise Refused("save FILE: where to write the scenario (e.g. save menu.yaml)")
        target = Path(rest).expanduser()
        if target.is_dir():
            raise Refused(f"{rest} is a directory; name the scenario file to write")
        recorded = self.recorded()
        try:
            passed, message = save(recorded, target, Flow(self.setup.path, self.setup.flow))
        except OSError as exc:
            raise Refused(f"cannot write {rest}: {exc.strerror or exc}") from None
        return [Line(message, "info" if passed else "error")]


# ---- helpers ---------------------------------------------------------------------------------


def _nodes(node: m.Node) -> Iterator[m.Node]:
    for child in node.children:
        if not isinstance(child, m.Comment):
            yield child
            yield from _nodes(child)


def _line(node: m.Node) -> int | None:
    return node.pos.line if node.pos is not None else None


def _key_answer(action: CallerAction) -> KeyAnswer:
    if isinstance(action, Press):
        return action if action.digits else None
    return None if isinstance(action, Silence) else HANGUP


def _action(answer: KeyAnswer) -> CallerAction:
    if answer is HANGUP:
        return HangUp()
    return answer if isinstance(answer, Press) else Silence()


def _as_canned(answer: HttpAnswer) -> Canned | None:
    """A canned answer a scenario can hold that the machine reads as ``answer`` (None: the
    URL is left out of the scenario, which then refuses the connection)."""
    if answer.error is None:
        return Canned(xml=answer.text, status=answer.status if answer.status is not None else 200)
    if answer.error.startswith("timed out"):
        return Canned(timeout=True)
    return None
