"""TwiML (Twilio's voice XML) -> an Opentact call flow, with a compatibility report.

``convert_twiml(source)`` returns the model and the report; ``twiml(source)`` only the model.
The document is read by the same safe lxml parser as Opentact documents. Each TwiML verb is
converted on its own (see the verb modules); the verbs after one that ends the document
(``<Hangup>``, ``<Reject>``, ``<Redirect>``, a ``<Dial>`` or ``<Record>`` with an action)
never run in TwiML either, and are left out so that the output has no unreachable commands.

The output lints with zero errors. It may have two warnings, both faithful to the source:
CF125 (a Gather without a prompt: TwiML allows a silent Gather) and CF161 for a ``<Play>`` of
a URL only (audio that cannot be fetched is skipped and the call goes on, in TwiML as in
Opentact without a handler). Every Gather requests something (its action, the document's own
URL or the placeholder), so CF126 cannot arise.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from typing import Any, NamedTuple

from callflow import model as m
from callflow.importers import twiml_vocab as vocab
from callflow.importers.report import Report
from callflow.importers.twiml_context import (
    EXACT,
    Context,
    Out,
    attributes,
    comment,
    is_comment,
)
from callflow.importers.twiml_dial import dial
from callflow.importers.twiml_gather import gather
from callflow.importers.twiml_prompts import pause, play, say
from callflow.importers.twiml_read import TwimlDocument, read_source, tag_name
from callflow.importers.twiml_record import record
from callflow.importers.twiml_verbs import hangup, redirect, reject

ALLOWED_WARNINGS = frozenset({"CF125", "CF161"})
"""The only lint warnings an imported document can have (see the module docstring)."""

VERBS: dict[str, Callable[[Context, Any], Out]] = {
    "Say": say,
    "Play": play,
    "Pause": pause,
    "Gather": gather,
    "Dial": dial,
    "Record": record,
    "Redirect": redirect,
    "Hangup": hangup,
    "Reject": reject,
}


class Converted(NamedTuple):
    model: m.Response
    report: Report


def convert_twiml(
    source: str | bytes | os.PathLike[str],
    *,
    file: str | None = None,
    base_url: str | None = None,
    client_domain: str | None = None,
    region: str | None = None,
) -> Converted:
    """Convert one TwiML document (a path, text or bytes) into an Opentact model and its report.

    ``base_url`` is the address the TwiML was served from: relative URLs resolve against it,
    and a Gather or Record without an action requests it, as on Twilio. ``client_domain``
    lets ``<Client>joey</Client>`` be dialled as ``sip:joey@DOMAIN``. ``region`` (``US``)
    reads national numbers (``415-123-4567``); without it, a Dial's E.164 callerId gives
    the region, and a national number with no region is ambiguous. Raises
    ``callflow.ParseError`` when the source cannot be read, is not well-formed or unsafe XML,
    or is not a ``<Response>``.
    """
    doc = read_source(source, file)
    ctx = Context(doc, base_url, client_domain, region)
    return Converted(_response(ctx, doc), ctx.report)


def twiml(
    source: str | bytes | os.PathLike[str],
    *,
    file: str | None = None,
    base_url: str | None = None,
    client_domain: str | None = None,
    region: str | None = None,
) -> m.Response:
    """The Opentact model of a TwiML document (``convert_twiml`` also gives the report)."""
    return convert_twiml(
        source, file=file, base_url=base_url, client_domain=client_domain, region=region
    ).model


def _response(ctx: Context, doc: TwimlDocument) -> m.Response:
    root = doc.root
    ctx.elem(root, EXACT, "<Response>")
    for name, value in attributes(root):
        ctx.unsupported(root, name, value)
    before = [
        comment(c) for c in reversed(list(root.itersiblings(preceding=True))) if is_comment(c)
    ]
    after = [comment(c) for c in root.itersiblings() if is_comment(c)]
    return m.Response(
        children=tuple(_block(ctx, root)), leading=tuple(before), trailing=tuple(after)
    )


def _block(ctx: Context, parent: Any) -> list[m.Node]:
    """The verbs of ``<Response>`` in order, up to the one that ends the document."""
    out: list[m.Node] = []
    ended: str | None = None
    for child in parent:
        if is_comment(child):
            out.append(comment(child))
        elif not isinstance(child.tag, str):
            continue
        elif ended is not None:
            ctx.skip(child, EXACT, f"left out: never runs in TwiML either ({ended})", left_out=True)
        else:
            nodes, ends = _verb(ctx, child)
            out.extend(nodes)
            ended = ends
    return out


def _verb(ctx: Context, el: Any) -> Out:
    name = tag_name(el)
    convert = VERBS.get(name)
    if convert is not None:
        return convert(ctx, el)
    if name in vocab.NOT_CONVERTIBLE:
        return ctx.not_convertible(el, vocab.NOT_CONVERTIBLE[name]), None
    if name in vocab.NOUNS:
        return ctx.not_convertible(el, f"<{name}> belongs inside <Dial>"), None
    return ctx.not_convertible(el, f"not a TwiML verb{_hint(name)}"), None


def _hint(name: str) -> str:
    """`` (did you mean Say?)`` for a verb written in the wrong case or misspelt."""
    known = [*VERBS, *vocab.NOT_CONVERTIBLE]
    same = [k for k in known if k.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""
