"""The interpreter as a resumable machine: explicit frames instead of Python recursion.

``simulator.engine`` documents the run semantics; this module implements them. Where a
recursive interpreter keeps its place on the Python call stack, the machine keeps it in a list
of small ``Frame`` objects (the block being run and the index of its next command, a Gather's
attempt and phase, a running Record), so its whole state is data:

- it can **stop** at a choice point (the provider answers ``SUSPEND``) or before a command
  (``pause``), and be **resumed** later with an answer;
- it can be **forked**: ``fork()`` copies the frames (a handful of objects), the events list and
  the few dicts, sharing everything immutable. The explorer runs a common prefix once and forks
  at each choice point instead of replaying the prefix for every path.

Every choice is asked *before* the command that needs it has any effect, so a resumed command
simply runs again with the answer in hand. Non-local exits stay exceptions inside one step:
``_End`` (the call is over), ``_Replace`` (a fetched document replaces the rest), ``_Cut`` (a
Record's deadline came while its children ran); the main loop unwinds the frames for them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfoNotFoundError

from callflow import model as m
from callflow.flowfacts import handler_for
from simulator.caller import CallerScript, DialOutcome, HangUp, Press
from simulator.choices import (
    HANGUP,
    SUSPEND,
    UNKNOWN_DOCUMENT,
    ChoiceProvider,
    ConditionPoint,
    DialPoint,
    HttpPoint,
    KeyAnswer,
    Point,
    ScriptedProvider,
    Wait,
    hangup_time,
)
from simulator.conditions import (
    call_fields,
    geo_matches,
    local_time,
    schedule_matches,
    value_matches,
)
from simulator.context import CallContext
from simulator.documents import answered
from simulator.http import CannedResolver, HttpAnswer, HttpRequest, Resolver
from simulator.limits import Limits
from simulator.requests import fetch_request, gather_request
from simulator.speech import PLAY_URL_MS, speech_ms, tone_defaults, tone_ms
from simulator.transcript import CallResult, Event, EventKind, ResultKind, Unused

DEFAULT_RECORD_MS = 60_000
"""Length of a Record with no children, no ``timeout`` and no stop key pressed."""
ERROR_LANG = "en-US"
"""Language of the reason an ``<Error play="true">`` speaks."""

Ending = Literal[
    "hangup", "end-of-document", "caller-hangup", "limit", "error", "unknown-document"
]  # fmt: skip
"""How a run ended, finer than ``CallResult.result``: the explorer reports these."""

_NEVER = float("inf")

# Frame kinds, and the phases of a Gather frame.
BLOCK, PROMPTS, GATHER, RECORD = 0, 1, 2, 3
WAIT, REQUEST = 0, 1


class Frame:
    """One level of the machine's place: what runs, where it is, and a little state.

    ``BLOCK``: the commands of ``node`` (``items``), next at ``i``. ``PROMPTS``: a Gather's
    prompts. ``GATHER``: attempt ``i`` in ``phase``, ``data`` = (history, digits).
    ``RECORD``: a Record whose children run above it, ``data`` = ``_Recording``.
    """

    __slots__ = ("data", "i", "items", "kind", "node", "phase")

    def __init__(self, kind: int, node: m.Node, items: tuple[m.Node, ...], i: int = 0,
                 phase: int = 0, data: Any = None) -> None:  # fmt: skip
        self.kind = kind
        self.node = node
        self.items = items
        self.i = i
        self.phase = phase
        self.data = data

    def copy(self) -> Frame:
        return Frame(self.kind, self.node, self.items, self.i, self.phase, self.data)

    def key(self) -> tuple[int, int, int, int]:
        """Where this frame is, without the clock: for recognising a repeated state."""
        return (self.kind, id(self.node), self.i, self.phase)


class _Deadline:
    """When a running Record stops; compared by identity, so nested Records stay apart."""

    __slots__ = ("at",)

    def __init__(self, at: int) -> None:
        self.at = at


class _Recording:
    """A running Record: when it began, its event, and its deadline (immutable once made)."""

    __slots__ = ("deadline", "event", "start")

    def __init__(self, start: int, event: int, deadline: _Deadline | None) -> None:
        self.start = start
        self.event = event
        self.deadline = deadline


class _End(Exception):
    """The call is over: hung up by the flow or the caller, or a bound was hit."""

    def __init__(self, result: ResultKind, reason: str | None = None,
                 ending: Ending | None = None) -> None:  # fmt: skip
        self.result = result
        self.reason = reason
        self.ending: Ending = ending or result


class _Replace(Exception):
    """A fetched document replaces what is left of the current one."""

    def __init__(self, doc: m.Response, file: str) -> None:
        self.doc = doc
        self.file = file


class _Cut(Exception):
    """A Record's deadline came while its children were running."""

    def __init__(self, deadline: _Deadline) -> None:
        self.deadline = deadline


class _Suspend(Exception):
    """The provider did not answer: stop here; ``rerun`` is the command to run on resume."""

    def __init__(self, point: Point | Before, rerun: m.Node | None) -> None:
        self.point = point
        self.rerun = rerun


class Before:
    """The machine stopped before running ``node`` because ``pause(node)`` said so."""

    __slots__ = ("node",)

    def __init__(self, node: m.Node) -> None:
        self.node = node


class Dropped(NamedTuple):
    """Keys of a caller's ``press`` that the wait at ``node`` took and did not use."""

    press: Press
    keys: str
    node: m.Node
    reason: str


def unread(pressed: str, read: str, length: int, stop: str) -> str:
    """The keys of ``pressed`` a Gather dropped after reading ``read`` (``read_keys``): all after
    the input, except the one stop key that ended it (or follows a full input)."""
    rest = pressed[len(read) :]
    if rest[:1] == stop and stop and (len(read) < length or rest == stop):
        rest = rest[1:]
    return rest


def read_keys(digits: str, length: int, stop: str) -> tuple[str, bool]:
    """The input a Gather reads from ``digits``, and whether it ended (length or stop key)."""
    for index, key in enumerate(digits):
        if key == stop:
            return digits[:index], True
        if index + 1 == length:
            return digits[: index + 1], True
    return digits, False


def ring(targets: tuple[str, ...], outcomes: tuple[DialOutcome, ...], timeout: int
         ) -> tuple[str, str, DialOutcome | None]:  # fmt: skip
    """A Dial's result: ``("answer", winner, its outcome)`` for the fastest answer within
    ``timeout`` (ties: the first written), else ``("no-answer" | "busy" | "fail", "", None)``:
    no-answer when anyone rang out, else busy when anyone was busy."""
    winner, best = "", None
    rang_out = busy = False
    for target, outcome in zip(targets, outcomes, strict=True):
        kind = outcome.kind
        if kind == "answer" and outcome.after_ms <= timeout:
            if best is None or outcome.after_ms < best.after_ms:
                winner, best = target, outcome
        elif kind in ("answer", "no-answer"):
            rang_out = True
        elif kind == "busy":
            busy = True
    if best is not None:
        return "answer", winner, best
    return ("no-answer" if rang_out else "busy" if busy else "fail"), "", None


def _stop_key(digits: str, keys: str) -> bool:
    return any(k in keys for k in digits)


class _NoAnswer:
    """No answer is waiting for the next choice point (a resumed run consumes one)."""


_NO_ANSWER: Any = _NoAnswer()

Handler = Callable[["Machine", Any], None]
Trail = tuple[Any, ...]
"""A persistent list: ``()`` or ``(item, older trail)``; items are ``id(command)`` ints and
``(id(node), branch label)`` pairs. Forks share their common past."""


class Machine:
    """One simulated call as a resumable machine. ``run()`` goes until the call is over (True)
    or it stops at ``pending`` (False); ``resume(answer)`` goes on; ``fork()`` copies it."""

    __slots__ = (
        "answer", "background", "ctx", "cuts", "doc", "dropped", "ending", "events", "fields",
        "file",
        "frames", "hangup_at", "hops", "in_prompt", "limits", "max_steps", "node", "now",
        "pause", "pending", "provider", "recordings", "rerun", "result", "root", "skip",
        "state", "steps", "stop_at", "trail",
    )  # fmt: skip

    def __init__(
        self, flow: m.Response, provider: ChoiceProvider, context: CallContext, limits: Limits,
        file: str | None = None, *, hangup_at: int | None = None, trace: bool = False,
    ) -> None:  # fmt: skip
        self.root = flow
        self.doc = flow
        self.provider = provider
        self.ctx = context
        self.limits = limits
        self.max_steps = limits.max_steps
        self.file = file if file is not None else (flow.pos.file if flow.pos else None)
        self.now = 0
        self.events: list[Event] = []
        self.steps = 0
        self.hops = 0
        self.hangup_at: float = hangup_at if hangup_at is not None else _NEVER
        self.cuts: list[_Deadline] = []
        self.stop_at: float = 0
        self._restop()
        self.node: m.Node | None = None
        self.recordings: dict[str, int] = {}
        self.background: dict[str | None, int] = {}
        self.in_prompt = False
        self.fields: dict[str, Any] | None = None
        self.state: tuple[str | None] | None = None
        self.frames: list[Frame] = [Frame(BLOCK, flow, flow.children)]
        self.answer: Any = _NO_ANSWER
        self.rerun: m.Node | None = None
        self.pending: Point | Before | None = None
        self.result: CallResult | None = None
        self.ending: Ending | None = None
        self.trail: Trail | None = () if trace else None
        self.pause: Callable[[m.Node], bool] | None = None
        """Stop before every command this says yes to (a debugger's step and breakpoints)."""
        self.skip: m.Node | None = None
        self.dropped: list[Dropped] = []
        """Keys a wait took from the caller and did not use, in order (``Dropped``)."""

    # ---- driving the machine ---------------------------------------------------------------

    def run(self) -> bool:
        """Run until the call is over (True, ``result`` set) or a stop (False, ``pending``)."""
        self.pending = None
        while True:
            try:
                rerun = self.rerun
                if rerun is not None:
                    self.rerun = None
                    _RUN[type(rerun)](self, rerun)
                self._loop()
                self._emit("hangup", None, {"by": "flow"})
                self._finish(CallResult("hangup", self.now, tuple(self.events)), "end-of-document")
                return True
            except _Suspend as stop:
                self.pending = stop.point
                self.rerun = stop.rerun
                return False
            except _Cut as cut:
                self._unwind(cut.deadline)
            except _Replace as swap:
                self._unwind(None)
                self.doc, self.file = swap.doc, swap.file
                self.frames.append(Frame(BLOCK, swap.doc, swap.doc.children))
            except _End as end:
                self._unwind(None)
                result = CallResult(end.result, self.now, tuple(self.events), end.reason)
                self._finish(result, end.ending)
                return True

    def resume(self, answer: Any = None) -> bool:
        """Go on from a stop; at a choice point ``answer`` is what the provider would have said."""
        if isinstance(self.pending, Before):
            self.skip = self.pending.node
        else:
            self.answer = answer
        return self.run()

    def fork(self) -> Machine:
        """A copy that goes on independently (the immutable parts and the past are shared;
        a provider that keeps a place, such as a script, is forked with it)."""
        new = Machine.__new__(Machine)
        fork = getattr(self.provider, "fork", None)  # a provider with a place of its own
        new.provider = fork() if callable(fork) else self.provider
        new.root, new.doc, new.ctx = self.root, self.doc, self.ctx
        new.limits, new.max_steps, new.file = self.limits, self.max_steps, self.file
        new.now, new.steps, new.hops = self.now, self.steps, self.hops
        new.events = list(self.events)
        new.hangup_at, new.cuts, new.stop_at = self.hangup_at, list(self.cuts), self.stop_at
        new.node, new.in_prompt = self.node, self.in_prompt
        new.recordings, new.background = dict(self.recordings), dict(self.background)
        new.fields, new.state = self.fields, self.state
        new.frames = [f.copy() for f in self.frames]
        new.answer, new.rerun, new.pending = self.answer, self.rerun, self.pending
        new.result, new.ending, new.trail = self.result, self.ending, self.trail
        new.pause, new.skip = self.pause, self.skip
        new.dropped = list(self.dropped)
        return new

    def place(self) -> tuple[Any, ...]:
        """Where the call is, without the clock: the document, the frames, the recordings made
        and running, and the command a resume would run. Equal places behave alike."""
        return (
            id(self.doc), tuple(f.key() for f in self.frames), frozenset(self.recordings),
            frozenset(self.background), id(self.rerun), self.in_prompt,
        )  # fmt: skip

    def _finish(self, result: CallResult, ending: Ending) -> None:
        self.result = result
        self.ending = ending

    def _loop(self) -> None:
        frames = self.frames
        while frames:
            frame = frames[-1]
            kind = frame.kind
            if kind == BLOCK:
                self._block(frame)
            elif kind == GATHER:
                self._gather_step(frame)
            elif kind == PROMPTS:
                self._prompts(frame)
            else:
                frames.pop()
                self._recorded(frame)

    def _block(self, frame: Frame) -> None:
        """Run a block's commands from ``frame.i`` until it ends or a command pushes a frame."""
        frames = self.frames
        items = frame.items
        count = len(items)
        run = _RUN
        pause = self.pause
        tracing = self.trail is not None
        i = frame.i
        while i < count:
            child = items[i]
            i += 1
            if not child.IS_COMMAND:
                continue
            if pause is not None and self._paused(frame, i - 1, child):
                continue
            frame.i = i
            if tracing:
                self.trail = (id(child), self.trail)
            self._step(child)
            handler = run.get(type(child))
            if handler is None:
                self._emit("note", child, {"text": f"{child.TAG} is not simulated"})
                continue
            handler(self, child)
            if frames[-1] is not frame:
                return
        frames.pop()

    def _paused(self, frame: Frame, i: int, child: m.Node) -> bool:
        """Stop before ``child`` when asked to (once: a resume runs it)."""
        if self.skip is child:
            self.skip = None
            return False
        assert self.pause is not None
        if self.pause(child):
            frame.i = i
            raise _Suspend(Before(child), None)
        return False

    def _step(self, node: m.Node) -> None:
        self.node = node
        self.steps += 1
        if self.steps > self.max_steps:
            raise self._limit(f"max_steps={self.max_steps}")
        if self.now >= self.stop_at:
            self._interrupt(self.now)

    def _unwind(self, deadline: _Deadline | None) -> None:
        """Drop frames down to the Record that owns ``deadline`` (None: all of them), finishing
        every Record on the way as its recording ends here."""
        frames = self.frames
        while frames:
            frame = frames.pop()
            if frame.kind == RECORD:
                self._recorded(frame)
                if deadline is not None and frame.data.deadline is deadline:
                    break
        self.in_prompt = False

    def _took(self, node: m.Node, branch: str) -> None:
        """Note a branch taken (for coverage), when tracing."""
        if self.trail is not None:
            self.trail = ((id(node), branch), self.trail)

    # ---- choices -----------------------------------------------------------------------------

    def _answer(self) -> Any:
        answer = self.answer
        self.answer = _NO_ANSWER
        return answer

    def _ask_keys(self, node: m.Gather | m.Pause | m.Record, attempt: int = 1) -> KeyAnswer:
        if self.answer is not _NO_ANSWER:
            answer: KeyAnswer = self._answer()
            return answer
        point = Wait(node, self.now, attempt)
        got = self.provider.keys(point)
        if got is SUSPEND:
            raise _Suspend(point, None if type(node) is m.Gather else node)
        return got

    def _ask_dial(self, node: m.Dial, targets: tuple[str, ...]) -> tuple[DialOutcome, ...]:
        if self.answer is not _NO_ANSWER:
            answer: tuple[DialOutcome, ...] = self._answer()
            return answer
        point = DialPoint(node, self.now, targets)
        got = self.provider.dial(point)
        if got is SUSPEND:
            raise _Suspend(point, node)
        return got

    def _ask_http(self, node: m.Callback | m.Curl | m.Gather, request: HttpRequest) -> HttpAnswer:
        if self.answer is not _NO_ANSWER:
            answer: HttpAnswer = self._answer()
            return answer
        point = HttpPoint(node, self.now, request)
        got = self.provider.http(point)
        if got is SUSPEND:
            raise _Suspend(point, None if type(node) is m.Gather else node)
        return got

    def _ask_condition(self, node: m.Call | m.Geo | m.Schedule) -> bool | None:
        if self.answer is not _NO_ANSWER:
            answer: bool | None = self._answer()
            return answer
        point = ConditionPoint(node, self.now)
        got = self.provider.condition(point)
        if got is SUSPEND:
            raise _Suspend(point, node)
        return got

    # ---- clock, bounds, caller -----------------------------------------------------------

    def hang_up_at(self, at: int) -> None:
        """The caller hangs up when the clock reaches ``at`` (or earlier, if already set): for
        providers that decide the hang-up as the call goes (a campaign's callee model)."""
        self.hangup_at = min(self.hangup_at, at)
        self._restop()

    def _restop(self) -> None:
        stop = min(self.hangup_at, self.limits.max_time_ms + 1)
        for cut in self.cuts:
            stop = min(stop, cut.at)
        self.stop_at = stop

    def _advance(self, ms: int) -> None:
        later = self.now + ms
        if later >= self.stop_at:
            self._interrupt(later)
        self.now = later

    def _interrupt(self, later: int) -> None:
        """Something happens before ``later``: the caller hangs up, a bound, a Record ends."""
        cut = min(self.cuts, key=lambda c: c.at) if self.cuts else None
        first = min(self.hangup_at, self.limits.max_time_ms + 1, cut.at if cut else _NEVER)
        if first > later:
            return
        if self.hangup_at == first:
            self.now = max(self.now, int(self.hangup_at))
            self._caller_hangup()
        if cut is not None and cut.at == first:
            self.now = max(self.now, cut.at)
            raise _Cut(cut)
        self.now = max(self.now, self.limits.max_time_ms)
        raise self._limit(f"max_time_ms={self.limits.max_time_ms}")

    def _limit(self, bound: str) -> _End:
        line = self.node.pos.line if self.node is not None and self.node.pos else None
        where = f" at line {line}" if line is not None else ""
        root_file = self.root.pos.file if self.root.pos else None
        if self.file is not None and self.file != root_file:
            where += f" of {self.file}"
        return _End("limit", f"{bound} reached{where}")

    def _caller_hangup(self) -> None:
        self._emit("hangup", self.node, {"by": "caller"})
        raise _End("caller-hangup")

    def _keys(self, answer: KeyAnswer) -> Press | None:
        """Apply a wait's answer: a Press, None for silence; a hang-up ends the call."""
        if answer is HANGUP:
            self._caller_hangup()
        return answer if type(answer) is Press else None

    # ---- events and failures -------------------------------------------------------------

    def _emit(self, kind: EventKind, node: m.Node | None, data: dict[str, Any]) -> None:
        pos = node.pos if node is not None else None
        self.events.append(Event(kind, self.now, pos.line if pos else None, data, self.file))

    def _event(self, kind: EventKind, node: m.Node, data: dict[str, Any]) -> None:
        """An event of a command: carries the command's ``tag`` when it has one."""
        tag = getattr(node, "tag", None)
        if tag is not None:
            data["tag"] = tag
        pos = node.pos
        self.events.append(Event(kind, self.now, pos.line if pos else None, data, self.file))

    def _fail(self, node: m.Node, reason: str) -> None:
        """A command failed: run its Error, else the nearest enclosing block's (spec 5).

        ``flowfacts.handler_for`` finds it (shared with lint rule CF161); a Gather's own Error
        is its no-input handler and does not catch failures inside its branches. A handler
        does not catch failures inside itself. The handler runs as a block on top of the
        frames, so the flow goes on after the failed command when it ends.
        """
        handler = node.error_handler
        if handler is None:
            handler = handler_for(node, [f.node for f in self.frames if f.kind == BLOCK])
        self._emit("error", node, {"reason": reason, "handled": handler is not None})
        if handler is None:
            return
        if handler.play:
            self._speak(handler, reason, ERROR_LANG, 1)
        self.frames.append(Frame(BLOCK, handler, handler.children))

    def _speak(self, node: m.Node, text: str, lang: str, loop: int) -> None:
        data: dict[str, Any] = {"text": text, "lang": lang}
        if loop > 1:
            data["loop"] = loop
        self._event("say", node, data)
        self._advance(speech_ms(text) * loop)

    # ---- commands that act on the call ---------------------------------------------------

    def _answer_call(self, node: m.Answer) -> None:
        self._event("answer", node, {"delay": node.delay})
        self._advance(node.delay)

    def _say(self, node: m.Say) -> None:
        self._speak(node, node.spoken, node.lang, node.loop)

    def _play(self, node: m.Play) -> None:
        name = node.record
        data: dict[str, Any]
        if name is not None:
            if name in self.recordings:
                length = self.recordings[name]
            elif name in self.background:
                length = self.now - self.background[name]
            else:
                self._fail(node, f"no recording named {name!r} was made earlier in this call")
                return
            data = {"record": name}
        else:
            data = {"url": node.url or node.content or ""}
            length = PLAY_URL_MS
        if node.loop > 1:
            data["loop"] = node.loop
        self._event("play", node, data)
        self._advance(length * node.loop)

    def _pause(self, node: m.Pause) -> None:
        length = node.length
        data: dict[str, Any] = {"length": length}
        if node.dtmf_stop and not self.in_prompt:
            answer = self._ask_keys(node)
            if answer is HANGUP:
                self._took(node, "hang-up")
            press = self._keys(answer)
            if (
                press is not None
                and press.delay_ms < length
                and _stop_key(press.digits, node.dtmf_stop)
            ):
                length = data["length"] = press.delay_ms
                data["dtmf"] = press.digits
                self._took(node, "stop key")
            else:
                if press is not None and press.digits:
                    data["discarded"] = press.digits
                    why = f"the Pause listens only for its dtmf_stop={node.dtmf_stop!r}"
                    if press.delay_ms >= length:
                        why = f"pressed at {press.delay_ms} ms, after the Pause of {length} ms"
                    self.dropped.append(Dropped(press, press.digits, node, why))
                self._took(node, "no key")
        self._event("pause", node, data)
        self._advance(length)

    def _hangup(self, node: m.Hangup) -> None:
        self._event("hangup", node, {"by": "flow"})
        raise _End("hangup")

    def _hold(self, node: m.Hold) -> None:
        self._event("hold", node, {"timeout": node.timeout})

    def _unhold(self, node: m.Unhold) -> None:
        self._event("unhold", node, {})

    def _tone(self, node: m.Tone) -> None:
        length = tone_ms(node.don, node.doff, node.loop, node.timeout)
        data: dict[str, Any] = {"hz": node.hz, "length": length}
        defaults = tone_defaults(node)
        if defaults:
            data["defaults"] = defaults
        self._event("tone", node, data)
        self._advance(length)

    # ---- recording -----------------------------------------------------------------------

    def _record(self, node: m.Record) -> None:
        listening = bool(node.dtmf_stop) and not self.in_prompt
        answer = self._ask_keys(node) if listening else None
        start = self.now
        end = start + node.timeout if node.timeout is not None else None
        # ``length`` is None until the recording ends (``_recorded_at``): a machine stopped while
        # it runs (an explored path cut at a choice) must not claim a length it does not know.
        data: dict[str, Any] = {"tag": node.tag, "length": None}
        if type(answer) is Press and _stop_key(answer.digits, node.dtmf_stop or ""):
            at = start + answer.delay_ms
            if end is None or at < end:
                end = at
                data["dtmf"] = answer.digits
        if type(answer) is Press and answer.digits and "dtmf" not in data:
            data["discarded"] = answer.digits
            why = f"the Record listens only for its dtmf_stop={node.dtmf_stop!r} (in time)"
            self.dropped.append(Dropped(answer, answer.digits, node, why))
        if answer is HANGUP:
            data["length"] = 0  # the caller hangs up as it starts: a recording 0 ms long
        self._event("record", node, data)
        if listening:
            label = "hang-up" if answer is HANGUP else "stop key" if "dtmf" in data else "no key"
            self._took(node, label)
            self._keys(answer)  # a hang-up ends the call here
        recording = _Recording(start, len(self.events) - 1, None)
        if not any(c.IS_COMMAND for c in node.children):
            try:
                self._advance((end if end is not None else start + DEFAULT_RECORD_MS) - start)
            finally:
                self._recorded_at(recording, node)
            return
        if end is not None:
            recording.deadline = _Deadline(end)
            self.cuts.append(recording.deadline)
            self._restop()
        frames = self.frames
        frames.append(Frame(RECORD, node, (), data=recording))
        frames.append(Frame(BLOCK, node, node.children))

    def _recorded(self, frame: Frame) -> None:
        """A Record's children ended (or were cut short, or the call ended): it stops now."""
        recording: _Recording = frame.data
        deadline = recording.deadline
        if deadline is not None:
            self.cuts = [c for c in self.cuts if c is not deadline]
            self._restop()
        self._recorded_at(recording, frame.node)  # type: ignore[arg-type]  # RECORD: a Record

    def _recorded_at(self, recording: _Recording, node: m.Record) -> None:
        length = self.now - recording.start
        self._set_event(recording.event, length=length)
        if node.tag is not None:
            self.recordings[node.tag] = length

    def _set_event(self, index: int, **changes: Any) -> None:
        """Update an event's data by replacing it (forks may share the old one)."""
        old = self.events[index]
        data = dict(old.data)
        data.update(changes)
        self.events[index] = Event(old.kind, old.t, old.line, data, old.file)

    def _record_start(self, node: m.RecordStart) -> None:
        self.background[node.tag] = self.now
        self._event("record", node, {"action": "start"})

    def _record_stop(self, node: m.RecordStop) -> None:
        names = [node.tag] if node.tag is not None else list(self.background)
        for name in names:
            started = self.background.pop(name, None)
            if started is not None and name is not None:
                self.recordings[name] = self.now - started
        self._event("record", node, {"action": "stop"})

    def _record_wait(self, node: m.RecordWait) -> None:
        self._event("record", node, {"action": "wait"})

    # ---- Dial ----------------------------------------------------------------------------

    def _dial(self, node: m.Dial) -> None:
        targets = node.targets
        if not targets:
            self._event("dial", node, {"targets": []})
            self._fail(node, "Dial has no destination")
            return
        outcomes = self._ask_dial(node, targets)
        self._event("dial", node, {"targets": list(targets)})
        result, winner, best = ring(targets, outcomes, node.timeout)
        if best is not None:
            self._took(node, "answer")
            self._advance(best.after_ms)
            self._event("bridge", node, {"target": winner})
            self._advance(best.talk_ms)
            return
        if result == "no-answer":
            self._advance(node.timeout)
            reason = f"nobody answered within {node.timeout} ms"
            self._took(node, "no answer")
        else:
            reason = (
                "every destination was busy" if result == "busy" else "every destination failed"
            )
            self._took(node, result)
        self._event("dial.failed", node, {"outcome": result})
        self._fail(node, f"Dial: {reason}")

    # ---- HTTP ----------------------------------------------------------------------------

    def _sent(self, node: m.Node, request: HttpRequest, answer: HttpAnswer) -> HttpAnswer:
        """The request's event and its time on the clock; the answer, a timeout when late."""
        elapsed = answer.elapsed_ms
        if answer.error is None and elapsed > request.timeout_ms:
            answer = HttpAnswer(error=f"timed out after {request.timeout_ms} ms",
                                elapsed_ms=request.timeout_ms)  # fmt: skip
        data: dict[str, Any] = {"method": request.method, "url": request.url}
        if answer.error is not None:
            data["error"] = answer.error
        else:
            data["status"] = answer.status
        self._event("http", node, data)
        self._advance(min(elapsed, request.timeout_ms))
        return answer

    def _document(self, node: m.Node, answer: HttpAnswer, url: str) -> m.Response | None:
        """The answered document, or None after running the failure path."""
        if answer is UNKNOWN_DOCUMENT:
            self._took(node, "ok")
            raise _End("hangup", f"{url} answered a document the explorer does not know",
                       "unknown-document")  # fmt: skip
        if not answer.ok:
            self._took(node, "fail")
            self._fail(node, answer.error or f"HTTP status {answer.status}")
            return None
        doc, reason = answered(answer, url)
        if doc is None:
            self._took(node, "fail")
            self._fail(node, reason)
            return None
        self._took(node, "ok")
        return doc

    def _replace(self, doc: m.Response, url: str) -> None:
        self.hops += 1
        if self.hops > self.limits.max_http_hops:
            raise self._limit(f"max_http_hops={self.limits.max_http_hops}")
        raise _Replace(doc, url)

    def _callback(self, node: m.Callback) -> None:
        if not node.url:
            self._fail(node, "Callback has no url")
            return
        request = fetch_request(node, self.ctx)
        answer = self._sent(node, request, self._ask_http(node, request))
        doc = self._document(node, answer, node.url)
        if doc is not None:
            self._replace(doc, node.url)

    def _curl(self, node: m.Curl) -> None:
        request = fetch_request(node, self.ctx)
        answer = self._sent(node, request, self._ask_http(node, request))
        if not answer.ok:
            self._took(node, "fail")
            self._fail(node, answer.error or f"HTTP status {answer.status}")
        else:
            self._took(node, "ok")

    # ---- Gather --------------------------------------------------------------------------

    def _gather(self, node: m.Gather) -> None:
        prompts = tuple([c for c in node.children if type(c) in _PROMPTS])
        frame = Frame(GATHER, node, prompts, 1, WAIT, ((), ""))
        self.frames.append(frame)
        self._attempt(frame)
        if self.frames[-1] is frame:
            self._gather_step(frame)  # no prompt pushed a frame: wait at once

    def _attempt(self, frame: Frame) -> None:
        """Begin attempt ``frame.i``: its event, then the prompts, run at once. A ``PROMPTS``
        frame keeps their place only when needed: a prompt's failure handler runs above it, or
        the machine may stop before a prompt."""
        node = frame.node
        self._event("gather", node, {"attempt": frame.i})
        items = frame.items
        if not items:
            return
        self.in_prompt = True
        frames = self.frames
        if self.pause is not None:
            prompts = Frame(PROMPTS, node, items)
            frames.append(prompts)
            self._prompts(prompts)
            return
        tracing = self.trail is not None
        for i, prompt in enumerate(items):
            if tracing:
                self.trail = (id(prompt), self.trail)
            self._step(prompt)
            _RUN[type(prompt)](self, prompt)
            if frames[-1] is not frame:  # a failure handler runs first, still in the prompts
                frames.insert(frames.index(frame) + 1, Frame(PROMPTS, node, items, i + 1))
                return
        self.in_prompt = False

    def _gather_step(self, frame: Frame) -> None:
        """A Gather after its prompts: wait for keys, then branch, retry, fail or send the input."""
        node: m.Gather = frame.node  # type: ignore[assignment]  # GATHER frames hold a Gather
        attempt = frame.i
        history, digits = frame.data
        if frame.phase == REQUEST:
            url = node.url or ""
            request = gather_request(node, self.ctx, digits, attempt, list(history))
            answer = self._ask_http(node, request)
            self.frames.pop()
            doc = self._document(node, self._sent(node, request, answer), url)
            if doc is not None:
                self._replace(doc, url)
            return
        self.node = node
        digits = self._wait_input(node, attempt)
        history = (*history, {"attempt": attempt, "dtmf": digits, "success": bool(digits)})
        if digits:
            if node.url:
                frame.phase, frame.data = REQUEST, (history, digits)
                return
            self.frames.pop()
            self._choose(node, digits)
            return
        if attempt < node.attempts:
            self._took(node, "retry")
            frame.i, frame.data = attempt + 1, (history, "")
            self._step(node)
            self._attempt(frame)
            return
        self._took(node, "no input")
        self.frames.pop()
        self._fail(node, f"no input after {node.attempts} attempt(s)")

    def _prompts(self, frame: Frame) -> None:
        """Play a Gather's prompts (no key is listened for: ``in_prompt``)."""
        frames = self.frames
        items = frame.items
        count = len(items)
        pause = self.pause
        i = frame.i
        while i < count:
            prompt = items[i]
            i += 1
            if pause is not None and self._paused(frame, i - 1, prompt):
                continue
            frame.i = i
            if self.trail is not None:
                self.trail = (id(prompt), self.trail)
            self._step(prompt)
            _RUN[type(prompt)](self, prompt)
            if frames[-1] is not frame:
                return
        frames.pop()
        self.in_prompt = False

    def _wait_input(self, node: m.Gather, attempt: int) -> str:
        """One wait for keys: the input read ('' = none), with its ``input`` event."""
        answer = self._ask_keys(node, attempt)
        if answer is HANGUP:
            self._took(node, "hang-up")
            self._caller_hangup()
        if answer is None or answer.delay_ms > node.timeout:  # type: ignore[union-attr]
            if answer is not None and answer.digits:  # type: ignore[union-attr]
                late: Press = answer  # type: ignore[assignment]
                why = f"pressed at {late.delay_ms} ms, after the Gather's timeout={node.timeout}"
                self.dropped.append(Dropped(late, late.digits, node, why))
            self._advance(node.timeout)
            self._event("input", node, {"timeout": True})
            return ""
        press: Press = answer  # type: ignore[assignment]
        digits, ended = read_keys(press.digits, node.dtmf_length, node.dtmf_stop)
        self._advance(press.delay_ms if ended else node.timeout)
        data: dict[str, Any] = {"digits": digits}
        rest = (
            unread(press.digits, digits, node.dtmf_length, node.dtmf_stop)
            if len(press.digits) > len(digits)
            else ""
        )
        if rest:
            data["discarded"] = rest
            why = f"the Gather had its input ({digits!r}, dtmf_length={node.dtmf_length})"
            self.dropped.append(Dropped(press, rest, node, f"{why} and dropped the rest"))
        self._event("input", node, data)
        return digits

    def _choose(self, node: m.Gather, digits: str) -> None:
        branch: m.Node | None = None
        for child in node.children:
            if type(child) is m.DTMF and child.value == digits:
                branch = child
                self._took(node, digits)
                break
        else:
            branch = node.default
            self._took(node, "other")
        if branch is None:
            self._fail(node, f"input {digits} matches no DTMF value and there is no Default")
            return
        self.frames.append(Frame(BLOCK, branch, branch.children))

    # ---- blocks that choose by condition -------------------------------------------------

    def _condition(self, node: m.Call | m.Geo | m.Schedule, holds: bool) -> None:
        self._took(node, "true" if holds else "false")
        if holds:
            self.frames.append(Frame(BLOCK, node, node.children))

    def _call(self, node: m.Call) -> None:
        decided = self._ask_condition(node)
        if decided is not None:
            self._condition(node, decided)
            return
        fields = self.fields
        if fields is None:
            c = self.ctx
            fields = self.fields = call_fields(c.from_, c.to, c.direction, c.call_uuid,
                                               c.app_uuid, c.extra)  # fmt: skip
        self._condition(node, value_matches(fields.get(node.field), node.value))

    def _geo(self, node: m.Geo) -> None:
        decided = self._ask_condition(node)
        if decided is not None:
            self._condition(node, decided)
            return
        if node.states is not None and self.state is None:
            state = self.ctx.state
            if state is None:
                from simulator.location import state_of  # heavy imports: only when needed

                state = state_of(self.ctx.from_)
            self.state = (state,)
        state = self.state[0] if self.state is not None else None
        self._condition(node, geo_matches(node.states, node.county, state, self.ctx.county))

    def _schedule(self, node: m.Schedule) -> None:
        decided = self._ask_condition(node)
        if decided is not None:
            self._condition(node, decided)
            return
        try:
            now = local_time(self.ctx.start, self.now, self.ctx.tz)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise _End("error", f"cannot evaluate Schedule: bad time zone {self.ctx.tz!r}") from exc
        self._condition(node, schedule_matches(node.dow, node.time, now))


_PROMPTS = frozenset(m.PROMPT_TYPES)

_RUN: dict[type[m.Node], Handler] = {
    m.Answer: Machine._answer_call, m.Say: Machine._say, m.Play: Machine._play,
    m.Pause: Machine._pause, m.Hangup: Machine._hangup, m.Hold: Machine._hold,
    m.Unhold: Machine._unhold, m.Tone: Machine._tone, m.Record: Machine._record,
    m.RecordStart: Machine._record_start, m.RecordStop: Machine._record_stop,
    m.RecordWait: Machine._record_wait, m.Dial: Machine._dial, m.Callback: Machine._callback,
    m.Curl: Machine._curl, m.Gather: Machine._gather, m.Call: Machine._call,
    m.Geo: Machine._geo, m.Schedule: Machine._schedule,
}  # fmt: skip
"""Node type -> handler, built once: dispatch is one dict lookup per command."""


Sink = Callable[[m.Response, "str | None", "Trail | None"], None]
RUNS: ContextVar[Sink | None] = ContextVar("callflow_runs", default=None)
"""When set (``simulator.coverage.collect``), every scripted call reports its document, file
and trail here: coverage of whatever runs calls, however they were configured."""


def scripted_call(
    flow: m.Response, caller: CallerScript, context: CallContext, http: Resolver | None,
    limits: Limits, file: str | None,
) -> CallResult:  # fmt: skip
    """One deterministic call (what ``simulate`` does), traced when a coverage sink listens."""
    sink = RUNS.get()
    provider = ScriptedProvider(caller, http if http is not None else CannedResolver())
    machine = Machine(flow, provider, context, limits, file, hangup_at=hangup_time(caller),
                      trace=sink is not None)  # fmt: skip
    machine.run()
    assert machine.result is not None  # a scripted provider never suspends
    if sink is not None:
        sink(flow, file, machine.trail)
    unused = unused_input(caller, provider, machine)
    return replace(machine.result, unused=unused) if unused else machine.result


def unused_input(caller: CallerScript, provider: ScriptedProvider, machine: Machine
                 ) -> tuple[Unused, ...]:  # fmt: skip
    """The script's actions the call did not use: keys a wait took and dropped (``dropped``),
    and every action no wait took (a hang-up at a time the call did not live to see)."""
    if not machine.dropped and provider.next_action >= len(caller.actions):
        return ()  # every action taken, none dropped: the usual call
    found: list[Unused] = []
    taken = list(provider.taken)
    for drop in machine.dropped:
        at = next((i for i, (index, _) in enumerate(taken) if caller.actions[index] is drop.press),
                  None)  # fmt: skip
        if at is None:  # not from the script (cannot happen with a scripted provider)
            continue
        index, _ = taken.pop(at)
        line = drop.node.pos.line if drop.node.pos else None
        found.append(Unused(index + 1, drop.keys, drop.reason, line))
    assert machine.result is not None
    end = machine.result.duration_ms
    for index in range(provider.next_action, len(caller.actions)):
        action = caller.actions[index]
        if type(action) is HangUp:
            if action.at_ms is not None and action.at_ms <= end:
                continue  # the clock reached it: the caller hung up then
            keys = "hang up"
        else:
            keys = action.digits if type(action) is Press else ""
        ended = "the caller hung up" if machine.result.result == "caller-hangup" else "it ended"
        waits = len(provider.taken)
        why = f"no wait for keys took it (the call had {waits} such waits; {ended} at {end} ms)"
        found.append(Unused(index + 1, keys, why))
    found.sort(key=lambda u: u.entry)
    return tuple(found)
