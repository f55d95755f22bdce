"""One recipient of a campaign: the attempts to reach them, and the call when they answer.

Retries and fallbacks follow the recipient's row: a *round* tries ``to`` and then each
fallback in order until one answers; up to ``1 + max_retries`` rounds. Each attempt is
answered, busy or not answered as the behaviour model draws. The answered call runs the
recipient's document on the resumable machine (``simulator.machine``) with
``CampaignProvider`` deciding every choice the callee and the world make:

- at a Gather wait: a key string, a hang-up, or silence, with the model's probabilities for
  that Gather (by line or tag); a Pause or Record that listens for a stop key hears nothing;
- before each Say, Play or Tone: whether the callee hangs up during it (the machine stops
  before the prompt, and when the draw says so the hang-up is set at a uniformly drawn moment
  of the prompt's estimated length, ``simulator.speech``);
- a Dial destination: answer, busy or no answer; an HTTP request: failed, or answered (a
  document the model names, an empty 200 for Curl, else a document the model does not know,
  which ends the call);
- conditions (Call, Geo, Schedule) are evaluated from the call: ``direction`` is outbound,
  ``from`` the row's ``from`` (else ``DEFAULT_FROM``), ``to`` the number dialled, the clock
  the model's ``start``.

Every draw comes from the recipient's own generator, seeded from (seed, row): a recipient's
calls do not depend on which process runs them or on the other rows.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from callflow import graph
from callflow import model as m
from callflow.campaign.recipients import Recipient
from simulator.caller import DialOutcome, Press
from simulator.campaign.behaviour import Behaviour, Keys
from simulator.choices import (
    HANGUP,
    UNKNOWN_DOCUMENT,
    ConditionPoint,
    DialPoint,
    HttpPoint,
    KeyAnswer,
    Wait,
)
from simulator.context import CallContext
from simulator.http import HttpAnswer, without_query
from simulator.limits import Limits
from simulator.machine import Before, Machine
from simulator.speech import PLAY_URL_MS, speech_ms, tone_ms

DEFAULT_FROM = "+18005550199"
"""The caller ID of a row without ``from`` (only a ``Call field="from"`` can tell)."""
LIMITS = Limits()
STAGES = (m.Say, m.Play, m.Tone, m.Gather, m.Dial, m.Record)
"""Commands the funnel reports: what the callee hears or answers."""
PROMPTS = (m.Say, m.Play, m.Tone)
"""Commands a callee can hang up during."""
HTTP_FAILED = "request failed (the behaviour model's http.fail)"
_TAGS = re.compile(r"<[^>]*>?")


@dataclass(frozen=True, slots=True)
class Site:
    """A command of the flow, as every rendered document has it (same id, same line)."""

    id: str
    command: str
    line: int | None
    tag: str | None
    text: str
    """The text on the template's line, markup left out (a prompt's words), as a label."""
    stage: bool
    labels: tuple[str, ...]
    """Every branch the command can take (``callflow.graph.branch_labels``)."""
    prompt_hangup: float = 0.0
    keys: Keys | None = None


class FlowMap:
    """The flow's commands by site id, with what the behaviour model says about each.

    Built once from any rendered document: values never change a document's structure, so
    every recipient's document has the same sites on the same lines.
    """

    def __init__(self, doc: m.Response, behaviour: Behaviour, lines: list[str]) -> None:
        self.sites: dict[str, Site] = {}
        for path, node, _, prompt in graph.walk(doc):
            if not node.IS_COMMAND:
                continue
            line = node.pos.line if node.pos is not None else None
            tag = getattr(node, "tag", None)
            source = lines[line - 1] if line is not None and line <= len(lines) else ""
            text = " ".join(_TAGS.sub(" ", source).split())
            self.sites[path] = Site(
                path,
                node.TAG,
                line,
                tag,
                text,
                isinstance(node, STAGES),
                graph.branch_labels(node, in_prompt=prompt),
                behaviour.prompt_hangup_for(line, tag) if isinstance(node, PROMPTS) else 0.0,
                behaviour.keys_for(line, tag) if isinstance(node, m.Gather) else None,
            )

    def unmatched(self, behaviour: Behaviour) -> list[tuple[str, str, int]]:
        """(section, selector, YAML line) for each selector that names no command."""
        out = []
        for section, selector in behaviour.selectors():
            kinds = PROMPTS if section == "prompts.by" else (m.Gather,)
            names = {k.TAG for k in kinds}
            if not any(
                s.command in names and selector.matches(s.line, s.tag) for s in self.sites.values()
            ):
                out.append((section, selector.text, selector.at))
        return out


def prompt_ms(node: m.Node, machine: Machine) -> int:
    """How long a prompt plays (the simulator's estimates)."""
    if isinstance(node, m.Say):
        return speech_ms(node.spoken) * node.loop
    if isinstance(node, m.Tone):
        return tone_ms(node.don, node.doff, node.loop, node.timeout)
    if isinstance(node, m.Play):
        if node.record is not None:
            return machine.recordings.get(node.record, 0) * node.loop
        return PLAY_URL_MS * node.loop
    return 0


class CampaignProvider:
    """Decides every outside choice of one answered call by drawing from the recipient's
    generator with the behaviour model's probabilities."""

    __slots__ = ("behaviour", "flow", "ids", "rng")

    def __init__(
        self, rng: random.Random, behaviour: Behaviour, flow: FlowMap, ids: dict[int, str]
    ) -> None:
        self.rng = rng
        self.behaviour = behaviour
        self.flow = flow
        self.ids = ids

    def _site(self, node: m.Node) -> Site | None:
        path = self.ids.get(id(node))
        return self.flow.sites.get(path) if path is not None else None

    def keys(self, point: Wait) -> KeyAnswer:
        node = point.node
        if type(node) is not m.Gather:
            return None
        site = self._site(node)
        if site is not None and site.keys is not None:
            choice = site.keys
        else:  # a Gather of a fetched document
            line = node.pos.line if node.pos is not None else None
            choice = self.behaviour.keys_for(line, node.tag)
        draw = self.rng.random()
        for digits, chance in choice.keys:
            draw -= chance
            if draw < 0:
                return Press(digits, choice.after_ms)
        return HANGUP if draw < choice.hangup else None

    def dial(self, point: DialPoint) -> tuple[DialOutcome, ...]:
        b, out = self.behaviour, []
        for _ in point.targets:
            draw = self.rng.random()
            if draw < b.dial_answer:
                out.append(DialOutcome("answer", b.dial_after_ms, b.dial_talk_ms))
            elif draw < b.dial_answer + b.dial_busy:
                out.append(DialOutcome("busy"))
            else:
                out.append(DialOutcome("no-answer"))
        return tuple(out)

    def http(self, point: HttpPoint) -> HttpAnswer:
        if self.rng.random() < self.behaviour.http_fail:
            return HttpAnswer(error=HTTP_FAILED)
        if type(point.node) is m.Curl:
            return HttpAnswer(200, "", source=point.request.url)
        known = self.behaviour.documents.get(without_query(point.request.url))
        if known is None:
            return UNKNOWN_DOCUMENT
        return HttpAnswer(200, known[0], source=known[1])

    def condition(self, point: ConditionPoint) -> None:
        return None

    def pause(self, node: m.Node) -> bool:
        """Stop before a prompt the callee may hang up during."""
        site = self._site(node)
        return site is not None and site.prompt_hangup > 0.0

    def before(self, machine: Machine, node: m.Node) -> None:
        """At a stop before a prompt: does the callee hang up during it, and when?"""
        site = self._site(node)
        if site is not None and self.rng.random() < site.prompt_hangup:
            machine.hang_up_at(machine.now + int(self.rng.random() * prompt_ms(node, machine)))


@dataclass(slots=True)
class Answered:
    """What an answered call did, in site ids."""

    duration_ms: int
    ending: str
    reached: set[str]
    visits: list[str]
    branches: list[tuple[str, str]]
    hung_up_at: str | None
    """The site where the callee hung up ("" outside the flow's own document)."""
    unhandled: list[tuple[str | None, int | None, str]]
    """(file, line, reason) of each failure no handler caught, and of a bound hit; file None
    for the flow."""


@dataclass(slots=True)
class Outcome:
    """One recipient: the attempts, and the call when someone answered."""

    row: int
    to: str
    attempts: int
    busy: int
    no_answer: int
    answered_by: int | None
    """Index into ``to`` and the fallbacks of the number that answered."""
    call: Answered | None


def _answered(machine: Machine, ids: dict[int, str], file: str | None) -> Answered:
    result = machine.result
    assert result is not None
    reached: set[str] = set()
    visits: list[str] = []
    branches: list[tuple[str, str]] = []
    trail: Any = machine.trail
    while trail:
        item, trail = trail
        if type(item) is int:
            path = ids.get(item)
            if path is not None:
                reached.add(path)
                visits.append(path)
        else:
            path = ids.get(item[0])
            if path is not None:
                branches.append((path, item[1]))
    hung = None
    if result.result == "caller-hangup":
        hung = ids.get(id(machine.node), "") if machine.node is not None else ""
    unhandled = [
        (None if e.file == file else e.file, e.line, str(e.data.get("reason", "")))
        for e in result.events
        if e.kind == "error" and not e.data.get("handled")
    ]
    if result.result in ("limit", "error"):  # a bound, or a run that cannot go on
        unhandled.append((None, None, result.reason or result.result))
    ending = machine.ending or result.result
    return Answered(result.duration_ms, ending, reached, visits, branches, hung, unhandled)


def run_call(
    doc: m.Response,
    ids: dict[int, str],
    flow: FlowMap,
    behaviour: Behaviour,
    rng: random.Random,
    context: CallContext,
    file: str | None,
) -> Answered:
    """One answered call of ``doc``, every choice drawn from ``rng``."""
    provider = CampaignProvider(rng, behaviour, flow, ids)
    machine = Machine(doc, provider, context, LIMITS, file, trace=True)
    machine.pause = provider.pause
    done = machine.run()
    while not done:
        pending = machine.pending
        assert isinstance(pending, Before)  # the provider answers every choice at once
        provider.before(machine, pending.node)
        done = machine.resume()
    return _answered(machine, ids, file)


def recipient_rng(seed: int, row: int) -> random.Random:
    """The generator of one recipient: from (seed, row) only."""
    return random.Random(f"{seed}:{row}")


def call_recipient(
    recipient: Recipient,
    doc: m.Response,
    ids: dict[int, str],
    flow: FlowMap,
    behaviour: Behaviour,
    seed: int,
    file: str | None,
) -> Outcome:
    """Try the recipient's numbers as the row says until one answers, and run that call."""
    rng = recipient_rng(seed, recipient.row)
    outcome = Outcome(recipient.row, recipient.to, 0, 0, 0, None, None)
    answer, busy = behaviour.answer, behaviour.answer + behaviour.busy
    destinations = recipient.destinations
    for _ in range(1 + recipient.max_retries):
        for index, number in enumerate(destinations):
            outcome.attempts += 1
            draw = rng.random()
            if draw < answer:
                context = CallContext(
                    from_=recipient.from_ or DEFAULT_FROM,
                    to=number,
                    direction="outbound",
                    start=behaviour.start,
                    tz=behaviour.tz,
                )
                outcome.answered_by = index
                outcome.call = run_call(doc, ids, flow, behaviour, rng, context, file)
                return outcome
            if draw < busy:
                outcome.busy += 1
            else:
                outcome.no_answer += 1
    return outcome
