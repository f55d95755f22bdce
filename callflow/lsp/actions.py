"""Code actions and formatting: one-keystroke fixes for findings, and ``callflow fmt``.

- A finding ``callflow fmt`` fixes (``RuleInfo.fixable``: alias spellings, method case, the
  Switch/Case form) gets a quick fix editing only the text it is about, the same rewrite fmt
  makes there (names from the grammar tables). Where no small edit says it, the quick fix is
  the whole document in fmt's canonical form.
- CF161 (no ``<Error>`` handler) gets "add an <Error> handler" inside the command.
- Every finding that may be silenced gets "ignore CFnnn on this line": a trailing
  ``callflow: ignore`` comment where the line ends outside a tag, else one on its own line
  before the element (which covers findings about that element), as the driver reads them.
- Whole-document formatting is ``callflow fmt``'s output, or nothing (and why) for a document
  fmt refuses.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from lsprotocol import types as lsp
from lxml import etree

from callflow import grammar as g
from callflow import rules
from callflow.config import PARSE_CODES
from callflow.formatting import canonical
from callflow.lsp.diagnose import Located, diagnostic
from callflow.lsp.scan import Element, Markup, Tag, line_indent
from callflow.lsp.textmap import TextMap
from callflow.serializer import escape_attr

ERROR_HANDLER = "CF161"
Edit = tuple[int, int, str]
"""(start offset, end offset, new text)."""


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    preferred: bool = False


class Refused(Exception):
    """``callflow fmt`` leaves this document alone; the message says why."""


def formatted(text: str, path: str | None) -> str:
    """The document as ``callflow fmt`` writes it; ``Refused`` when fmt would refuse."""
    result = canonical(text.lstrip("\ufeff").encode("utf-8", "surrogatepass"), path or "<editor>")
    if isinstance(result, bytes):
        return result.decode("utf-8")
    raise Refused(result.reason)


def format_edits(text: str, path: str | None, encoding: str) -> list[lsp.TextEdit]:
    """One edit replacing the document by its canonical form (none when it already is)."""
    new = formatted(text, path)
    if new == text:
        return []
    return [lsp.TextEdit(TextMap(text, encoding).range(0, len(text)), new)]


def _fixable(code: str) -> bool:
    found = rules.find(code)
    return found is not None and found[0].fixable


def fixes(located: Located, markup: Markup, path: str | None = None) -> list[Fix]:
    """The fixes offered for one finding (``path``: the file, for fmt's settings)."""
    out: list[Fix] = []
    code = located.finding.code
    if _fixable(code):
        precise = _fmt_fix(located, markup)
        if precise:
            out.append(Fix(f"Fix {code}: {_say(precise)}", precise, True))
        else:  # no small edit says it: the whole document as fmt writes it, if fmt would
            with contextlib.suppress(Refused):
                whole = ((0, len(markup.text), formatted(markup.text, path)),)
                out.append(Fix(f"Fix {code}: format the document as callflow fmt does", whole))
    if code == ERROR_HANDLER:
        element = markup.element_at_start(located.start)
        if element is not None:
            out.append(Fix("Add an <Error> handler", _add_handler(markup.text, element)))
    if code not in PARSE_CODES:
        out.append(Fix(f"Ignore {code} on this line", (_ignore(located, markup),)))
    return out


# ---- fmt's rewrites, one place at a time -------------------------------------------------------


def _say(edits: tuple[Edit, ...]) -> str:
    """A short title for a rewrite: the one word it writes, else what it does."""
    written = {new for _, _, new in edits if new}
    if not written:
        return "remove it"
    word = next(iter(written)).strip()
    if len(written) == 1 and len(edits) <= 2 and word.replace("_", "").isalnum():
        return f"write {word}"
    return "rewrite it as callflow fmt does"


def _fmt_fix(located: Located, markup: Markup) -> tuple[Edit, ...]:
    element = markup.element_at_start(located.start)
    if element is not None:
        if element.name == g.SWITCH:
            return _dissolve_switch(markup.text, element)
        return _element_spelling(markup.text, element)
    tag = markup.tag_at(located.start)
    if tag is None or tag.kind != "start":
        return ()
    attr = next((a for a in tag.attrs if a.start == located.start), None)
    rule = g.ELEMENTS.get(tag.name)
    found = rule.attrs.get(attr.name) if rule is not None and attr is not None else None
    if attr is None or found is None:
        return ()
    if found.alias:
        assert rule is not None
        same = [a for a in tag.attrs if (rule.attrs.get(a.name) or found).field == found.field]
        written_first = same[0] is attr and tag.attr(found.spec.xml) is None
        if not written_first:  # the same value under another name too: drop this spelling
            return ((_space_before(markup.text, attr.start), attr.end, ""),)
        return ((attr.start, attr.name_end, found.spec.xml),)
    if attr.value is not None and attr.value != attr.value.upper():
        return ((attr.value_start, attr.value_end, attr.value.upper()),)
    return ()


def _space_before(text: str, offset: int) -> int:
    while offset > 0 and text[offset - 1] in " \t\r\n":
        offset -= 1
    return offset


def _rename(element: Element, name: str) -> list[Edit]:
    edits: list[Edit] = [(element.tag.name_start, element.tag.name_end, name)]
    if element.close is not None:
        edits.append((element.close.name_start, element.close.name_end, name))
    return edits


def _element_spelling(text: str, element: Element) -> tuple[Edit, ...]:
    """The element's canonical name, and a URL written as its text moved to ``url``."""
    rule = g.ELEMENTS.get(element.name)
    if rule is None or rule.cls is None:
        return ()
    edits = _rename(element, rule.canonical) if rule.alias_of else []
    url = "url"
    spec = rule.cls.attr_specs().get(url)
    close = element.close
    if spec is not None and close is not None and element.tag.attr(url) is None:
        if not _own_text(text, element).strip():
            return tuple(edits)
        value = _unescape(text[element.tag.end : close.start])
        if value is None:  # text with markup in it: no small edit; the whole document then
            return ()
        edits = [e for e in edits if not close.start <= e[0] < close.end]
        edits.append((element.tag.end - 1, close.end, f' {url}="{value}"/>'))
    return tuple(edits)


def _own_text(text: str, element: Element) -> str:
    """The element's own character content (what its children do not hold)."""
    assert element.close is not None
    cuts = [element.tag.end]
    for child in element.children:
        cuts += [child.start, child.end]
    cuts.append(element.close.start)
    return "".join(text[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True))


_FRAGMENT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _unescape(content: str) -> str | None:
    """The characters an element's text stands for, escaped for an attribute value; None
    when it is more than plain text (markup, an entity the fragment cannot resolve)."""
    if not content.strip() or "<" in content:
        return None
    try:
        element = etree.fromstring(f"<x>{content}</x>", _FRAGMENT)
    except etree.XMLSyntaxError:
        return None
    return escape_attr((element.text or "").strip()) or None


def _dissolve_switch(text: str, element: Element) -> tuple[Edit, ...]:
    """``<Switch><Case dtmf="1">`` -> ``<DTMF value="1">`` directly in the Gather."""
    edits: list[Edit] = [_whole_lines(text, element.tag.start, element.tag.end)]
    if element.close is not None:
        edits.append(_whole_lines(text, element.close.start, element.close.end))
    for child in element.children:
        rule = g.ELEMENTS.get(child.name)
        if rule is None or rule.cls is None:
            continue
        if rule.alias_of:
            edits.extend(_rename(child, rule.canonical))
        for attr in child.tag.attrs:
            found = rule.attrs.get(attr.name)
            if found is not None and found.alias:
                edits.append((attr.start, attr.name_end, found.spec.xml))
    return tuple(sorted(edits))


def _whole_lines(text: str, start: int, end: int) -> Edit:
    """Delete ``text[start:end]``, with its line when nothing else is on it."""
    line_start = start
    while line_start > 0 and text[line_start - 1] in " \t":
        line_start -= 1
    line_end = end
    while line_end < len(text) and text[line_end] in " \t":
        line_end += 1
    starts_line = line_start == 0 or text[line_start - 1] in "\r\n"
    if starts_line and text.startswith("\r\n", line_end):
        return (line_start, line_end + 2, "")
    if starts_line and line_end < len(text) and text[line_end] in "\r\n":
        return (line_start, line_end + 1, "")
    return (start, end, "")


# ---- <Error> handler --------------------------------------------------------------------------

_HANDLER = (
    "<Error>",
    "  <Say>Sorry, we could not complete your call.</Say>",
    "  <Hangup/>",
    "</Error>",
)


def _add_handler(text: str, element: Element) -> tuple[Edit, ...]:
    indent = line_indent(text, element.start)
    inner = indent + "  "
    nl = newline(text)
    block = "".join(f"{inner}{line}{nl}" for line in _HANDLER)
    close = element.close
    if close is None:  # <Callback url="..."/>: open it
        tag = element.tag
        head = text[tag.start : tag.end - 2].rstrip()
        return ((tag.start, tag.end, f"{head}>{nl}{block}{indent}</{tag.name}>"),)
    line_start = close.start
    while line_start > 0 and text[line_start - 1] in " \t":
        line_start -= 1
    if line_start == 0 or text[line_start - 1] in "\r\n":
        return ((line_start, line_start, block),)
    return ((close.start, close.start, f"{nl}{block}{indent}"),)


# ---- callflow: ignore -------------------------------------------------------------------------


def newline(text: str) -> str:
    """The line end the document uses (CRLF if its first line ends so), for inserted lines."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _line_end(text: str, offset: int) -> int:
    ends = [i for i in (text.find("\n", offset), text.find("\r", offset)) if i >= 0]
    return min(ends) if ends else len(text)


def _ignore(located: Located, markup: Markup) -> Edit:
    text = markup.text
    code = located.finding.code
    end = _line_end(text, located.start)
    last = _space_before(text, end)
    tag = markup.tag_at(last - 1) if last > 0 else None
    inside = markup.open_at(last)
    rule = g.ELEMENTS.get(inside.name) if inside is not None else None
    holds_text = rule is not None and rule.cls is not None and rule.cls.CONTENT != "empty"
    if tag is not None and tag.closed and tag.end == last and not holds_text:
        return (last, last, f" <!-- callflow: ignore={code} -->")
    element = _about(located, markup)
    start = element.start if element is not None else located.start
    indent = line_indent(text, start)
    line_start = start - len(indent)
    comment = f"<!-- callflow: ignore={code} -->"
    if text[line_start:start] == indent and (line_start == 0 or text[line_start - 1] in "\r\n"):
        return (line_start, line_start, f"{indent}{comment}{newline(text)}")
    nl = newline(text)
    return (start, start, f"{nl}{indent}{comment}{nl}{indent}")  # on a line of its own


def _about(located: Located, markup: Markup) -> Element | None:
    """The element whose start tag holds the finding."""
    element = markup.element_at_start(located.start)
    if element is not None:
        return element
    tag: Tag | None = markup.tag_at(located.start)
    return markup.element_at_start(tag.start) if tag is not None else None


# ---- to LSP -----------------------------------------------------------------------------------


def code_actions(
    uri: str,
    markup: Markup,
    textmap: TextMap,
    start: int,
    end: int,
    found: tuple[Located, ...],
    path: str | None = None,
) -> list[lsp.CodeAction]:
    """The fixes of every finding whose range meets ``start..end``."""
    out: list[lsp.CodeAction] = []
    for located in found:
        if located.end < start or located.start > end:
            continue
        diag = diagnostic(located, textmap)
        for fix in fixes(located, markup, path):
            edits = [lsp.TextEdit(textmap.range(s, e), new) for s, e, new in fix.edits]
            out.append(
                lsp.CodeAction(
                    title=fix.title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=lsp.WorkspaceEdit(changes={uri: edits}),
                    is_preferred=fix.preferred or None,
                )
            )
    return out


def apply(text: str, edits: tuple[Edit, ...]) -> str:
    """``text`` with non-overlapping edits applied (for tests and for checking a fix)."""
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text
