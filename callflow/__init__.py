"""opentact-callflow: build, parse, lint and serialise Opentact call flow XML."""

from callflow.diagnostics import Finding
from callflow.lint import lint_source as lint
from callflow.model import Pos
from callflow.parser import ParseError, load, parse
from callflow.serializer import to_xml

__all__ = ["Finding", "ParseError", "Pos", "lint", "load", "parse", "to_xml"]
__version__ = "0.1.0"
