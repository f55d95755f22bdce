"""The rule table as users read it, pinned: a changed message is a reviewed change.

`callflow lint --rules` and every `callflow lint --explain CODE` are compared with the text
checked in under tests/snapshots/. When a change to a rule's name, severity, summary or long
documentation is meant, regenerate the snapshots and review the diff like any other change:

    CALLFLOW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_rule_snapshots.py
    git diff tests/snapshots/

The docs are checked against the same registry where they name rules: every code they mention
exists, a code written with a rule name next to it carries that rule's name, and the code ranges
they give for the parse stage and the semantic rules are the registry's.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from snapshot import compare

from callflow import rules
from callflow.cli import cli
from callflow.parser import PARSE_RULES

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# Codes the docs use on purpose as examples of a code that does not exist.
NOT_RULES = {"CF999"}


def _lint(*args: str) -> str:
    result = CliRunner().invoke(cli, ["lint", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def rules_text() -> str:
    return _lint("--rules")


def explain_text() -> str:
    parts = []
    for info in rules.all_rule_infos():
        header = f"==== callflow lint --explain {info.code} ===="
        parts.append(f"{header}\n{_lint('--explain', info.code)}")
    return "\n".join(parts)


def _compare(name: str, actual: str) -> None:
    compare(
        SNAPSHOTS / name, actual, what="the rule text", test_file="tests/test_rule_snapshots.py"
    )


def test_rules_table_matches_the_snapshot() -> None:
    _compare("lint-rules.txt", rules_text())


def test_every_explanation_matches_the_snapshot() -> None:
    _compare("lint-explain.txt", explain_text())


def test_the_explain_snapshot_covers_every_registered_rule() -> None:
    text = (SNAPSHOTS / "lint-explain.txt").read_text(encoding="utf-8")
    shown = re.findall(r"^==== callflow lint --explain (CF\d{3}) ====$", text, re.M)
    assert shown == [info.code for info in rules.all_rule_infos()]


def _doc_text() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in DOCS]


def _by_code() -> dict[str, str]:
    return {info.code: info.name for info in rules.all_rule_infos()}


def test_every_code_the_docs_mention_is_a_rule() -> None:
    known = _by_code()
    unknown = {
        f"{path.relative_to(ROOT)}: {code}"
        for path, text in _doc_text()
        for code in re.findall(r"\bCF\d{3}\b", text)
        if code not in known and code not in NOT_RULES
    }
    assert not unknown
    assert not NOT_RULES & set(known)


CODE_AND_NAME = re.compile(r"\b(CF\d{3})\*{0,2}\s+\*{0,2}([a-z]+(?:-[a-z]+)+)\b")


def test_a_code_written_with_a_rule_name_carries_that_rules_name() -> None:
    known = _by_code()
    pairs = [
        (path.relative_to(ROOT), code, name)
        for path, text in _doc_text()
        for code, name in CODE_AND_NAME.findall(text)
    ]
    assert pairs, "the docs name rules as `CODE name`; the pattern must find them"
    wrong = [(str(path), code, name, known.get(code)) for path, code, name in pairs]
    assert [w for w in wrong if w[2] != w[3]] == []


RANGE = re.compile(r"`?(CF\d{3})`?-`?(CF\d{3})`?")
STAGES = {
    "parse-stage": PARSE_RULES,
    "XSD grammar": PARSE_RULES,
    "semantic rules": tuple(r.info for r in rules.RULES),
}


def test_the_code_ranges_the_docs_give_per_stage_are_the_registrys() -> None:
    checked = 0
    for path, text in [*_doc_text(), (ROOT / "tests/data/corpus/README.md", "")]:
        text = text or path.read_text(encoding="utf-8")
        for match in RANGE.finditer(text):
            before = text[max(0, match.start() - 60) : match.start()].replace("\n", " ")
            for words, infos in STAGES.items():
                if words.lower() in before.lower():
                    codes = sorted(info.code for info in infos)
                    where = f"{path.relative_to(ROOT)}: {match.group(0)} after {before!r}"
                    assert (match.group(1), match.group(2)) == (codes[0], codes[-1]), where
                    checked += 1
    assert checked >= 4, "README, docs/ci.md and the corpus README give the stages' ranges"
