"""Where the XSD lives, and the compiled validator (loaded once per process)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

_NAME = "opentact.xsd"


def xsd_path() -> Path:
    """Path of the installed XSD: inside the wheel, or the repository's ``schemas/``."""
    packaged = resources.files("callflow").joinpath("schemas", _NAME)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "schemas" / _NAME


@cache
def xml_schema() -> etree.XMLSchema:
    """The compiled grammar. Parsed with the same safe settings as user documents."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(xsd_path()), parser))
