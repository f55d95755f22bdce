"""The report's text for a document given as a string: every line is placed at ``<string>``."""

from __future__ import annotations

from callflow.importers import Entry, Status, convert_twiml


def test_a_string_source_is_named_string_in_every_text_line() -> None:
    _, report = convert_twiml(
        "<Response><Gather numDigits='1'/></Response>", base_url="https://ivr.example.com/v"
    )
    assert report.summary_line().startswith("<string>: ")
    hooks = report.webhook_lines()
    assert hooks[0] == "<string>:1: <Gather> POST https://ivr.example.com/v"
    assert all(line.startswith("<string>:") for line in report.lines(verbose=True))


def test_an_attribute_entry_without_a_value_says_not_written() -> None:
    """Also when the entry is not an implicit default (an attribute a verb needs but lacks)."""
    entry = Entry(1, 1, "Gather", "timeout", None, Status.CHANGED, "", "note")
    assert entry.subject == "Gather timeout (not written)"
    implicit = Entry(1, 1, "Gather", "timeout", "5", Status.CHANGED, "", "note", implicit=True)
    assert implicit.subject == "Gather timeout (not written)"
    assert Entry(1, 1, "Gather", "timeout", "5", Status.EXACT, "").subject == 'Gather timeout="5"'
