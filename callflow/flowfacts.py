"""Facts about how a flow runs that lint, the graph, the simulator and the explorer share.

Each fact is computed here once, from the model alone, so the tools cannot disagree:

- ``failures(node)``: the ways a command can fail (spec sections 2, 3 and 5). Lint rule CF161
  warns about a command that can fail with no handler; the graph draws these as failure
  edges; the simulator fails a command only in one of these ways (``Failure`` names them).
- ``handler_for(node, enclosing)``: which ``<Error>`` runs when ``node`` fails, given the
  blocks around it (the rule's ancestors, the machine's running blocks).
- ``recordings(root)``: for each ``<Play record=...>``, the recordings made on *every* path
  to it and on *some* path (a dataflow pass over the blocks). Lint rule CF113 reports a Play
  whose recording is not made on every path: exactly the Plays a simulated call can reach
  without the recording (the simulator then fails with ``NO_RECORDING``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from callflow import model as m
from callflow.frozen import record
from callflow.grammar import HANDLER_BLOCKS

# ---- how commands fail ----------------------------------------------------------------------

BUSY, NO_ANSWER, FAIL = "busy", "no answer", "fail"
NO_INPUT, OTHER, NO_RECORDING, NO_MEDIA = "no input", "other", "no recording", "no media"


@record
class Failure:
    """One way a command fails: its label (as the graph and coverage name it) and, for people,
    what happened."""

    label: str
    what: str


_DIAL = (Failure(BUSY, "every destination is busy"), Failure(NO_ANSWER, "nobody answers"))
_REQUEST = (Failure(FAIL, "the request fails (network, timeout, non-2xx, invalid document)"),)
_NO_INPUT = Failure(NO_INPUT, "no input after every attempt")
_UNMATCHED = Failure(OTHER, "input matches no DTMF value and there is no Default")
_NO_RECORDING = Failure(NO_RECORDING, "the recording was not made on this path")
_NO_MEDIA = Failure(NO_MEDIA, "the audio URL cannot be fetched")


FALLIBLE: frozenset[type[m.Node]] = frozenset({m.Dial, m.Callback, m.Curl, m.Gather, m.Play})
"""The commands ``failures`` may answer for; every other command cannot fail."""


def failures(node: m.Node) -> tuple[Failure, ...]:
    """The ways ``node`` can fail when it runs; ``()`` when it cannot.

    Dial: busy, no answer. Callback, Curl: the request fails. Gather: no input after every
    attempt; with ``url`` the request fails, without it an input no ``DTMF`` value matches
    when there is no ``<Default>``. Play: a ``record`` not made on the path, or an audio URL
    that cannot be fetched (the simulator does not fetch audio: it plays every URL, so this
    one way is for lint only).
    """
    kind = type(node)
    if kind is m.Dial:
        return _DIAL
    if kind is m.Callback or kind is m.Curl:
        return _REQUEST
    if kind is m.Gather:
        assert isinstance(node, m.Gather)
        if node.url:
            return (_NO_INPUT, *_REQUEST)
        return (_NO_INPUT, _UNMATCHED) if node.default is None else (_NO_INPUT,)
    if kind is m.Play:
        assert isinstance(node, m.Play)
        return (_NO_RECORDING,) if node.record is not None else (_NO_MEDIA,)
    return ()


def handler_for(node: m.Node, enclosing: Iterable[m.Node]) -> m.Error | None:
    """The ``<Error>`` that runs when ``node`` fails (spec section 5): its own, else that of the
    nearest enclosing handler block (``grammar.HANDLER_BLOCKS``) that has one and is not itself
    running. ``enclosing`` are the blocks around ``node``, outermost first.

    A Gather's own Error is its no-input handler and does not catch failures inside its
    branches; a Record's does not catch its children's: neither is a handler block.
    """
    own = node.error_handler
    if own is not None:
        return own
    around: Sequence[m.Node] = (
        enclosing if isinstance(enclosing, tuple | list) else tuple(enclosing)
    )
    for block in reversed(around):
        if type(block) not in HANDLER_BLOCKS:
            continue
        candidate = block.error_handler
        if candidate is not None and not any(candidate is a for a in around):
            return candidate
    return None


# ---- recordings made before a Play ----------------------------------------------------------

Names = frozenset[str]


@record
class Made:
    """Recordings made on every path (``every``) and on some path (``some``) to a point."""

    every: Names
    some: Names

    def join(self, other: Made | None) -> Made:
        """Where two paths meet."""
        if other is None:
            return self
        return Made(self.every & other.every, self.some | other.some)

    def add(self, name: str | None) -> Made:
        if name is None:
            return self
        return Made(self.every | {name}, self.some | {name})


State = Made | None
"""``None``: no path reaches this point (after a Hangup, or a fetched document took over)."""


def _join(a: State, b: State) -> State:
    if a is None:
        return b
    return a.join(b)


@record
class PlayFact:
    """A ``<Play record=...>`` and what is recorded on the paths that reach it."""

    play: m.Play
    made: Made

    @property
    def known(self) -> bool:
        """Made on every path to the Play: it cannot fail for want of the recording."""
        return self.play.record in self.made.every


def recordings(root: m.Response) -> list[PlayFact]:
    """Every ``<Play record=...>`` reachable in ``root``, in document order, with the recordings
    made before it on every path and on some path.

    The pass follows the run semantics: commands in order; a ``Record`` counts after its
    children (when nothing can cut them short) and a ``RecordStart`` at once; ``Call``/``Geo``/
    ``Schedule`` may be skipped (unless they have no condition); one of a Gather's branches runs,
    or none (no input or a failure); an ``<Error>`` handler runs with what was made when its
    block began; a Hangup ends every path, a Callback's success too. Conditions are taken as
    independent: two ``<Schedule>`` blocks with the same window are not known to agree, so a
    Play may be reported that only an impossible call reaches without its recording (never
    the other way round).
    """
    out: list[PlayFact] = []
    if _plays_a_recording(root):  # most documents play none: no pass to run
        _block(root, Made(frozenset(), frozenset()), out)
    return out


def _plays_a_recording(root: m.Node) -> bool:
    """Whether any ``<Play record=...>`` is in ``root`` (reachable or not)."""
    stack = list(root.children)
    while stack:
        node = stack.pop()
        if isinstance(node, m.Play) and node.record is not None:
            return True
        stack.extend(node.children)
    return False


def _block(block: m.Node, state: State, out: list[PlayFact]) -> State:
    """Run the commands of ``block`` from ``state``; its handler sees the entry state."""
    entry = state
    for child in block.children:
        if child.IS_COMMAND:
            state = _command(child, state, out)
    handler = block.error_handler
    if handler is not None and type(block) in HANDLER_BLOCKS and entry is not None:
        _block(handler, entry, out)  # runs after a failure anywhere inside, then goes on
    return state


def _command(node: m.Node, state: State, out: list[PlayFact]) -> State:
    if state is None:
        return None
    kind = type(node)
    if kind is m.Play:
        assert isinstance(node, m.Play)
        if node.record is not None:
            out.append(PlayFact(node, state))
        return state
    if kind is m.Hangup:
        return None
    if kind is m.RecordStart:
        return state.add(node.tag)  # type: ignore[attr-defined]
    if kind is m.Record:
        assert isinstance(node, m.Record)
        inner = _block(node, state, out)
        if node.timeout is None and not node.dtmf_stop:  # nothing cuts the children short
            return None if inner is None else inner.add(node.tag)
        return state.add(node.tag)
    if kind in (m.Call, m.Geo, m.Schedule):
        inner = _block(node, state, out)
        if _always(node):
            return inner
        return _join(state, inner)
    if kind is m.Gather:
        assert isinstance(node, m.Gather)
        return _gather(node, state, out)
    own = node.error_handler
    if own is not None:
        _block(own, state, out)  # Dial, Callback, Curl: runs on failure, then the flow goes on
    return state  # a Callback's success replaces the rest: only its failure goes on


def _always(node: m.Node) -> bool:
    """A condition block with no condition: it always runs (``<Geo/>``, ``<Schedule/>``)."""
    if isinstance(node, m.Geo):
        return node.states is None and node.county is None
    if isinstance(node, m.Schedule):
        return node.dow is None and node.time is None
    return False


def _gather(node: m.Gather, state: Made, out: list[PlayFact]) -> State:
    for prompt in node.prompts:
        _command(prompt, state, out)  # prompts neither record nor end the call
    ends: State = None
    for branch in _branches(node):
        ends = _join(ends, _block(branch, state, out))
    handler = node.error_handler
    failed = _block(handler, state, out) if handler is not None else state
    if node.url:
        return failed  # with input the fetched document replaces the rest
    return _join(ends, failed)


def _branches(node: m.Gather) -> Iterator[m.Node]:
    yield from node.branches
    if node.default is not None:
        yield node.default
