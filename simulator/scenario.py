"""Scenario files: one simulated call in YAML (the flow, the call, the caller, the expectations).

The loader reads YAML as a node tree (``yaml.compose``) rather than as plain Python data, for
two reasons: every mistake is reported at its YAML line (``file:line:col: SCnnn error ...``),
and scalars keep the text the user wrote, so ``from: +12125550100`` stays a phone number and
``press: 0123`` stays four keys instead of becoming the integers YAML 1.1 would make of them.

The same value readers serve the ``callflow simulate`` flags and the pytest plugin, so
``busy``, ``answer:2000`` or ``--at 2026-01-05T09:00`` mean the same thing everywhere.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml.nodes import Node, ScalarNode

from callflow import model as m
from callflow import types as ct
from callflow.diagnostics import Finding, RuleInfo
from callflow.durations import seconds_warning
from callflow.fsio import read_regular
from callflow.lint import lint_loaded
from callflow.parser import UNREADABLE as FLOW_UNREADABLE
from callflow.parser import load
from simulator.caller import CallerAction, CallerScript, DialOutcome, HangUp, Press, Silence
from simulator.conditions import LONGEST_CALL_MS, check_start
from simulator.context import CallContext
from simulator.engine import simulate
from simulator.expect import (
    ENDINGS,
    AtLine,
    Ends,
    EventExpectation,
    Expectation,
    Failure,
    NotSay,
    Pattern,
    check,
)
from simulator.http import Canned, CannedResolver, Resolver
from simulator.limits import Limits
from simulator.render import clock
from simulator.resolvers.backends import BACKEND_KINDS, Backend, BackendError, build
from simulator.resolvers.routing import close_resolver
from simulator.resolvers.urls import check_base_url
from simulator.transcript import CallResult
from simulator.yamlread import SECONDS, NodeReader, kind_of

MAX_BYTES = 1024 * 1024
"""Largest scenario file read; real scenarios are a few dozen lines."""

UNREADABLE = RuleInfo("SC001", "scenario-unreadable", "error", "The scenario cannot be read.")
SYNTAX = RuleInfo("SC002", "scenario-syntax", "error", "The scenario is not valid YAML.")
UNKNOWN_KEY = RuleInfo("SC003", "scenario-unknown-key", "error", "A key scenarios do not have.")
BAD_VALUE = RuleInfo(
    "SC004", "scenario-bad-value", "error", "A value of the wrong type or a missing key."
)
MISSING_FILE = RuleInfo(
    "SC005", "scenario-missing-file", "error", "A file the scenario names does not exist."
)
BACKEND = RuleInfo(
    "SC006", "scenario-backend", "error", "An HTTP backend (app, server, cassette) fails to open."
)
SCENARIO_RULES: tuple[RuleInfo, ...] = (
    UNREADABLE, SYNTAX, UNKNOWN_KEY, BAD_VALUE, MISSING_FILE, BACKEND,
)  # fmt: skip

TOP_KEYS = ("flow", "description", "call", "caller", "dial", "http", "limits", "expect")
CALL_KEYS = (
    "from", "to", "direction", "at", "tz", "state", "county", "extra", "call_uuid", "app_uuid",
)  # fmt: skip
_CALL_TEXT = (
    ("from", "from_"), ("to", "to"), ("direction", "direction"), ("county", "county"),
    ("call_uuid", "call_uuid"), ("app_uuid", "app_uuid"),
)  # fmt: skip
"""Call keys taken as written: YAML key -> ``CallContext`` field."""
DIAL_KINDS = ("answer", "busy", "no-answer", "fail")
EXPECT_KEYS = ("say", "say_exact", "play", "dial", "http", "not_say", "ends", "at_line")
CANNED_KEYS = ("xml", "file", "status", "timeout")
BACKEND_KEYS = (*BACKEND_KINDS, "path")
_EXACT = {"dial": True, "http": True, "say": False, "say_exact": True, "play": False}
"""Event expectation keys, and whether plain text must equal the value (else: a substring,
case-insensitive). ``/regex/flags`` is a regex under every key."""

T = TypeVar("T")


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``finding`` says why and at which YAML line."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.render())


@dataclass(frozen=True, slots=True)
class Scenario:
    """One call to simulate and what it must do. Paths are resolved against the scenario file."""

    file: Path
    flow: Path
    context: CallContext = field(default_factory=CallContext)
    caller: CallerScript = field(default_factory=CallerScript)
    http: dict[str, Canned] = field(default_factory=dict)
    """URL without its query -> canned answer (exact URLs win over ``backends``)."""
    limits: Limits = field(default_factory=Limits)
    expect: tuple[Expectation, ...] = ()
    description: str | None = None
    backends: tuple[Backend, ...] = ()
    """Per URL prefix: an in-process app, a live server or a cassette (opened per call)."""
    warnings: tuple[Finding, ...] = ()
    """What reading found doubtful but usable (a duration that looks like seconds: CF160)."""

    @property
    def name(self) -> str:
        return self.file.name


# --- value readers shared by scenario files, CLI flags and the pytest plugin -----------------


def dial_outcome(text: str) -> DialOutcome:
    """``answer``, ``busy``, ``no-answer``, ``fail``, ``answer:AFTER_MS``, ``answer:AFTER:TALK``."""
    kind, *numbers = text.strip().split(":")
    if kind not in DIAL_KINDS or (numbers and kind != "answer") or len(numbers) > 2:
        raise ValueError(
            f"{text!r} is not a dial outcome (answer, busy, no-answer, fail, "
            "answer:AFTER_MS or answer:AFTER_MS:TALK_MS)"
        )
    try:
        values = [int(n) for n in numbers]
    except ValueError:
        raise ValueError(f"{text!r}: the times after 'answer:' are whole milliseconds") from None
    if any(v < 0 for v in values):
        raise ValueError(f"{text!r}: times cannot be negative")
    outcome = DialOutcome(kind)  # type: ignore[arg-type]  # checked against DIAL_KINDS above
    if values:
        outcome = dataclasses.replace(outcome, after_ms=values[0])
    if len(values) == 2:
        outcome = dataclasses.replace(outcome, talk_ms=values[1])
    return outcome


def dial_outcome_warnings(outcome: DialOutcome) -> list[tuple[str, str]]:
    """(message, hint) for each time of ``outcome`` that looks like seconds (as CF160)."""
    times = (("the time to answer", outcome.after_ms), ("the talk time", outcome.talk_ms))
    return [w for what, ms in times if ms is not None and (w := seconds_warning(what, ms))]


def zone(name: str) -> ZoneInfo:
    """An IANA time zone such as ``America/New_York``; ``ValueError`` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from None


def start_time(at: str | None, tz: str) -> datetime:
    """When the call starts: ``at`` (ISO 8601) read as local time in ``tz`` unless it has an offset.

    Without ``at`` the default start of ``CallContext`` is used.
    """
    local = zone(tz)
    if at is None:
        return CallContext().start
    try:
        moment = datetime.fromisoformat(at.strip())
    except ValueError:
        raise ValueError(f"{at!r} is not an ISO date-time such as 2026-01-05T09:30:00") from None
    check_start(moment, at.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=local)


def state_code(text: str) -> str:
    """A US state code (``ny`` -> ``NY``); ``ValueError`` if it is not one ``Geo`` knows."""
    code = text.strip().upper()
    if code not in ct.US_STATES:
        raise ValueError(f"{text!r} is not a US two-letter state code such as NY")
    return code


def press(digits: str, delay_ms: int = 0) -> CallerAction:
    """The action for one wait for input: keys (a trailing stop key allowed); ``''`` = silence."""
    if digits == "":
        return Silence()
    ct.DTMF_KEYS.parse(digits)  # raises AttrValueError (a ValueError) with what was expected
    return Press(digits, delay_ms)


def presses(inputs: Iterable[str]) -> tuple[CallerAction, ...]:
    """One action per wait for input, as ``--digits`` gives them (``''`` = silence)."""
    return tuple(press(d) for d in inputs)


def canned_file(path: Path) -> Canned:
    """A canned HTTP answer read from ``path``; ``ValueError`` if the file does not exist."""
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return Canned(file=path)


# --- the YAML node reader -------------------------------------------------------------------


class _Reader(NodeReader):
    """Reads typed values from YAML nodes, raising ``ScenarioError`` at the node's line."""

    def __init__(self, file: str, base: Path) -> None:
        super().__init__(file, error=ScenarioError, bad_value=BAD_VALUE, unknown_key=UNKNOWN_KEY)
        self.base = base

    def integer(self, node: Node, what: str) -> int:
        """A whole number >= 0 (counts, line numbers, statuses)."""
        return self.whole(node, what)

    def boolean(self, node: Node, what: str) -> bool:
        raw = self.text(node, what).lower() if isinstance(node, ScalarNode) else ""
        if raw not in ("true", "false", "yes", "no"):
            self.fail(node, BAD_VALUE, f"{what} must be true or false, not {kind_of(node)}")
        return raw in ("true", "yes")

    def converted(self, node: Node, what: str, parse: Callable[[str], T]) -> T:
        """Text run through ``parse``; its ``ValueError`` message is reported at the node."""
        raw = self.text(node, what)
        try:
            return parse(raw)
        except ValueError as exc:
            self.fail(node, BAD_VALUE, f"{what}: {exc}")

    def path(self, node: Node, what: str, *, folder: bool = False) -> Path:
        """A file (or a ``folder``) named relative to the scenario; it must exist."""
        raw = self.text(node, what)
        path = Path(os.path.normpath(self.base / raw))
        kind = "directory" if folder else "file"
        try:
            found = path.is_dir() if folder else path.is_file()
        except (OSError, ValueError) as exc:  # a name too long, a NUL: no file can have it
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.fail(node, MISSING_FILE, f"{what}: cannot use {raw[:80]!r} as a {kind}: {reason}")
        if not found:
            self.fail(node, MISSING_FILE, f"{what}: no such {kind} {raw!r} (looked at {path})")
        return path


# --- the sections of a scenario file --------------------------------------------------------


def _call(r: _Reader, node: Node) -> CallContext:
    keys = r.mapping(node, "call", CALL_KEYS)
    values: dict[str, object] = {}
    for key, attr in _CALL_TEXT:
        if key in keys:
            values[attr] = r.text(keys[key][1], f"call.{key}")
    if "state" in keys:
        values["state"] = r.converted(keys["state"][1], "call.state", state_code)
    tz = "UTC"
    if "tz" in keys:
        tz = r.text(keys["tz"][1], "call.tz")
        r.converted(keys["tz"][1], "call.tz", zone)
    values["tz"] = tz
    if "at" in keys:
        values["start"] = r.converted(keys["at"][1], "call.at", lambda at: start_time(at, tz))
    if "extra" in keys:
        extra = r.mapping(keys["extra"][1], "call.extra")
        values["extra"] = {k: r.text(v, f"call.extra.{k}") for k, (_, v) in extra.items()}
    return CallContext(**values)  # type: ignore[arg-type]  # keys and types checked above


def _action(r: _Reader, node: Node) -> CallerAction | int:
    """One caller action; an ``int`` is the time of a ``hangup: {at: MS}``."""
    if isinstance(node, ScalarNode):
        word = r.text(node, "a caller action")
        if word == "silence":
            return Silence()
        if word == "hangup":
            return HangUp()
        r.fail(node, BAD_VALUE, f"unknown caller action {word!r}",
               "use press: KEYS, silence or hangup")  # fmt: skip
    keys = r.mapping(node, "a caller action", ("press", "delay", "silence", "hangup"))
    if "press" in keys:
        if not set(keys) <= {"press", "delay"}:
            r.fail(node, BAD_VALUE, "a press takes only 'delay' beside it")
        delay = r.duration_ms(keys["delay"][1], "delay") if "delay" in keys else 0
        return r.converted(keys["press"][1], "press", lambda keys_: press(keys_, delay))
    if len(keys) != 1 or "delay" in keys:
        r.fail(node, BAD_VALUE, "'delay' belongs to a press: {press: '1', delay: 2000}")
    key, (_, value) = next(iter(keys.items()))
    if key == "silence":
        if value.tag != "tag:yaml.org,2002:null" and not r.boolean(value, "silence"):
            r.fail(value, BAD_VALUE, "write just '- silence'")
        return Silence()
    if value.tag == "tag:yaml.org,2002:null":
        return HangUp()
    at = r.mapping(value, "hangup", ("at",))
    if "at" not in at:
        r.fail(value, BAD_VALUE, "hangup takes 'at: MS' (when the caller hangs up)")
    return r.duration_ms(at["at"][1], "hangup.at")


def _caller(r: _Reader, node: Node | None, dial: Node | None) -> CallerScript:
    actions: list[CallerAction] = []
    hangup_at: int | None = None
    for item in r.sequence(node, "caller") if node is not None else []:
        action = _action(r, item)
        if isinstance(action, int):
            if hangup_at is not None:
                r.fail(item, BAD_VALUE, "the caller can hang up at one time only")
            hangup_at = action
        else:
            actions.append(action)
    table, default = _dial(r, dial) if dial is not None else ({}, DialOutcome())
    return CallerScript(tuple(actions), table, default, hangup_at)


def _outcome(r: _Reader, node: Node, what: str) -> DialOutcome:
    if isinstance(node, ScalarNode):
        outcome = r.converted(node, what, dial_outcome)
        for message, hint in dial_outcome_warnings(outcome):
            r.warn(node, SECONDS, f"{what}: {message}", hint)
        return outcome
    answer = r.mapping(node, what, ("answer",))
    if "answer" not in answer:
        r.fail(node, BAD_VALUE, f"{what}: write answer, busy, no-answer, fail or {{answer: ...}}")
    value = answer["answer"][1]
    if value.tag == "tag:yaml.org,2002:null":
        return DialOutcome("answer")
    timing = r.mapping(value, "answer", ("after", "talk"))
    outcome = DialOutcome("answer")
    if "after" in timing:
        outcome = dataclasses.replace(outcome, after_ms=r.duration_ms(timing["after"][1], "after"))
    if "talk" in timing:
        outcome = dataclasses.replace(outcome, talk_ms=r.duration_ms(timing["talk"][1], "talk"))
    return outcome


def _dial(r: _Reader, node: Node) -> tuple[dict[str, DialOutcome], DialOutcome]:
    table: dict[str, DialOutcome] = {}
    default = DialOutcome()
    for target, (_, value) in r.mapping(node, "dial").items():
        outcome = _outcome(r, value, f"dial outcome of {target!r}")
        if target == "default":
            default = outcome
        else:
            table[target] = outcome
    return table, default


def _http(r: _Reader, node: Node) -> tuple[dict[str, Canned], tuple[Backend, ...]]:
    """Canned answers by URL, and backends by URL prefix (their entries name app/live/cassette)."""
    answers: dict[str, Canned] = {}
    backends: list[Backend] = []
    for url, (key, value) in r.mapping(node, "http").items():
        if not url.startswith(("http://", "https://")):
            r.fail(key, BAD_VALUE, f"{url!r} is not an http(s) URL")
        if "?" in url or "#" in url:
            r.fail(key, BAD_VALUE, "http keys are URLs without their query",
                   "the simulator adds the query parameters itself")  # fmt: skip
        spec = r.mapping(value, f"the answer for {url}", (*CANNED_KEYS, *BACKEND_KEYS))
        if any(k in spec for k in BACKEND_KEYS):
            backends.append(_backend(r, url, value, spec))
        else:
            answers[url] = _canned(r, url, value, spec)
    return answers, tuple(backends)


def _canned(r: _Reader, url: str, node: Node, spec: dict[str, tuple[Node, Node]]) -> Canned:
    what = f"the answer for {url}"
    sources = [k for k in ("xml", "file", "timeout") if k in spec]
    if len(sources) > 1:
        r.fail(node, BAD_VALUE, f"{what} has {' and '.join(sources)}; give one of them")
    if not sources and "status" not in spec:
        r.fail(node, BAD_VALUE, f"{what} needs xml, file, status or timeout",
               "or app, live or cassette for a backend")  # fmt: skip
    status = 200
    if "status" in spec:
        status = r.integer(spec["status"][1], "status")
        if not 100 <= status <= 599:
            r.fail(spec["status"][1], BAD_VALUE, f"status {status} is not an HTTP status")
    if "timeout" in spec and not r.boolean(spec["timeout"][1], "timeout"):
        r.fail(spec["timeout"][1], BAD_VALUE, "write timeout: true, or leave it out")
    return Canned(
        xml=r.text(spec["xml"][1], "xml") if "xml" in spec else None,
        file=r.path(spec["file"][1], "file") if "file" in spec else None,
        status=status,
        timeout="timeout" in spec,
    )


def _app_spec(text: str) -> str:
    module, sep, attr = text.partition(":")
    if not sep or not module or not attr:
        raise ValueError(f"{text!r} is not MODULE:ATTR (for example mypkg.web:app)")
    return text


def _live_url(text: str) -> str:
    check_base_url(text)
    return text


def _backend(r: _Reader, prefix: str, node: Node, spec: dict[str, tuple[Node, Node]]) -> Backend:
    """``{app: MODULE:ATTR[, path: DIR]}``, ``{live: BASE_URL}`` or ``{cassette: FILE}``."""
    what = f"the backend for {prefix}"
    stray = [k for k in spec if k not in BACKEND_KEYS]
    if stray:
        r.fail(spec[stray[0]][0], BAD_VALUE, f"{what}: {stray[0]!r} is for canned answers",
               "a prefix is answered by app, live or cassette alone")  # fmt: skip
    kinds = [k for k in BACKEND_KINDS if k in spec]
    if len(kinds) != 1:
        named = f", not {' and '.join(kinds)}" if kinds else ""
        r.fail(node, BAD_VALUE, f"{what} needs one of app, live or cassette{named}")
    kind = kinds[0]
    if "path" in spec and kind != "app":
        r.fail(spec["path"][0], BAD_VALUE, f"{what}: 'path' (where to import an app from) "
               "goes with app")  # fmt: skip
    target = spec[kind][1]
    line, col = target.start_mark.line + 1, target.start_mark.column + 1
    if kind == "app":
        app = r.converted(target, "app", _app_spec)
        root = r.path(spec["path"][1], "path", folder=True) if "path" in spec else r.base
        return Backend(prefix, "app", app, root, line, col)
    if kind == "live":
        return Backend(prefix, "live", r.converted(target, "live", _live_url), None, line, col)
    return Backend(prefix, "cassette", str(r.path(target, "cassette")), None, line, col)


def _limits(r: _Reader, node: Node) -> Limits:
    names = tuple(f.name for f in dataclasses.fields(Limits))
    keys = r.mapping(node, "limits", names)
    values = {name: r.integer(value, name) for name, (_, value) in keys.items()}
    for name, (_, value) in keys.items():
        if values[name] < 1:
            r.fail(value, BAD_VALUE, f"{name} must be at least 1")
    if values.get("max_time_ms", 0) > LONGEST_CALL_MS:
        r.fail(keys["max_time_ms"][1], BAD_VALUE,
               f"max_time_ms must be at most {LONGEST_CALL_MS} (a year)")  # fmt: skip
    return dataclasses.replace(Limits(), **values)


def _expectation(r: _Reader, node: Node) -> Expectation:
    keys = r.mapping(node, "an expectation", EXPECT_KEYS)
    if len(keys) != 1:
        r.fail(node, BAD_VALUE, f"an expectation has exactly one key, not {len(keys)}",
               "write each one as its own '- key: value' item")  # fmt: skip
    key, (key_node, value) = next(iter(keys.items()))
    line = key_node.start_mark.line + 1
    if key in _EXACT:
        exact = _EXACT[key]
        pattern = r.converted(value, key, lambda raw: Pattern.parse(raw, exact=exact))
        return EventExpectation(key, pattern, line)  # type: ignore[arg-type]  # one of _EXACT
    if key == "not_say":
        return NotSay(r.converted(value, key, Pattern.parse), line)
    if key == "ends":
        ending = r.text(value, "ends")
        if ending not in ENDINGS:
            r.fail(value, BAD_VALUE, f"ends: {ending!r} is not one of {', '.join(ENDINGS)}")
        return Ends(ending, line)
    flow_line = r.integer(value, "at_line")
    if flow_line < 1:
        r.fail(value, BAD_VALUE, "at_line counts from 1")
    return AtLine(flow_line, line)


def parse_scenario(text: str, file: str) -> Scenario:
    """Read scenario YAML ``text``; ``file`` names it in errors and anchors relative paths."""
    r = _Reader(file, Path(file).parent)
    root = r.compose(text, SYNTAX)
    if root is None:
        r.fail(None, BAD_VALUE, "the scenario is empty; it needs at least 'flow: FILE.xml'")
    top = r.mapping(root, "the scenario", TOP_KEYS)
    if "flow" not in top:
        r.fail(root, BAD_VALUE, "missing 'flow:' (the call flow XML, relative to this file)")
    node = {key: value for key, (_, value) in top.items()}
    flow = r.path(node["flow"], "flow")
    context = _call(r, node["call"]) if "call" in node else CallContext()
    caller = _caller(r, node.get("caller"), node.get("dial"))
    http, backends = _http(r, node["http"]) if "http" in node else ({}, ())
    return Scenario(
        file=Path(file),
        flow=flow,
        context=context,
        caller=caller,
        http=http,
        backends=backends,
        limits=_limits(r, node["limits"]) if "limits" in node else Limits(),
        expect=tuple(_expectation(r, e) for e in r.sequence(node["expect"], "expect"))
        if "expect" in node
        else (),
        description=r.text(node["description"], "description") if "description" in node else None,
        warnings=tuple(r.warnings),
    )


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read one scenario file; ``ScenarioError`` (with the YAML line) if it cannot be used."""
    file = os.fspath(path)
    try:
        data = read_regular(file, MAX_BYTES)  # a FIFO or a directory is refused, not awaited
    except OSError as exc:
        message = f"cannot read scenario: {exc.strerror or exc}"
        raise ScenarioError(Finding(UNREADABLE.code, "error", message, file, 1, 1)) from None
    if len(data) > MAX_BYTES:
        message = f"scenario is larger than {MAX_BYTES} bytes"
        raise ScenarioError(Finding(UNREADABLE.code, "error", message, file, 1, 1))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"scenario is not UTF-8 text (byte {exc.start})"
        raise ScenarioError(Finding(UNREADABLE.code, "error", message, file, 1, 1)) from None
    return parse_scenario(text, file)


# --- running: the flow must lint without errors, then one call, then the expectations -------


@dataclass(frozen=True, slots=True)
class Flow:
    """A flow file read for simulation: the model, or why it cannot run."""

    path: Path
    model: m.Response | None
    errors: tuple[Finding, ...] = ()
    unreadable: bool = False
    source: str = ""
    """The text as the parser decoded it (byte order mark, XML declaration: ``Loaded.text``),
    so the debugger shows the lines the positions count, from the same bytes."""


def load_flow(path: str | os.PathLike[str]) -> Flow:
    """Parse and lint ``path``; a flow with lint errors is not simulated (warnings are fine)."""
    loaded = load(Path(path))
    unreadable = any(f.code == FLOW_UNREADABLE.code for f in loaded.findings)
    errors = tuple(f for f in lint_loaded(loaded) if f.severity == "error")
    return Flow(Path(path), None if errors else loaded.model, errors, unreadable, loaded.text)


@dataclass(frozen=True, slots=True)
class Run:
    """The outcome of one scenario: flow errors, or the call and the expectations it broke."""

    scenario: Scenario
    errors: tuple[Finding, ...] = ()
    result: CallResult | None = None
    failures: tuple[Failure, ...] = ()
    strict: bool = False
    """Caller input the call did not use fails the scenario (``--strict``)."""

    @property
    def passed(self) -> bool:
        return (
            self.result is not None
            and not self.errors
            and not self.failures
            and not (self.strict and self.result.unused)
        )

    def unused(self) -> list[str]:
        """The scripted caller input the call did not use, one line each."""
        if self.result is None:
            return []
        return [f"caller input not used: {u.describe()}" for u in self.result.unused]

    def headline(self) -> str:
        """One line: why it failed, or what the passing call did."""
        if self.errors:
            first = self.errors[0]
            return f"the flow has {len(self.errors)} error(s); first: {first.render()}"
        if self.failures:
            more = len(self.failures) - 1
            return self.failures[0].headline() + (f" (and {more} more)" if more else "")
        assert self.result is not None
        if self.strict and self.result.unused:
            more = len(self.result.unused) - 1
            return self.unused()[0] + (f" (and {more} more)" if more else "")
        held = len(self.scenario.expect)
        took = clock(self.result.duration_ms)
        return f"{self.result.result} after {took}, {held} expectation(s) held"

    def explain(self) -> list[str]:
        """Every flow error, or every failed expectation with the transcript around it."""
        if self.errors:
            return [f.render() for f in self.errors]
        lines = [line for f in self.failures for line in f.explain().splitlines()]
        return lines + (self.unused() if self.strict else [])


def resolver(scenario: Scenario) -> Resolver:
    """The scenario's HTTP answers: canned ones by URL, its backends by URL prefix.

    Close it (``close_resolver``) after the call: that releases apps and connections. Raises
    ``ScenarioError`` when a backend cannot be opened (an app that does not import, a broken
    cassette), at the line that names it.
    """
    canned = CannedResolver(dict(scenario.http))
    try:
        return build(scenario.backends, canned, str(scenario.file))
    except BackendError as exc:
        finding = Finding(BACKEND.code, "error", exc.message, exc.file, exc.line, exc.col)
        raise ScenarioError(finding) from None


def call(
    scenario: Scenario, flow: m.Response, file: str | None = None, http: Resolver | None = None
) -> CallResult:
    """Simulate ``flow`` with the scenario's call, caller, HTTP answers and limits.

    ``http`` replaces the scenario's own HTTP answers (``--app``, ``--base-url``, a replayed
    cassette); whoever passes it closes it.
    """
    backend = http if http is not None else resolver(scenario)
    try:
        return simulate(
            flow,
            caller=scenario.caller,
            context=scenario.context,
            http=backend,
            limits=scenario.limits,
            file=file or str(scenario.flow),
        )
    finally:
        if http is None:
            close_resolver(backend)


def run_scenario(scenario: Scenario, flow: Flow | None = None, http: Resolver | None = None,
                 *, strict: bool = False) -> Run:  # fmt: skip
    """Lint the flow, place the call, check the expectations. ``flow`` overrides the scenario's,
    ``http`` its HTTP answers (see ``call``); ``ScenarioError`` if a backend cannot be opened.
    ``strict``: caller input the call did not use fails the run."""
    flow = flow or load_flow(scenario.flow)
    if flow.model is None:
        return Run(scenario, errors=flow.errors, strict=strict)
    result = call(scenario, flow.model, str(flow.path), http)
    failures = tuple(check(scenario.expect, result))
    return Run(scenario, result=result, failures=failures, strict=strict)
