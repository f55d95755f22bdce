"""Importers: documents of other call-flow dialects converted to Opentact, with a report of
what carried over exactly, what changed meaning, and what could not be converted.

    from callflow.importers import twiml, convert_twiml
    model = twiml(text)                       # the Opentact model only
    model, report = convert_twiml(text)       # and the compatibility report
"""

from callflow.importers.report import Entry, Report, Status
from callflow.importers.twiml import ALLOWED_WARNINGS, Converted, convert_twiml, twiml

__all__ = [
    "ALLOWED_WARNINGS",
    "Converted",
    "Entry",
    "Report",
    "Status",
    "convert_twiml",
    "twiml",
]
