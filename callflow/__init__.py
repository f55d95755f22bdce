"""opentact-callflow: build, parse, lint and serialise Opentact call flow XML."""

from callflow.builder import (
    DTMF,
    Answer,
    BuildError,
    Call,
    Callback,
    Comment,
    Curl,
    Default,
    Dial,
    Error,
    Gather,
    Geo,
    Hangup,
    Hold,
    Meta,
    Pause,
    Play,
    Record,
    RecordStart,
    RecordStop,
    RecordWait,
    Response,
    Say,
    Schedule,
    To,
    Tone,
    Unhold,
)
from callflow.diagnostics import Finding
from callflow.lint import lint_source as lint
from callflow.model import Pos
from callflow.parser import ParseError, load, parse
from callflow.serializer import to_xml

__all__ = ["Finding", "ParseError", "Pos", "lint", "load", "parse", "to_xml"]
__all__ += [  # the builder, see callflow.builder
    "DTMF", "Answer", "BuildError", "Call", "Callback", "Comment", "Curl", "Default", "Dial",
    "Error", "Gather", "Geo", "Hangup", "Hold", "Meta", "Pause", "Play", "Record", "RecordStart",
    "RecordStop", "RecordWait", "Response", "Say", "Schedule", "To", "Tone", "Unhold",
]  # fmt: skip
__version__ = "0.1.0"
