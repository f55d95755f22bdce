"""The project's own acceptance corpus (tests/data/corpus), held to the rule registry.

Every code ``callflow lint`` can report has a broken document that produces exactly that code
at the line its header names; the valid flows use every element and alias spelling of the
grammar. A new rule without a document, or a grammar name no flow uses, fails here.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from corpus import BROKEN, Broken, broken_documents, read_header, valid_files
from lxml import etree

from callflow import grammar, rules
from callflow import model as m
from callflow.cli import cli
from callflow.lint import lint_file
from callflow.parser import PARSE_RULES, parse

REGISTERED = {info.code: info for info in rules.all_rule_infos()}
PARSE_CODES = {info.code for info in PARSE_RULES}


def test_every_registered_code_has_a_broken_document() -> None:
    documented: set[str] = set()
    for doc in broken_documents():
        documented |= {doc.code, *doc.covers}
    missing = sorted(set(REGISTERED) - documented)
    assert not missing, f"no broken document in {BROKEN} for: {', '.join(missing)}"
    unknown = sorted(documented - set(REGISTERED))
    assert not unknown, f"corpus headers name codes no rule has: {', '.join(unknown)}"


def test_only_a_parse_stage_expectation_may_cover_another_rule() -> None:
    for doc in broken_documents():
        if doc.covers:
            assert doc.code in PARSE_CODES, f"{doc.path.name}: {doc.code} cannot cover {doc.covers}"
            assert not set(doc.covers) & PARSE_CODES


def test_each_file_is_named_after_the_code_it_shows() -> None:
    for doc in broken_documents():
        shown = {c.lower() for c in (doc.code, *doc.covers)}
        assert doc.path.name.split("-", 1)[0] in shown, doc.path.name


def test_broken_document_gives_exactly_its_code_at_its_line(broken_document: Broken) -> None:
    result = lint_file(str(broken_document.path))
    got = [(f.code, f.line) for f in result.findings]
    assert got == [(broken_document.code, broken_document.line)], (
        f"{broken_document.path.name} expects {broken_document.code} at line "
        f"{broken_document.line} ({broken_document.why}); got: "
        + "; ".join(f.render() for f in result.findings)
    )
    (finding,) = result.findings
    assert finding.severity == REGISTERED[broken_document.code].severity
    assert finding.file == str(broken_document.path)
    assert result.unreadable == (broken_document.code == "CF011")


def test_a_header_that_does_not_follow_the_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cf101-x.xml"
    path.write_text("<!-- expect: CF101 somewhere -->\n<Response/>\n")
    try:
        read_header(path)
    except ValueError as exc:
        assert "line 1" in str(exc)
    else:
        raise AssertionError("a malformed header was accepted")


def test_the_cli_reports_the_whole_broken_folder_with_every_code() -> None:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(BROKEN)])
    assert result.exit_code == 1
    for doc in broken_documents():
        if doc.path.exists():
            assert f'"{doc.code}"' in result.stdout, doc.path.name


# ---- the valid flows cover the grammar ------------------------------------------------------


def _written_names() -> tuple[set[str], set[tuple[str, str]]]:
    """Element names and (element as written, attribute as written) pairs in the valid flows."""
    elements: set[str] = set()
    attributes: set[tuple[str, str]] = set()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in valid_files():
        for el in etree.parse(str(path), parser).iter():
            if isinstance(el.tag, str):
                elements.add(el.tag)
                attributes |= {(el.tag, str(a)) for a in el.attrib}
    return elements, attributes


def _spellings() -> list[m.Spelling]:
    found: list[m.Spelling] = []
    for path in valid_files():
        stack: list[m.Node] = [parse(path)]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.spelling is not None:
                found.append(node.spelling)
    return found


def test_valid_flows_use_every_element_name_of_the_grammar() -> None:
    elements, _ = _written_names()
    missing = sorted(set(grammar.ELEMENTS) - elements)
    assert not missing, f"no valid corpus flow writes: {', '.join(missing)}"


def test_valid_flows_use_every_attribute_alias() -> None:
    _, attributes = _written_names()
    written = {(grammar.ELEMENTS[tag].canonical, attr) for tag, attr in attributes}
    wanted = {
        (rule.canonical, name)
        for rule in grammar.ELEMENTS.values()
        for name, attr in rule.attrs.items()
        if attr.alias
    }
    missing = sorted(wanted - written)
    assert not missing, f"no valid corpus flow writes these aliases: {missing}"


def test_valid_flows_use_the_value_and_content_spellings() -> None:
    spellings = _spellings()
    assert any(("url", "#content") in s.attrs for s in spellings), "no Callback URL as content"
    assert any(name == "method" for s in spellings for name, _ in s.values), "no lowercase method"
