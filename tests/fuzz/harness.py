"""The body both fuzzers run on one input: parse and lint it, then check what came out.

``fuzz_lint.py`` feeds it atheris' inputs; ``test_fuzz_lint.py`` feeds it the seed corpus in
every test run. Anything but a clean return (an exception, a failed check) is a crash.
"""

from __future__ import annotations

from callflow import rules
from callflow.lint import lint_loaded
from callflow.parser import PARSE_RULES, load_bytes
from callflow.serializer import to_xml

PARSE_CODES = frozenset(info.code for info in PARSE_RULES)
CODES = PARSE_CODES | {info.code for info in rules.all_rule_infos()}


def check(data: bytes) -> None:
    """Parse and lint ``data``; raise ``AssertionError`` on anything a user should not see."""
    loaded = load_bytes(data, file="fuzz.xml")
    assert (loaded.model is None) == bool(loaded.findings), loaded.findings
    findings = lint_loaded(loaded)
    # Every byte that could end a line, in any encoding, counted: no finding lies beyond.
    last_line = data.count(b"\n") + data.count(b"\r") + 1
    for finding in findings:
        assert finding.code in CODES, finding
        assert finding.severity in {"error", "warning", "info"}, finding
        assert 1 <= finding.line <= last_line and finding.col >= 1, finding
        assert finding.file == "fuzz.xml", finding
        rendered = finding.render()
        assert finding.message.strip() and "\n" not in rendered and "Traceback" not in rendered
    if loaded.model is None:
        assert {f.code for f in loaded.findings} <= PARSE_CODES
        return
    # A document the parser accepts round-trips through the serializer unchanged in meaning.
    again = load_bytes(to_xml(loaded.model, pretty=True).encode("utf-8"))
    assert again.model == loaded.model, again.findings
