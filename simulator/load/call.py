"""One simulated call in real time: the machine of ``simulate``, stopped at every request.

``live_call`` drives ``simulator.machine.Machine`` exactly as the debugger and the campaign do
(suspend, then resume with an answer), and turns a call into a sequence of steps for whoever
runs it in real time (a Locust user, or a test):

- ``Sleep(ms)``: this much of the call's own (virtual) time passes before the next step;
- ``Send(point, name)``: a request to send now; the generator is resumed with its
  ``HttpAnswer`` (``elapsed_ms`` = the real time it took), which the machine then judges as
  it judges any answer: late, non-2xx or an invalid document is a failure, and the flow takes
  its Error branch.

The time a request really took is not slept again: the clock the caller waits on is the
machine's, minus what the network already spent. Nothing here imports Locust or sends HTTP.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from callflow import graph
from callflow import model as m
from callflow.positions import source_lines
from simulator.caller import CallerScript, DialOutcome
from simulator.campaign.behaviour import Behaviour
from simulator.campaign.call import DEFAULT_FROM, CampaignProvider, FlowMap
from simulator.choices import (
    SUSPEND,
    ChoiceProvider,
    ConditionPoint,
    DialPoint,
    HttpPoint,
    KeyAnswer,
    ScriptedProvider,
    Suspend,
    Wait,
    hangup_time,
)
from simulator.context import CallContext
from simulator.documents import answered
from simulator.http import CannedResolver, HttpAnswer, HttpRequest, answer_of
from simulator.limits import Limits
from simulator.machine import Before, Machine
from simulator.transcript import CallResult


@dataclass(frozen=True, slots=True)
class Sleep:
    """The call goes on for ``ms`` of its own time before the next step."""

    ms: int


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``point.request`` now, under the stats name ``name``."""

    point: HttpPoint
    name: str
    file: str | None
    """The document the command is in (the flow's file, or the URL that answered it)."""


Step = Sleep | Send
Drive = Generator[Step, HttpAnswer, Machine]


class _Live:
    """A provider that answers the caller's choices from ``inner`` and stops at every request:
    the answer comes from the real backend, sent by whoever drives the call."""

    __slots__ = ("inner",)

    def __init__(self, inner: ChoiceProvider) -> None:
        self.inner = inner

    def keys(self, point: Wait) -> KeyAnswer | Suspend:
        return self.inner.keys(point)

    def dial(self, point: DialPoint) -> tuple[DialOutcome, ...] | Suspend:
        return self.inner.dial(point)

    def http(self, point: HttpPoint) -> HttpAnswer | Suspend:
        return SUSPEND

    def condition(self, point: ConditionPoint) -> bool | Suspend | None:
        return self.inner.condition(point)


def request_name(node: m.Node, file: str | None, root_file: str | None) -> str:
    """The stats name of a request: ``L14 Gather url tag=pin``; a command of a fetched
    document is prefixed with the path of the URL that answered it (``/ivr/start L9 ...``)."""
    line = node.pos.line if node.pos is not None else "?"
    what = "Gather url" if isinstance(node, m.Gather) else node.TAG
    tag = getattr(node, "tag", None)
    name = f"L{line} {what}" + (f" tag={tag}" if tag else "")
    if file is None or file == root_file:
        return name
    return f"{urlsplit(file).path or file} {name}"


def live_call(machine: Machine, before: Callable[[Machine, m.Node], None] | None = None) -> Drive:
    """Drive ``machine`` (whose provider stops at requests) to the end of the call, yielding
    ``Sleep`` and ``Send`` steps; returns the finished machine. ``before`` is called at each
    stop before a command (``machine.pause``), as the campaign's callee model needs."""
    root_file = machine.file
    mark = 0
    done = machine.run()
    while not done:
        pending = machine.pending
        if machine.now > mark:
            yield Sleep(machine.now - mark)
            mark = machine.now
        if isinstance(pending, Before):
            if before is not None:
                before(machine, pending.node)
            done = machine.resume()
            continue
        assert isinstance(pending, HttpPoint), pending  # the caller answers every other choice
        name = request_name(pending.node, machine.file, root_file)
        answer = yield Send(pending, name, machine.file)
        mark = machine.now + min(answer.elapsed_ms, pending.request.timeout_ms)
        done = machine.resume(answer)
    if machine.now > mark:
        yield Sleep(machine.now - mark)
    return machine


def decode_body(
    status: int, raw: bytes, content_type: str, url: str
) -> tuple[str | None, str | None]:
    """A backend's body as the simulator decodes every answer (``simulator.http.answer_of``:
    byte order mark, XML declaration, the header's charset, strict): the text, or the finding
    that says why it cannot be read."""
    charset = None
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"'")
    decoded = answer_of(status, raw, charset, url)
    return decoded.text, decoded.unreadable


def judge(
    request: HttpRequest,
    status: int | None,
    text: str | None,
    elapsed_ms: int,
    error: str | None,
    *,
    timed_out: bool = False,
    unreadable: str | None = None,
) -> tuple[HttpAnswer, str | None, str | None]:
    """What Opentact makes of an answer: the ``HttpAnswer`` for the machine, and, when it
    failed, a short kind (for grouping) and the full reason (for Locust's failures table).

    A request fails when nothing came back, when it came later than the command's timeout
    (even if it did come), when the status is not 2xx, or when a Callback or Gather got a
    document the safe parser or the linter rejects, or a body that could not be decoded
    (``unreadable``, from ``simulator.http.answer_of``): ``simulator.documents.answered``, as
    the simulator judges every answer.
    """
    answer = HttpAnswer(status, text, error, elapsed_ms, request.url, unreadable)
    if error is not None:
        return answer, "late" if timed_out else "no answer", error
    if elapsed_ms > request.timeout_ms:
        reason = f"answered after {elapsed_ms} ms, later than the {request.timeout_ms} ms timeout"
        return answer, "late", reason
    if not answer.ok:
        return answer, f"status {status}", f"HTTP status {status}"
    if request.command != "Curl":
        doc, reason = answered(answer, request.url)
        if doc is None:
            return answer, "invalid document", reason
    return answer, None, None


# ---- callers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who places the calls: a behaviour model (a new random callee per call) or a fixed
    script (a scenario file or ``--digits``). ``flow`` is the linted document to call."""

    flow: m.Response
    file: str
    behaviour: Behaviour | None = None
    script: CallerScript = field(default_factory=CallerScript)
    context: CallContext = field(default_factory=CallContext)
    limits: Limits = field(default_factory=Limits)
    outbound: bool = False
    """Calls are placed by a campaign (outbound): the callee may not answer (``call.answer``)."""
    source: str = ""
    """The flow's text as the parser read it (``Flow.source``), for each command's line."""
    _map: tuple[FlowMap, dict[int, str]] | None = field(default=None, compare=False, repr=False)

    def _flow_map(self, behaviour: Behaviour) -> tuple[FlowMap, dict[int, str]]:
        if self._map is None:
            lines = source_lines(self.source)
            found = (FlowMap(self.flow, behaviour, lines), graph.site_ids(self.flow))
            object.__setattr__(self, "_map", found)
            return found
        return self._map

    def answers(self, rng: random.Random) -> bool:
        """Whether the callee of an outbound call picks up (always, for an inbound caller)."""
        if not self.outbound or self.behaviour is None:
            return True
        return rng.random() < self.behaviour.answer

    def machine(self, rng: random.Random) -> tuple[Machine, Callable[[Machine, m.Node], None]]:
        """A new call: its machine, and what to do at a stop before a command."""
        call_uuid = str(uuid.UUID(int=rng.getrandbits(128)))
        b = self.behaviour
        if b is None:
            ctx = _with_uuid(self.context, call_uuid)
            scripted = ScriptedProvider(self.script, CannedResolver())
            machine = Machine(self.flow, _Live(scripted), ctx, self.limits, self.file,
                              hangup_at=hangup_time(self.script))  # fmt: skip
            return machine, _nothing
        flow_map, ids = self._flow_map(b)
        drawn = CampaignProvider(rng, b, flow_map, ids)
        ctx = CallContext(
            from_=self.context.from_ if not self.outbound else DEFAULT_FROM,
            to=self.context.to,
            direction="outbound" if self.outbound else "inbound",
            start=b.start,
            tz=b.tz,
            call_uuid=call_uuid,
        )
        machine = Machine(self.flow, _Live(drawn), ctx, self.limits, self.file)
        machine.pause = drawn.pause
        return machine, drawn.before


def _nothing(machine: Machine, node: m.Node) -> None:
    """No decision at a stop before a command (a scripted caller never pauses)."""


def _with_uuid(ctx: CallContext, call_uuid: str) -> CallContext:
    return CallContext(ctx.from_, ctx.to, ctx.direction, ctx.state, ctx.county, ctx.start,
                       ctx.tz, call_uuid, ctx.app_uuid, dict(ctx.extra))  # fmt: skip


def call_rng(seed: int, user: str, call: int) -> random.Random:
    """The generator of one call: from (seed, user, call number) only, so the calls each user
    places repeat from run to run whatever the timing."""
    return random.Random(f"{seed}:{user}:{call}")


def ended_in_error_branch(result: CallResult, failed: set[tuple[str | None, int | None]]) -> bool:
    """Whether an Error branch ran for one of the requests that failed (file, line)."""
    return any(
        e.kind == "error" and e.data.get("handled") and (e.file, e.line) in failed
        for e in result.events
    )
