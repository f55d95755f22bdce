"""Where the XSD lives, and the compiled validator (loaded once per process)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from lxml import etree

_NAME = "opentact.xsd"


def xsd_path() -> Path:
    """Path of the installed XSD: inside the wheel, or the repository's ``schemas/``.

    Found next to this module, not with ``importlib.resources`` (whose import, with
    ``zipfile``, ``tempfile`` and their own imports, cost a lint process a tenth of its
    start-up): lxml reads the schema from a real file, so a zipped package could not
    have used it anyway."""
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "schemas", _NAME)
    if os.path.isfile(packaged):
        return Path(packaged)
    return Path(os.path.dirname(here)) / "schemas" / _NAME


@cache
def xml_schema() -> etree.XMLSchema:
    """The compiled grammar. Parsed with the same safe settings as user documents."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(xsd_path()), parser))
