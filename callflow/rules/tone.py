"""Rules about ``<Tone>``: how long it really plays."""

from __future__ import annotations

from collections.abc import Iterator

from callflow import model as m
from callflow.rules.base import Hit, Scope, rule


@rule(
    "CF116",
    "tone-no-length",
    "warning",
    "A <Tone> with neither don nor timeout plays for its whole default timeout (30 s).",
    targets=(m.Tone,),
)
def tone_no_length(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A ``<Tone>`` without ``don`` has no cadence to end it: it plays until its ``timeout``,
    30,000 ms unless written. A ``<Tone hz="880"/>`` meant as a short beep therefore holds the
    caller for 30 seconds, and nothing else runs meanwhile.

    Example::

        <Tone hz="880"/>   <!-- CF116: plays for 30 s -->

    Fix: give the tone's length with ``don`` (``<Tone hz="880" don="300"/>`` is a 0.3 s beep),
    or write ``timeout`` to say how long a continuous tone should play.
    """
    assert isinstance(node, m.Tone)
    if node.don is None and node.defaulted("timeout"):
        seconds = node.timeout / 1000
        shown = f"{seconds:g}"
        yield Hit(
            node,
            f"Tone has neither don nor timeout: it plays for {shown} s (the default timeout)",
            hint='give don for a beep, e.g. don="300", or write timeout for a long tone',
        )
