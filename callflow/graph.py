"""The flow as a graph: its commands, its branches, and where each branch leads.

A model consumer (like the rules and the serializer): it reads the document and never runs it.
Three users share these facts, so they agree by construction:

- ``commands`` and ``branches`` are what coverage counts (``callflow test --coverage``,
  ``callflow explore``); the simulator notes the same branch labels as it runs;
- ``build`` draws them for ``callflow graph``: one step per command (a Gather's prompts are part
  of the Gather), edges labelled with the key or outcome, failures to their ``Error`` handler as
  handler edges (drawn dashed), pseudo steps for the start, the end of the document and a
  fetched document.

Sites are named by their path of child indices from ``<Response>`` (``"2.3.0"``), which stays
the same between two runs on the same document and needs no source positions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from callflow import model as m
from callflow.flowfacts import failures, handler_for, recordings
from callflow.grammar import HANDLER_BLOCKS

OTHER, RETRY, NO_INPUT, HANG_UP = "other", "retry", "no input", "hang-up"
STOP, NO_KEY = "stop key", "no key"
ANSWER, BUSY, NO_ANSWER = "answer", "busy", "no answer"
OK, FAIL = "ok", "fail"
NO_RECORDING = "no recording"
"""A Play of a recording not made on this path fails (not a branch: a mistake in the flow)."""
TRUE, FALSE = "true", "false"

KEYS = "1234567890*#"
"""The keys a caller can press, in the order tried for an input that stands for any."""
START, END = "call_start", "call_end"
"""Ids of the pseudo steps (not words Mermaid reserves, such as ``end``)."""
_FAILS = (m.Dial, m.Callback, m.Curl)
"""Commands whose success goes on (or fetches) and whose ``flowfacts.failures`` are edges."""
_CONDITIONS = (m.Call, m.Geo, m.Schedule)
_PROMPTS = frozenset(m.PROMPT_TYPES)


@dataclass(frozen=True, slots=True)
class Site:
    """A command of the document, or one branch of a command (``label`` set)."""

    id: str
    command: str
    line: int | None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """A node of the drawn graph: a command (``site`` set) or a pseudo step."""

    id: str
    kind: str
    text: str
    line: int | None = None
    site: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str = ""
    handler: bool = False
    """A failure going to an ``Error`` handler (drawn dashed)."""
    branch: tuple[str, str] | None = None
    """(site id, branch label) when this edge is a branch, for colouring by coverage."""


@dataclass(frozen=True, slots=True)
class Graph:
    steps: tuple[Step, ...]
    edges: tuple[Edge, ...]


# ---- sites ------------------------------------------------------------------------------------


def walk(doc: m.Response) -> Iterator[tuple[str, m.Node, tuple[m.Node, ...], bool]]:
    """Every node below the root: (site id, node, ancestors from the root, inside a prompt)."""
    stack: list[tuple[m.Node, str, tuple[m.Node, ...], bool]] = [(doc, "", (), False)]
    while stack:
        node, path, ancestors, prompt = stack.pop()
        below = (*ancestors, node)
        is_gather = type(node) is m.Gather
        for index in range(len(node.children) - 1, -1, -1):
            child = node.children[index]
            child_path = f"{path}.{index}" if path else str(index)
            in_prompt = prompt or (is_gather and type(child) in _PROMPTS)
            stack.append((child, child_path, below, in_prompt))
        if node is not doc:
            yield path, node, ancestors, prompt


def digest(path: Path) -> str | None:
    """The SHA-256 of a flow file's bytes: coverage reports name the document they measured."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def site_ids(doc: m.Response) -> dict[int, str]:
    """``id(node)`` -> site id for every node of ``doc`` (how runs name what they did)."""
    return {id(node): path for path, node, _, _ in walk(doc)}


def _line(node: m.Node) -> int | None:
    return node.pos.line if node.pos is not None else None


def commands(doc: m.Response) -> list[Site]:
    """Every command, prompts and handlers included, in document order."""
    return [Site(path, node.TAG, _line(node)) for path, node, _, _ in walk(doc) if node.IS_COMMAND]


def branches(doc: m.Response) -> list[Site]:
    """Every branch of every command, in document order (see ``branch_labels``)."""
    return [
        Site(path, node.TAG, _line(node), label)
        for path, node, _, prompt in walk(doc)
        if node.IS_COMMAND
        for label in branch_labels(node, in_prompt=prompt)
    ]


def enterable(gather: m.Gather, value: str) -> bool:
    """Can a caller enter ``value`` here (at most ``dtmf_length`` keys, not the stop key)?"""
    return bool(value) and len(value) <= gather.dtmf_length and gather.dtmf_stop not in value


def unmatched_input(gather: m.Gather) -> str | None:
    """The shortest input no ``DTMF`` value matches (an input shorter than ``dtmf_length`` ends
    with the stop key or the timeout); None when every short input has a block."""
    values = {b.value for b in gather.branches}
    keys = [k for k in KEYS if k != gather.dtmf_stop]
    for length in range(1, min(gather.dtmf_length, 3) + 1):
        for key in keys:
            if key * length not in values:
                return key * length
    return None


def listens(node: m.Node, in_prompt: bool) -> bool:
    """A Pause or Record that a key can stop (not while a Gather plays its prompts)."""
    return isinstance(node, m.Pause | m.Record) and bool(node.dtmf_stop) and not in_prompt


def branch_labels(node: m.Node, *, in_prompt: bool = False) -> tuple[str, ...]:
    """The ways a command can go, as the simulator labels them.

    Gather: each DTMF value, ``other`` input, ``retry`` (silence before the last attempt), ``no
    input``, the caller's ``hang-up`` (with ``url``: ``ok``/``fail`` instead of values and other).
    Dial: ``answer``, ``busy``, ``no answer``. Callback and Curl: ``ok``, ``fail``. Call, Geo,
    Schedule: ``true``, ``false`` (only ``true`` when it has no condition). A Pause or Record
    with ``dtmf_stop``: ``stop key``, ``no key``, ``hang-up``.
    """
    kind = type(node)
    if kind is m.Gather:
        assert isinstance(node, m.Gather)
        labels: list[str] = []
        if node.url:
            labels += [OK, FAIL]
        else:
            for branch in node.branches:
                if enterable(node, branch.value) and branch.value not in labels:
                    labels.append(branch.value)
            if unmatched_input(node) is not None:
                labels.append(OTHER)
        if node.attempts > 1:
            labels.append(RETRY)
        return (*labels, NO_INPUT, HANG_UP)
    if kind is m.Dial:
        return (ANSWER, BUSY, NO_ANSWER) if node.targets else ()  # type: ignore[attr-defined]
    if kind is m.Callback:
        return (OK, FAIL) if node.url else ()  # type: ignore[attr-defined]
    if kind is m.Curl:
        return (OK, FAIL)
    if kind is m.Call:
        return (TRUE, FALSE)
    if kind is m.Geo:
        assert isinstance(node, m.Geo)
        return (TRUE, FALSE) if node.states is not None or node.county is not None else (TRUE,)
    if kind is m.Schedule:
        assert isinstance(node, m.Schedule)
        return (TRUE, FALSE) if node.dow is not None or node.time is not None else (TRUE,)
    if listens(node, in_prompt):
        return (STOP, NO_KEY, HANG_UP)
    return ()


# ---- the graph ----------------------------------------------------------------------------


def step_id(site: str) -> str:
    """A graph step's name for a site id (letters, digits and ``_``: valid in Mermaid and dot)."""
    return "n" + site.replace(".", "_")


def _describe(node: m.Node) -> str:
    """A short text for a command's step."""
    tag = getattr(node, "tag", None)
    name = node.TAG + (f" {tag}" if tag else "")
    if isinstance(node, m.Say):
        return f"{name}: {node.spoken.strip()}"
    if isinstance(node, m.Play):
        return f"{name}: {node.record or node.url or node.content or ''}"
    if isinstance(node, m.Dial):
        return f"{name}: {', '.join(node.targets)}"
    if isinstance(node, m.Callback | m.Curl):
        return f"{name}: {node.method} {node.url or ''}"
    if isinstance(node, m.Gather):
        first = next((p for p in node.prompts if isinstance(p, m.Say)), None)
        return name + (f": {first.spoken.strip()}" if first is not None else "")
    if isinstance(node, m.Call):
        return f"{name}: {node.field} = {node.value}"
    if isinstance(node, m.Geo):
        where = ",".join(node.states or ()) + (f" {node.county}" if node.county else "")
        return f"{name}: {where or 'anywhere'}"
    if isinstance(node, m.Schedule):
        when = " ".join(x for x in (",".join(node.dow or ()), node.time or "") if x)
        return f"{name}: {when or 'always'}"
    if isinstance(node, m.Pause):
        return f"{name}: {node.length} ms"
    return name


@dataclass
class _Builder:
    """Builds the graph of one document; ``exits`` are memoised (handlers share them)."""

    doc: m.Response
    ids: dict[int, str] = field(default_factory=dict)
    parents: dict[int, m.Node] = field(default_factory=dict)
    following: dict[int, m.Node | None] = field(default_factory=dict)
    """id(node) -> the next command after it in its block (None: it is the block's last)."""
    ancestors: dict[int, tuple[m.Node, ...]] = field(default_factory=dict)
    caught: dict[int, list[m.Node]] = field(default_factory=dict)
    """id(Error) -> the commands whose failures it handles (block-level handlers)."""
    memo: dict[int, list[str]] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    edges: dict[Edge, None] = field(default_factory=dict)
    unrecorded: set[int] = field(default_factory=set)
    """Plays of a recording some path reaches without it (``flowfacts.recordings``, as CF113)."""

    def build(self) -> Graph:
        self.unrecorded = {id(f.play) for f in recordings(self.doc) if not f.known}
        shown: list[m.Node] = []
        for path, node, ancestors, prompt in walk(self.doc):
            self.ids[id(node)] = path
            self.parents[id(node)] = ancestors[-1]
            self.ancestors[id(node)] = ancestors
            if node.IS_COMMAND and not prompt:
                shown.append(node)
            self.note_following(node)
        self.note_following(self.doc)
        for node in shown:
            if type(node) in _FAILS or type(node) is m.Gather or id(node) in self.unrecorded:
                handler = self.handler_of(node)
                if handler is not None and handler is not node.error_handler:
                    self.caught.setdefault(id(handler), []).append(node)
        self.steps[START] = Step(START, "start", "call starts")
        for node in shown:
            site = self.ids[id(node)]
            self.steps[step_id(site)] = Step(step_id(site), node.TAG, _describe(node),
                                             _line(node), site)  # fmt: skip
        for target in self.entry(self.doc, [END]):
            self.edge(START, target)
        for node in shown:
            self.command_edges(node)
        if any(e.target == END for e in self.edges):
            self.steps[END] = Step(END, "end", "end of document: hang up")
        return Graph(tuple(self.steps.values()), tuple(self.edges))

    # -- where control goes --

    def handler_of(self, node: m.Node) -> m.Error | None:
        """The Error that runs when ``node`` fails (``flowfacts.handler_for``: spec 5, as the
        simulator and lint rule CF161 find it)."""
        return handler_for(node, self.ancestors[id(node)])

    def note_following(self, block: m.Node) -> None:
        """Record the next command after each child of ``block``: one pass from the end, so
        finding where control goes next never searches a sibling list (linear in its size)."""
        after: m.Node | None = None
        for child in reversed(block.children):
            self.following[id(child)] = after
            if child.IS_COMMAND:
                after = child

    def next_of(self, node: m.Node) -> list[str]:
        """Where control goes after ``node``: its next sibling command, or its block's exit."""
        later = self.following[id(node)]
        if later is not None:
            return [step_id(self.ids[id(later)])]
        return self.exits(self.parents[id(node)])

    def exits(self, block: m.Node) -> list[str]:
        """Where control goes when the commands of ``block`` have all run."""
        key = id(block)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = []  # a block reached again while computing its own exits leads nowhere new
        found: list[str]
        if type(block) is m.Response:
            found = [END]
        elif type(block) in (m.DTMF, m.Default):
            found = self.next_of(self.parents[key])
        elif type(block) is m.Error:
            owner = self.parents[key]
            if type(owner) in HANDLER_BLOCKS:
                found = [t for c in self.caught.get(key, []) for t in self.next_of(c)]
            else:
                found = self.next_of(owner)
        else:
            found = self.next_of(block)
        unique = list(dict.fromkeys(found))
        self.memo[key] = unique
        return unique

    def entry(self, block: m.Node, exits: list[str]) -> list[str]:
        """The first command of ``block``, or ``exits`` when it has none."""
        for child in block.children:
            if child.IS_COMMAND:
                return [step_id(self.ids[id(child)])]
        return exits

    # -- edges --

    def edge(self, source: str, target: str, label: str = "", handler: bool = False,
             branch: tuple[str, str] | None = None) -> None:  # fmt: skip
        self.edges[Edge(source, target, label, handler, branch)] = None

    def to(self, node: m.Node, targets: list[str], label: str = "", handler: bool = False) -> None:
        site = self.ids[id(node)]
        branch = (site, label) if label else None
        for target in targets:
            self.edge(step_id(site), target, label, handler, branch)

    def failure(self, node: m.Node, label: str, branch: bool = True) -> None:
        """A failure edge: to the handler (dashed), or on to the next command when none."""
        handler = self.handler_of(node)
        site = self.ids[id(node)]
        taken = (site, label) if branch else None
        if handler is None:
            for target in self.next_of(node):
                self.edge(step_id(site), target, f"{label} (no handler)", False, taken)
            return
        exits = self.next_of(node) if handler is node.error_handler else self.exits(handler)
        for target in self.entry(handler, exits):
            self.edge(step_id(site), target, label, True, taken)

    def document(self, node: m.Node, url: str | None) -> str:
        target = "doc_" + self.ids[id(node)].replace(".", "_")
        self.steps[target] = Step(target, "document", f"document from {url or '?'}")
        return target

    def command_edges(self, node: m.Node) -> None:
        kind = type(node)
        labels = branch_labels(node)
        if kind is m.Hangup:
            return
        if isinstance(node, m.Gather):
            self.gather_edges(node, labels)
        elif kind in _FAILS:
            success = [self.document(node, node.url)] if kind is m.Callback else self.next_of(node)  # type: ignore[attr-defined]
            self.to(node, success, ANSWER if kind is m.Dial else OK)
            for way in failures(node):  # the shared list of what can fail (flowfacts)
                self.failure(node, way.label)
        elif kind in _CONDITIONS:
            self.to(node, self.entry(node, self.next_of(node)), TRUE)
            if FALSE in labels:
                self.to(node, self.next_of(node), FALSE)
        elif labels:  # a Pause or Record that a key stops
            inside = self.entry(node, self.next_of(node))
            self.to(node, self.next_of(node), STOP)
            self.to(node, inside, NO_KEY)
        else:
            self.to(node, self.entry(node, self.next_of(node)))
            if id(node) in self.unrecorded:  # a path may get here without the recording
                self.failure(node, NO_RECORDING, branch=False)

    def gather_edges(self, node: m.Gather, labels: tuple[str, ...]) -> None:
        after = self.next_of(node)
        if node.url:
            self.to(node, [self.document(node, node.url)], OK)
            self.failure(node, FAIL)
        for label in labels:
            if label in (OK, FAIL, HANG_UP, NO_INPUT):
                continue
            if label == RETRY:
                self.to(node, [step_id(self.ids[id(node)])], RETRY)
            elif label == OTHER:
                default = node.default
                if default is None:
                    self.failure(node, OTHER)
                else:
                    self.to(node, self.entry(default, after), OTHER)
            else:
                block = next(b for b in node.branches if b.value == label)
                self.to(node, self.entry(block, after), label)
        self.failure(node, NO_INPUT)


def build(doc: m.Response) -> Graph:
    """The graph of ``doc``: steps for the start, every command (not prompts) and the ends."""
    return _Builder(doc).build()
