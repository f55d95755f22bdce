"""The interpreter: runs a call flow model on a virtual clock against a scripted caller.

The spec's run semantics and its Decision lines are the contract. The choices the spec leaves
to a simulator, made here once:

- **Who consumes caller actions.** Only waits that listen for keys take the script's next
  action: every Gather attempt, and a Pause or Record that has ``dtmf_stop`` (not a Pause played
  as a Gather prompt). ``Silence`` and ``Press("")`` mean nothing is pressed at that wait;
  ``HangUp()`` hangs up as the wait begins; ``HangUp(at_ms=T)`` hangs up when the clock reaches
  T wherever the flow is (until then it keeps its place in the script, and waits that reach it
  hear silence). An exhausted script is silence.
- **Gather.** An attempt emits ``gather``, plays the prompts in full (barge-in is not
  modelled), then waits; ``Press.delay_ms`` counts from the end of the prompts. Keys are read
  up to ``dtmf_length`` or the stop key (not part of the input; later keys are dropped). Input
  that ends either way arrives at ``delay_ms``; fewer keys and no stop key: the wait runs to
  ``timeout`` and the keys read are the input. Keys later than ``timeout`` are lost (timeout).
- **Pause / Record ``dtmf_stop``.** A Press holding a stop key ends the pause (or the
  recording, cutting its children short) ``delay_ms`` after it began. A Record without
  children records until its stop key or ``timeout`` (``DEFAULT_RECORD_MS`` when it has
  neither). ``RecordWait`` returns at once; a background recording lasts from ``RecordStart``
  to ``RecordStop`` (or to now, when played back while still running).
- **Dial.** Every destination rings at once; the fastest ``answer`` within ``timeout`` (ties:
  the first written) is bridged for its ``talk_ms``, then the flow goes on. Otherwise the Dial
  fails with outcome ``no-answer`` after ``timeout`` when anyone rang out, else ``busy`` or
  ``fail`` at once.
- **HTTP.** The ``http`` event is stamped when the request is sent; the clock then advances by
  the answer's ``elapsed_ms`` (capped by the request timeout, beyond which it is a timeout).
  Wall-clock time never enters a run: canned answers, in-process apps, live servers and
  cassettes all report 0 ms for an answer and the command's timeout for a timeout, so a run is
  the same whichever backend answers (a custom resolver may model latency in ``elapsed_ms``).
  An answered document is read like a flow file (safe parser, XSD, lint rules): any error
  finding fails the command, quoted in the reason as ``URL:line:col: CODE error ...``.
  After a failed Callback whose handler does not hang up, the flow goes on after it.
- **Events.** One per command (a Say or Play ``loop`` > 1 is a ``loop`` field, not repeats);
  every event of a command with a ``tag`` carries it. The hang-up at the end of the document
  has no line.
- **Hold** and ``Unhold`` only mark the call in the transcript; the hold ``timeout`` is not
  enforced.
- **Steps** count commands run (prompts included) and every Gather attempt after the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from callflow import model as m
from callflow.grammar import HANDLER_BLOCKS
from callflow.lint import lint_loaded
from callflow.parser import load_bytes
from simulator.caller import CallerScript, HangUp, Press, Silence
from simulator.conditions import (
    call_fields,
    geo_matches,
    local_time,
    schedule_matches,
    value_matches,
)
from simulator.context import CallContext
from simulator.http import CannedResolver, HttpAnswer, HttpRequest, Resolver
from simulator.limits import Limits
from simulator.requests import fetch_request, gather_request
from simulator.speech import PLAY_URL_MS, speech_ms, tone_ms
from simulator.transcript import CallResult, Event, EventKind, ResultKind

DEFAULT_RECORD_MS = 60_000
"""Length of a Record with no children, no ``timeout`` and no stop key pressed."""
ERROR_LANG = "en-US"
"""Language of the reason an ``<Error play="true">`` speaks."""

_NEVER = float("inf")


class _End(Exception):
    """The call is over: hung up by the flow or the caller, or a bound was hit."""

    def __init__(self, result: ResultKind, reason: str | None = None) -> None:
        self.result = result
        self.reason = reason


class _Replace(Exception):
    """A fetched document replaces what is left of the current one."""

    def __init__(self, doc: m.Response, file: str) -> None:
        self.doc = doc
        self.file = file


class _Deadline:
    """When a running Record stops; compared by identity, so nested Records stay apart."""

    __slots__ = ("at",)

    def __init__(self, at: int) -> None:
        self.at = at


class _Cut(Exception):
    """A Record's deadline came while its children were running."""

    def __init__(self, deadline: _Deadline) -> None:
        self.deadline = deadline


_DOCS: dict[tuple[str, str], tuple[m.Response | None, str]] = {}
_DOCS_MAX = 256
_SHOWN = 3
"""Findings of an invalid answered document quoted in the failure reason."""


def _fetched(text: str, source: str) -> tuple[m.Response | None, str]:
    """Read an answered document as a flow file is read (safe parser, XSD, lint), cached.

    Warnings do not matter; an error finding makes the document invalid. The model is
    immutable, so a cached one is shared between runs.
    """
    key = (text, source)
    hit = _DOCS.get(key)
    if hit is not None:
        return hit
    loaded = load_bytes(text.encode("utf-8", "replace"), source, "utf-8")
    errors = [f for f in lint_loaded(loaded) if f.severity == "error"]
    found: tuple[m.Response | None, str] = (loaded.model, "")
    if loaded.model is None or errors:
        shown = "; ".join(f.render() for f in errors[:_SHOWN]) or f"{source}: unreadable"
        more = f" (and {len(errors) - _SHOWN} more)" if len(errors) > _SHOWN else ""
        found = (None, f"the answer is not a valid call flow: {shown}{more}")
    if len(_DOCS) >= _DOCS_MAX:
        _DOCS.clear()
    _DOCS[key] = found
    return found


def _read_keys(digits: str, length: int, stop: str) -> tuple[str, bool]:
    """The input a Gather reads from ``digits``, and whether it ended (length or stop key)."""
    for index, key in enumerate(digits):
        if key == stop:
            return digits[:index], True
        if index + 1 == length:
            return digits[: index + 1], True
    return digits, False


def _stop_key(digits: str, keys: str) -> bool:
    return any(k in keys for k in digits)


Handler = Callable[["Engine", Any], None]


class Engine:
    """The state of one simulated call. ``run`` once; use ``simulate`` rather than this."""

    __slots__ = (
        "actions", "background", "caller", "ctx", "cuts", "events", "fields", "file", "hangup_at",
        "hops", "http", "in_prompt", "limits", "max_steps", "next_action", "node", "now",
        "recordings", "root", "stack", "state", "steps", "stop_at",
    )  # fmt: skip

    def __init__(
        self, flow: m.Response, caller: CallerScript, context: CallContext,
        http: Resolver | None, limits: Limits, file: str | None,
    ) -> None:  # fmt: skip
        self.root = flow
        self.caller = caller
        self.ctx = context
        self.http: Resolver = http if http is not None else CannedResolver()
        self.limits = limits
        self.max_steps = limits.max_steps
        self.file = file if file is not None else (flow.pos.file if flow.pos else None)
        self.now = 0
        self.events: list[Event] = []
        self.stack: list[m.Node] = []
        self.steps = 0
        self.hops = 0
        self.actions = caller.actions
        self.next_action = 0
        times = [a.at_ms for a in caller.actions if type(a) is HangUp and a.at_ms is not None]
        if caller.hangup_at_ms is not None:
            times.append(caller.hangup_at_ms)
        self.hangup_at: float = min(times) if times else _NEVER
        self.cuts: list[_Deadline] = []
        self.stop_at: float = 0
        self._restop()
        self.node: m.Node | None = None
        self.recordings: dict[str, int] = {}
        self.background: dict[str | None, int] = {}
        self.in_prompt = False
        self.fields: dict[str, Any] | None = None
        self.state: tuple[str | None] | None = None

    # ---- the run -------------------------------------------------------------------------

    def run(self) -> CallResult:
        doc = self.root
        try:
            while True:
                try:
                    self._block(doc)
                except _Replace as swap:
                    doc, self.file = swap.doc, swap.file
                    self.stack.clear()
                    self.in_prompt = False
                    continue
                self._emit("hangup", None, {"by": "flow"})
                return CallResult("hangup", self.now, tuple(self.events))
        except _End as end:
            return CallResult(end.result, self.now, tuple(self.events), end.reason)

    def _block(self, node: m.Node) -> None:
        """Run a node's commands in order (its handlers, Meta and comments are skipped)."""
        stack = self.stack
        stack.append(node)
        run = _RUN
        for child in node.children:
            handler = run.get(type(child))
            if handler is not None:
                self._step(child)
                handler(self, child)
            elif child.IS_COMMAND:
                self._step(child)
                self._emit("note", child, {"text": f"{child.TAG} is not simulated"})
        stack.pop()

    def _step(self, node: m.Node) -> None:
        self.node = node
        self.steps += 1
        if self.steps > self.max_steps:
            raise self._limit(f"max_steps={self.max_steps}")
        if self.now >= self.stop_at:
            self._interrupt(self.now)

    # ---- clock, bounds, caller -----------------------------------------------------------

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

    def _take(self) -> Press | None:
        """The caller's action at a wait for keys: a Press, or None for silence."""
        index = self.next_action
        if index >= len(self.actions):
            return None
        action = self.actions[index]
        if isinstance(action, HangUp) and action.at_ms is not None and action.at_ms > self.now:
            return None
        self.next_action = index + 1
        if isinstance(action, Press):
            return action if action.digits else None
        if isinstance(action, Silence):
            return None
        self._caller_hangup()
        return None

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

        Blocks are ``grammar.HANDLER_BLOCKS`` (shared with lint rule CF161); a Gather's own Error
        is its no-input handler and does not catch failures inside its branches.
        """
        handler = node.error_handler
        own = handler is not None
        if handler is None:
            stack = self.stack
            for block in reversed(stack):
                if type(block) not in HANDLER_BLOCKS:
                    continue  # a command's own Error is for that command's failures only
                candidate = block.error_handler
                if candidate is not None and not any(candidate is s for s in stack):
                    handler = candidate
                    break
        self._emit("error", node, {"reason": reason, "handled": handler is not None})
        if handler is None:
            return
        if own:
            self.stack.append(node)
        if handler.play:
            self._speak(handler, reason, ERROR_LANG, 1)
        self._block(handler)
        if own:
            self.stack.pop()

    def _speak(self, node: m.Node, text: str, lang: str, loop: int) -> None:
        data: dict[str, Any] = {"text": text, "lang": lang}
        if loop > 1:
            data["loop"] = loop
        self._event("say", node, data)
        self._advance(speech_ms(text) * loop)

    # ---- commands that act on the call ---------------------------------------------------

    def _answer(self, node: m.Answer) -> None:
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
            press = self._take()
            if (
                press is not None
                and press.delay_ms < length
                and _stop_key(press.digits, node.dtmf_stop)
            ):
                length = data["length"] = press.delay_ms
                data["dtmf"] = press.digits
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
        self._event("tone", node, {"hz": node.hz, "length": length})
        self._advance(length)

    # ---- recording -----------------------------------------------------------------------

    def _record(self, node: m.Record) -> None:
        start = self.now
        data: dict[str, Any] = {"tag": node.tag, "length": 0}
        self._event("record", node, data)
        end = start + node.timeout if node.timeout is not None else None
        if node.dtmf_stop and not self.in_prompt:
            press = self._take()
            if press is not None and _stop_key(press.digits, node.dtmf_stop):
                at = start + press.delay_ms
                if end is None or at < end:
                    end = at
                    data["dtmf"] = press.digits
        try:
            if not any(c.IS_COMMAND for c in node.children):
                self._advance((end if end is not None else start + DEFAULT_RECORD_MS) - start)
                return
            deadline = _Deadline(end) if end is not None else None
            if deadline is not None:
                self.cuts.append(deadline)
                self._restop()
            depth = len(self.stack)
            try:
                self._block(node)
            except _Cut as cut:
                if cut.deadline is not deadline:
                    raise
                del self.stack[depth:]
                self.in_prompt = False
            finally:
                if deadline is not None:
                    self.cuts = [c for c in self.cuts if c is not deadline]
                    self._restop()
        finally:
            data["length"] = self.now - start
            if node.tag is not None:
                self.recordings[node.tag] = self.now - start

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
        self._event("dial", node, {"targets": list(targets)})
        if not targets:
            self._fail(node, "Dial has no destination")
            return
        table, default = self.caller.dial, self.caller.dial_default
        winner, best = "", None
        rang_out = busy = False
        for target in targets:
            outcome = table.get(target, default)
            kind = outcome.kind
            if kind == "answer" and outcome.after_ms <= node.timeout:
                if best is None or outcome.after_ms < best.after_ms:
                    winner, best = target, outcome
            elif kind in ("answer", "no-answer"):
                rang_out = True
            elif kind == "busy":
                busy = True
        if best is not None:
            self._advance(best.after_ms)
            self._event("bridge", node, {"target": winner})
            self._advance(best.talk_ms)
            return
        if rang_out:
            self._advance(node.timeout)
            result, reason = "no-answer", f"nobody answered within {node.timeout} ms"
        elif busy:
            result, reason = "busy", "every destination was busy"
        else:
            result, reason = "fail", "every destination failed"
        self._event("dial.failed", node, {"outcome": result})
        self._fail(node, f"Dial: {reason}")

    # ---- HTTP ----------------------------------------------------------------------------

    def _request(self, node: m.Node, request: HttpRequest) -> HttpAnswer:
        try:
            answer = self.http.resolve(request)
        except Exception as exc:  # a resolver's bug or a user's app crashing is a failed request
            answer = HttpAnswer(error=f"{type(exc).__name__}: {exc}")
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
        if not answer.ok:
            self._fail(node, answer.error or f"HTTP status {answer.status}")
            return None
        doc, reason = _fetched(answer.text or "", url)
        if doc is None:
            self._fail(node, reason)
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
        answer = self._request(node, fetch_request(node, self.ctx))
        doc = self._document(node, answer, node.url)
        if doc is not None:
            self._replace(doc, node.url)

    def _curl(self, node: m.Curl) -> None:
        answer = self._request(node, fetch_request(node, self.ctx))
        if not answer.ok:
            self._fail(node, answer.error or f"HTTP status {answer.status}")

    # ---- Gather --------------------------------------------------------------------------

    def _gather(self, node: m.Gather) -> None:
        prompts = [c for c in node.children if type(c) in _PROMPTS]
        history: list[dict[str, Any]] = []
        for attempt in range(1, node.attempts + 1):
            if attempt > 1:
                self._step(node)
            self._event("gather", node, {"attempt": attempt})
            if prompts:
                self._prompts(node, prompts)
            self.node = node
            digits = self._wait_input(node)
            history.append({"attempt": attempt, "dtmf": digits, "success": bool(digits)})
            if digits:
                self._choose(node, digits, attempt, history)
                return
        self._fail(node, f"no input after {node.attempts} attempt(s)")

    def _prompts(self, node: m.Gather, prompts: list[m.Node]) -> None:
        self.stack.append(node)
        self.in_prompt = True
        try:
            for prompt in prompts:
                self._step(prompt)
                _RUN[type(prompt)](self, prompt)
        finally:
            self.in_prompt = False
        self.stack.pop()

    def _wait_input(self, node: m.Gather) -> str:
        """One wait for keys: the input read ('' = none), with its ``input`` event."""
        press = self._take()
        if press is None or press.delay_ms > node.timeout:
            self._advance(node.timeout)
            self._event("input", node, {"timeout": True})
            return ""
        digits, ended = _read_keys(press.digits, node.dtmf_length, node.dtmf_stop)
        self._advance(press.delay_ms if ended else node.timeout)
        self._event("input", node, {"digits": digits})
        return digits

    def _choose(self, node: m.Gather, digits: str, attempt: int, history: list[Any]) -> None:
        if node.url:
            request = gather_request(node, self.ctx, digits, attempt, history)
            doc = self._document(node, self._request(node, request), node.url)
            if doc is not None:
                self._replace(doc, node.url)
            return
        branch: m.Node | None = None
        for child in node.children:
            if type(child) is m.DTMF and child.value == digits:
                branch = child
                break
        else:
            branch = node.default
        if branch is None:
            self._fail(node, f"input {digits} matches no DTMF value and there is no Default")
            return
        self.stack.append(node)
        self._block(branch)
        self.stack.pop()

    # ---- blocks that choose by condition -------------------------------------------------

    def _call(self, node: m.Call) -> None:
        fields = self.fields
        if fields is None:
            c = self.ctx
            fields = self.fields = call_fields(c.from_, c.to, c.direction, c.call_uuid,
                                               c.app_uuid, c.extra)  # fmt: skip
        if value_matches(fields.get(node.field), node.value):
            self._block(node)

    def _geo(self, node: m.Geo) -> None:
        if node.states is not None and self.state is None:
            state = self.ctx.state
            if state is None:
                from simulator.location import state_of  # heavy imports: only when needed

                state = state_of(self.ctx.from_)
            self.state = (state,)
        state = self.state[0] if self.state is not None else None
        if geo_matches(node.states, node.county, state, self.ctx.county):
            self._block(node)

    def _schedule(self, node: m.Schedule) -> None:
        try:
            now = local_time(self.ctx.start, self.now, self.ctx.tz)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise _End("error", f"cannot evaluate Schedule: bad time zone {self.ctx.tz!r}") from exc
        if schedule_matches(node.dow, node.time, now):
            self._block(node)


_PROMPTS = frozenset(m.PROMPT_TYPES)

_RUN: dict[type[m.Node], Handler] = {
    m.Answer: Engine._answer, m.Say: Engine._say, m.Play: Engine._play, m.Pause: Engine._pause,
    m.Hangup: Engine._hangup, m.Hold: Engine._hold, m.Unhold: Engine._unhold,
    m.Tone: Engine._tone, m.Record: Engine._record, m.RecordStart: Engine._record_start,
    m.RecordStop: Engine._record_stop, m.RecordWait: Engine._record_wait, m.Dial: Engine._dial,
    m.Callback: Engine._callback, m.Curl: Engine._curl, m.Gather: Engine._gather,
    m.Call: Engine._call, m.Geo: Engine._geo, m.Schedule: Engine._schedule,
}  # fmt: skip
"""Node type -> handler, built once: dispatch is one dict lookup per command."""


NO_SCRIPT = CallerScript()
"""A caller who never presses a key (every wait times out) and never hangs up."""
DEFAULT_CONTEXT = CallContext()
DEFAULT_LIMITS = Limits()


def simulate(
    flow: m.Response,
    *,
    caller: CallerScript = NO_SCRIPT,
    context: CallContext = DEFAULT_CONTEXT,
    http: Resolver | None = None,
    limits: Limits = DEFAULT_LIMITS,
    file: str | None = None,
) -> CallResult:
    """Run one call of ``flow`` and return its transcript and result.

    ``flow`` may also be a ``callflow.builder`` Response (it is built first). ``http=None``
    answers no request (every Callback, Curl and Gather url fails as if the
    server were down). ``file`` names the flow in events (default: where it was parsed from).
    """
    if not isinstance(flow, m.Response) and callable(getattr(flow, "build", None)):
        flow = flow.build()  # a callflow.builder Response
    if not isinstance(flow, m.Response):
        reason = f"a call flow must be a Response, not {type(flow).__name__}"
        return CallResult("error", 0, (), reason)
    return Engine(flow, caller, context, http, limits, file).run()
