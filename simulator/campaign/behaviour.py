"""The behaviour model of a campaign: how likely each thing a callee can do is.

A YAML file (every key optional except ``call.answer``; probabilities are numbers from 0 to 1
or percentages like ``25%``)::

    seed: 7                      # --seed wins over it
    call:                        # each attempt to reach a number
      answer: 0.7                #   the callee picks up
      busy: 0.1                  #   busy; the rest rings out (no answer)
    prompts:
      hangup: 0.02               # hangs up during any Say, Play or Tone ...
      by: {"line 12": 0.1}       # ... or during this one (by line, or by the command's tag)
    gathers:
      default: {silence: 1}      # every Gather not named below
      confirm:                   # by tag (or "line 9")
        keys: {"1": 0.6, "2": 0.25}
        hangup: 0.05             # hangs up at the wait; silence is the rest (0.10)
        after_ms: 2000           # keys come this long after the prompts end
    dial: {answer: 0.8, busy: 0.1, after_ms: 5000, talk_ms: 120000}   # Dial inside the flow
    http:
      fail: 0.01                 # a Callback, Curl or Gather url request fails
      documents: {"https://ivr.example.com/next": next.xml}   # what a URL answers
    billing: {increment_s: 60, minimum_s: 60}
    start: "2026-01-05T10:00:00" # when the calls are placed (Schedule), in tz
    tz: America/New_York

Every draw is independent: one per attempt to call, per prompt, per Gather attempt, per Dial
destination, per request. Mistakes are reported at their YAML line (``CP02x``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml.nodes import Node

from callflow import types as ct
from callflow.decoding import Undecodable, decode
from callflow.diagnostics import Finding, RuleInfo
from callflow.fsio import read_regular
from simulator.conditions import check_start
from simulator.yamlread import NodeReader

UNREADABLE = RuleInfo("CP020", "behaviour-unreadable", "error", "The model cannot be read.")
SYNTAX = RuleInfo("CP021", "behaviour-syntax", "error", "The model is not valid YAML.")
UNKNOWN_KEY = RuleInfo("CP022", "behaviour-unknown-key", "error", "A key models do not have.")
BAD_VALUE = RuleInfo("CP023", "behaviour-bad-value", "error", "A value of the wrong kind.")
UNMATCHED = RuleInfo(
    "CP024", "behaviour-unmatched", "warning", "A selector that names no command of the flow."
)
RULES: tuple[RuleInfo, ...] = (UNREADABLE, SYNTAX, UNKNOWN_KEY, BAD_VALUE, UNMATCHED)

MAX_BYTES = 1024 * 1024
EPSILON = 1e-9
"""Slack when checking that probabilities add up to at most 1."""
LINE = re.compile(r"line\s+([1-9][0-9]*)")
DEFAULT_START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
TOP_KEYS = ("seed", "call", "prompts", "gathers", "dial", "http", "billing", "start", "tz")


class BehaviourError(Exception):
    """A model that cannot be used; ``finding`` says why and where."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.render())


@dataclass(frozen=True, slots=True)
class Keys:
    """What a callee does at one wait of a Gather: each key string, hang up, or (the rest)
    nothing."""

    keys: tuple[tuple[str, float], ...] = ()
    hangup: float = 0.0
    after_ms: int = 0

    @property
    def silence(self) -> float:
        return max(0.0, 1.0 - self.hangup - sum(p for _, p in self.keys))


@dataclass(frozen=True, slots=True)
class Selector:
    """A command named by the model: ``line N`` or a ``tag`` value; where it is written."""

    text: str
    line: int | None
    at: int
    """The YAML line of the selector (for the warning when it names nothing)."""

    def matches(self, line: int | None, tag: str | None) -> bool:
        return line == self.line if self.line is not None else tag == self.text


@dataclass(frozen=True, slots=True)
class Behaviour:
    """A loaded model (see the module docstring for the meaning of each field)."""

    file: str
    answer: float
    busy: float = 0.0
    seed: int | None = None
    prompt_hangup: float = 0.0
    prompts: tuple[tuple[Selector, float], ...] = ()
    gathers: tuple[tuple[Selector, Keys], ...] = ()
    default_keys: Keys = Keys()
    dial_answer: float = 1.0
    dial_busy: float = 0.0
    dial_after_ms: int = 3000
    dial_talk_ms: int = 60000
    http_fail: float = 0.0
    documents: dict[str, tuple[str, str]] = field(default_factory=dict)
    """URL (without query) -> (document text, file it came from)."""
    increment_s: int = 60
    minimum_s: int = 60
    start: datetime = DEFAULT_START
    tz: str = "UTC"
    warnings: tuple[Finding, ...] = ()
    """Doubtful but usable values (durations that look like seconds: CF160)."""

    def keys_for(self, line: int | None, tag: str | None) -> Keys:
        """The key choices at a Gather: by line first, then by tag, else the default."""
        found = [k for s, k in self.gathers if s.line is not None and s.line == line]
        found = found or [k for s, k in self.gathers if s.line is None and s.text == tag]
        return found[0] if found else self.default_keys

    def prompt_hangup_for(self, line: int | None, tag: str | None) -> float:
        found = [p for s, p in self.prompts if s.line is not None and s.line == line]
        found = found or [p for s, p in self.prompts if s.line is None and s.text == tag]
        return found[0] if found else self.prompt_hangup

    def billed_s(self, duration_ms: int) -> int:
        """Seconds billed for an answered call: whole increments started, at least the
        minimum."""
        increment = self.increment_s * 1000
        started = -(-duration_ms // increment) * self.increment_s
        return max(self.minimum_s, started)

    def selectors(self) -> list[tuple[str, Selector]]:
        """(section, selector) for every command the model names."""
        return [("prompts.by", s) for s, _ in self.prompts] + [
            ("gathers", s) for s, _ in self.gathers
        ]


# ---- reading ------------------------------------------------------------------------------


class _Reader(NodeReader):
    def __init__(self, file: str) -> None:
        super().__init__(file, error=BehaviourError, bad_value=BAD_VALUE, unknown_key=UNKNOWN_KEY)

    def probability(self, node: Node, what: str) -> float:
        raw = self.text(node, what).strip()
        try:
            value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:
            self.fail(
                node,
                BAD_VALUE,
                f"{what} must be a probability from 0 to 1 (or 0% to 100%), not {raw!r}",
            )
        return value

    def at_most_one(self, node: Node, what: str, *parts: float) -> None:
        if sum(parts) > 1.0 + EPSILON:
            self.fail(
                node,
                BAD_VALUE,
                f"the probabilities of {what} add up to {sum(parts):g}, more than 1",
            )

    def selector(self, node: Node, what: str) -> Selector:
        text = self.text(node, what).strip()
        found = LINE.fullmatch(text)
        return Selector(text, int(found.group(1)) if found else None, node.start_mark.line + 1)


def _keys(r: _Reader, node: Node, what: str) -> Keys:
    spec = r.mapping(node, what, ("keys", "hangup", "silence", "after_ms"))
    keys: list[tuple[str, float]] = []
    if "keys" in spec:
        for digits, (key_node, value) in r.mapping(spec["keys"][1], f"{what}.keys").items():
            try:
                ct.DTMF_KEYS.parse(digits)
            except ValueError as exc:
                r.fail(key_node, BAD_VALUE, f"{what}.keys: {exc}")
            keys.append((digits, r.probability(value, f"{what}.keys.{digits}")))
    hangup = r.probability(spec["hangup"][1], f"{what}.hangup") if "hangup" in spec else 0.0
    total = [hangup, *(p for _, p in keys)]
    r.at_most_one(node, what, *total)
    if "silence" in spec:
        silence = r.probability(spec["silence"][1], f"{what}.silence")
        if abs(sum(total) + silence - 1.0) > 1e-6:
            message = f"keys, hangup and silence of {what} add up to {sum(total) + silence:g}"
            r.fail(
                spec["silence"][1],
                BAD_VALUE,
                f"{message}, not 1",
                "leave silence out: it is the rest",
            )
    after = r.duration_ms(spec["after_ms"][1], f"{what}.after_ms") if "after_ms" in spec else 0
    return Keys(tuple(keys), hangup, after)


def _document(r: _Reader, base: Path, node: Node, url: str) -> tuple[str, str]:
    raw = r.text(node, f"http.documents.{url}")
    path = Path(os.path.normpath(base / raw))
    try:
        data = read_regular(path, MAX_BYTES)
    except OSError as exc:
        r.fail(node, BAD_VALUE, f"http.documents: cannot read {raw!r}: {exc.strerror or exc}")
    if len(data) > MAX_BYTES:
        r.fail(node, BAD_VALUE, f"http.documents: {raw!r} is larger than {MAX_BYTES} bytes")
    try:  # as every answer is decoded (simulator.http.answer_of): BOM, XML declaration
        return decode(data), str(path)
    except Undecodable as exc:
        where = f"line {exc.line}, column {exc.col}"
        r.fail(node, BAD_VALUE, f"http.documents: cannot decode {raw!r}: {exc.message} ({where})")


def _read(r: _Reader, root: Node, base: Path) -> Behaviour:
    top = r.mapping(root, "the behaviour model", TOP_KEYS)
    if "call" not in top:
        r.fail(root, BAD_VALUE, "the model needs call: {answer: P}", "how likely a callee picks up")
    values: dict[str, Any] = {}
    call = r.mapping(top["call"][1], "call", ("answer", "busy"))
    if "answer" not in call:
        r.fail(top["call"][1], BAD_VALUE, "call needs answer: P (how likely a callee picks up)")
    values["answer"] = r.probability(call["answer"][1], "call.answer")
    if "busy" in call:
        values["busy"] = r.probability(call["busy"][1], "call.busy")
    r.at_most_one(top["call"][1], "call", values["answer"], values.get("busy", 0.0))
    if "seed" in top:
        values["seed"] = r.whole(top["seed"][1], "seed")
    if "prompts" in top:
        prompts = r.mapping(top["prompts"][1], "prompts", ("hangup", "by"))
        if "hangup" in prompts:
            values["prompt_hangup"] = r.probability(prompts["hangup"][1], "prompts.hangup")
        if "by" in prompts:
            values["prompts"] = tuple(
                (r.selector(k, "prompts.by"), r.probability(v, f"prompts.by.{name}"))
                for name, (k, v) in r.mapping(prompts["by"][1], "prompts.by").items()
            )
    if "gathers" in top:
        gathers = []
        for name, (key, value) in r.mapping(top["gathers"][1], "gathers").items():
            keys = _keys(r, value, f"gathers.{name}")
            if name == "default":
                values["default_keys"] = keys
            else:
                gathers.append((r.selector(key, "gathers"), keys))
        values["gathers"] = tuple(gathers)
    if "dial" in top:
        dial = r.mapping(top["dial"][1], "dial", ("answer", "busy", "after_ms", "talk_ms"))
        for word, attr in (("answer", "dial_answer"), ("busy", "dial_busy")):
            if word in dial:
                values[attr] = r.probability(dial[word][1], f"dial.{word}")
        for word, attr in (("after_ms", "dial_after_ms"), ("talk_ms", "dial_talk_ms")):
            if word in dial:
                values[attr] = r.duration_ms(dial[word][1], f"dial.{word}")
        r.at_most_one(
            top["dial"][1], "dial", values.get("dial_answer", 1.0), values.get("dial_busy", 0.0)
        )
    if "http" in top:
        http = r.mapping(top["http"][1], "http", ("fail", "documents"))
        if "fail" in http:
            values["http_fail"] = r.probability(http["fail"][1], "http.fail")
        if "documents" in http:
            values["documents"] = {
                url: _document(r, base, v, url)
                for url, (_, v) in r.mapping(http["documents"][1], "http.documents").items()
            }
    if "billing" in top:
        billing = r.mapping(top["billing"][1], "billing", ("increment_s", "minimum_s"))
        if "increment_s" in billing:
            values["increment_s"] = r.whole(billing["increment_s"][1], "billing.increment_s", 1)
        if "minimum_s" in billing:
            values["minimum_s"] = r.whole(billing["minimum_s"][1], "billing.minimum_s")
    tz = r.text(top["tz"][1], "tz").strip() if "tz" in top else "UTC"
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        r.fail(
            top["tz"][1],
            BAD_VALUE,
            f"unknown time zone {tz!r}",
            "an IANA name like America/New_York",
        )
    values["tz"] = tz
    if "start" in top:
        raw = r.text(top["start"][1], "start").strip()
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            r.fail(
                top["start"][1],
                BAD_VALUE,
                f"start: {raw!r} is not an ISO date-time such as 2026-01-05T09:30:00",
            )
        try:
            check_start(moment, raw)
        except ValueError as exc:
            r.fail(top["start"][1], BAD_VALUE, f"start: {exc}")
        values["start"] = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return Behaviour(r.file, **values, warnings=tuple(r.warnings))


def parse_behaviour(text: str, file: str, base: Path | None = None) -> Behaviour:
    """A model from YAML text; ``BehaviourError`` at the first mistake."""
    r = _Reader(file)
    root = r.compose(text, SYNTAX)
    if root is None:
        r.fail(None, BAD_VALUE, "the model is empty", "it needs at least call: {answer: P}")
    return _read(r, root, base if base is not None else Path(file).parent)


def load_behaviour(path: str | os.PathLike[str]) -> Behaviour:
    """A model from a file; ``BehaviourError`` (CP020) if it cannot be read."""
    file = os.fspath(path)
    try:
        data = read_regular(file, MAX_BYTES)
        if len(data) > MAX_BYTES:
            raise OSError(f"larger than {MAX_BYTES} bytes")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        finding = Finding(UNREADABLE.code, "error", f"cannot read: {reason}", file, 1, 1)
        raise BehaviourError(finding) from None
    return parse_behaviour(text, file)
