"""Long explanations of the parse-stage checks (CF001-CF011), for ``callflow lint --explain``.

The checks themselves live in ``callflow.parser``; only their documentation is here.
"""

from __future__ import annotations

from callflow.model import MAX_DEPTH
from callflow.parser import MAX_BYTES, MAX_NODES

PARSE_DOCS: dict[str, str] = {
    "CF001": (
        "The file is not well-formed XML: a tag is not closed, tags cross, an attribute is not"
        " quoted, a bare & or <. Nothing else can be checked until the XML itself parses.\n\n"
        "Fix: the message names the first place the XML parser gave up."
    ),
    "CF002": (
        "An Opentact document's root element is <Response> (no namespace).\n\n"
        "Fix: wrap the commands in <Response>...</Response>."
    ),
    "CF003": (
        "An element that is not part of Opentact XML, often a verb from another dialect"
        " (<Speak>, <Number>, <Redirect>). The hint names the Opentact equivalent when there is"
        " one. Names are case-sensitive.\n\nFix: use the Opentact element."
    ),
    "CF004": (
        "A known element where the grammar does not allow it, e.g. <Say> inside <Dial> (a Dial"
        " holds only <To>, <Meta> and <Error>). The hint lists what is allowed there.\n\n"
        "Fix: move the element out, usually just before its parent."
    ),
    "CF005": (
        "An attribute the element does not have. The message lists the element's attributes"
        " and the hint suggests the closest one.\n\nFix: rename or remove the attribute."
    ),
    "CF006": (
        "An attribute or text value of the wrong type: a duration that is not whole"
        " milliseconds, a day name that is not sun..sat, a state code that is not a US state, a"
        " time range that is not HH:MM:SS-HH:MM:SS, an unknown enumeration value.\n\n"
        "Fix: the message says what was expected."
    ),
    "CF007": (
        "A required attribute is missing (e.g. <Curl> without url, <DTMF> without value,"
        " <Meta> without name).\n\nFix: add it."
    ),
    "CF008": (
        "A breach of the XSD grammar not covered by a more specific code, e.g. text inside an"
        " element that takes none.\n\nFix: the message quotes the schema's complaint."
    ),
    "CF009": (
        "Documents with a DOCTYPE or entity declarations are refused: that is how XML external"
        " entity (XXE) attacks and entity-expansion bombs work, and Opentact XML never needs"
        " them.\n\nFix: remove the <!DOCTYPE ...> and any entity references."
    ),
    "CF010": (
        f"The document is larger than {MAX_BYTES // 2**20} MiB, has more than {MAX_NODES}"
        f" elements and comments, or nests elements more than {MAX_DEPTH} deep; real call"
        " flows are a few KiB and a handful of levels. The limits protect the tools.\n\n"
        "Fix: split the flow with <Callback>."
    ),
    "CF011": (
        "The file cannot be read: it does not exist, is a directory or not a regular file, or"
        " permission is denied. `callflow lint` exits with 2 when this happens.\n\n"
        "Fix: check the path."
    ),
}


def parse_doc(code: str) -> str | None:
    """The explanation of a parse-stage check, wrapped like the rules' docstrings."""
    doc = PARSE_DOCS.get(code)
    if doc is None:
        return None
    import textwrap  # only when the docs are shown

    return "\n\n".join(textwrap.fill(part, 92) for part in doc.split("\n\n"))
