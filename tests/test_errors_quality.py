"""Errors a person can act on: each says where (file, line, column), what was expected, and
for the common mistakes how to fix it; no Python traceback reaches a user unless asked for.

The common mistakes: an alias spelling, seconds written where milliseconds are meant, a
lowercase (or upper-case) element name, a command nested inside a command that does not take
it (``<Say>`` inside ``<Dial>``).
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from callflow import grammar as g
from callflow import model as m
from callflow.cli import SUBCOMMANDS, cli, main
from callflow.diagnostics import Finding
from callflow.lint import lint_source

RENDERED = re.compile(r"^flow\.xml:(?P<line>\d+):(?P<col>\d+): (?P<code>CF\d{3}) \w+ .+$")


def col_of(doc: str, line: int, marker: str) -> int:
    return doc.splitlines()[line - 1].index(marker) + 1


def only(doc: str, code: str) -> Finding:
    found = [f for f in lint_source(doc, file="flow.xml") if f.code == code]
    assert len(found) == 1, lint_source(doc)
    return found[0]


# (mistake, document, code, line, marker the column points at, the words of message and hint)
CASES = [
    ("alias element", "<Response>\n  <Dial>\n    <Sip>sip:desk@pbx.example.com</Sip>\n"
     "    <Error><Say>x</Say></Error>\n  </Dial>\n</Response>", "CF150", 3, "<Sip",
     ["<Sip> is an alias", "write <To>", "callflow fmt rewrites it"]),
    ("alias attribute", "<Response>\n  <Gather numDigits='1'>\n    <Say>Press 1.</Say>\n"
     "    <DTMF value='1'><Say>One.</Say></DTMF>\n  </Gather>\n</Response>", "CF150", 2,
     "numDigits", ["numDigits is an alias of dtmf_length", "callflow fmt rewrites it"]),
    ("seconds as a number", "<Response>\n  <Pause length='5'/>\n</Response>", "CF160", 2,
     "length", ["5 milliseconds", "seconds were probably meant", "write 5000"]),
    ("seconds with a unit", "<Response>\n  <Pause length='5s'/>\n</Response>", "CF006", 2,
     "length", ["'5s' is not an integer number of milliseconds", "write 5000"]),
    ("fractional seconds", "<Response>\n  <Dial timeout='2.5 seconds'><To>+12125550100</To>"
     "</Dial>\n</Response>", "CF006", 2, "timeout", ["'2.5 seconds'", "write 2500"]),
    ("milliseconds with a unit", "<Response>\n  <Pause length='5000ms'/>\n</Response>",
     "CF006", 2, "length", ["'5000ms'", "write 5000"]),
    ("minutes", "<Response>\n  <Pause length='1 min'/>\n</Response>", "CF006", 2, "length",
     ["'1 min'", "write 60000"]),
    ("no unit at all", "<Response>\n  <Pause length='short'/>\n</Response>", "CF006", 2,
     "length", ["'short'", "whole milliseconds, e.g. 5000 for five seconds"]),
    ("upper-case verb", "<Response>\n  <SAY>Hi.</SAY>\n</Response>", "CF003", 2, "<SAY",
     ["unknown element SAY", "names are case-sensitive: did you mean Say?"]),
    ("lowercase root", "<response>\n  <Say>Hi.</Say>\n</response>", "CF002", 1, "<response",
     ["root element must be Response, not response", "did you mean Response?"]),
    ("Say inside Dial", "<Response>\n  <Dial>\n    <To>+12125550100</To>\n"
     "    <Say>Connecting you.</Say>\n  </Dial>\n</Response>", "CF004", 4, "<Say",
     ["Say is not allowed inside Dial", "put the Say before the Dial",
      "allowed here: Error, Meta, Sip, To"]),
    ("Play inside Callback", "<Response>\n  <Callback url='https://ivr.example.com/x'>\n"
     "    <Play url='https://ivr.example.com/a.mp3'/>\n  </Callback>\n</Response>", "CF004", 3,
     "<Play", ["put the Play before the Callback", "allowed here: Error, Meta"]),
    ("a dialect's verb", "<Response>\n  <Speak>Hi.</Speak>\n</Response>", "CF003", 2, "<Speak",
     ["unknown element Speak", "did you mean Say?"]),
    ("a dialect's attribute", "<Response>\n  <Say voice='alice'>Hi.</Say>\n</Response>",
     "CF005", 2, "voice", ["unknown attribute voice on Say", "allowed: ", "did you mean gender?"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mistake", "doc", "code", "line", "marker", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_common_mistakes_say_where_what_and_how_to_fix(
    mistake: str, doc: str, code: str, line: int, marker: str, words: list[str]
) -> None:
    finding = only(doc, code)
    assert (finding.line, finding.col) == (line, col_of(doc, line, marker))
    assert finding.hint, f"{mistake}: no suggestion"
    rendered = finding.render()
    assert RENDERED.match(rendered), rendered
    for word in words:
        assert word in rendered


COMMANDS = sorted(cls.TAG for cls in m.ELEMENT_TYPES if cls.IS_COMMAND)


@pytest.mark.parametrize("tag", [*COMMANDS, "DTMF", "Default", "Error", "Meta", "To"])
def test_every_element_name_in_the_wrong_case_names_the_right_one(tag: str) -> None:
    """Wherever it stands, a mis-cased name is unknown, and the hint spells it right; where a
    lowercase name is itself an accepted alias (``<callback>``), the alias warning says so."""
    for wrong in {tag.lower(), tag.upper()} - {tag}:
        doc = f"<Response>\n  <{wrong}/>\n</Response>"
        if wrong in g.ELEMENTS:
            finding = only(doc, "CF150")
            assert f"write <{tag}>" in finding.render()
            continue
        finding = only(doc, "CF003")
        assert (finding.line, finding.col) == (2, 3)
        assert finding.hint == f"names are case-sensitive: did you mean {tag}?"


def test_there_are_verbs_to_check() -> None:
    assert {"Say", "Dial", "Gather", "Hangup", "Callback"} <= set(COMMANDS)


# ---- no traceback, unless --debug --------------------------------------------------------------


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    path = tmp_path / "flow.xml"
    path.write_text("<Response>\n  <Say>Hi.</Say>\n</Response>\n")
    return path


def args_for(name: str, flow: Path) -> list[str]:
    if name == "import":  # a group of dialects: the group's code runs before twiml's
        return [name, "twiml", str(flow)]
    return [name] if name in ("schema", "lsp") else [name, str(flow)]  # no PATH argument


def break_command(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the subcommand's own code fail as a bug would."""
    module, attr = SUBCOMMANDS[name].split(":")
    command = getattr(importlib.import_module(module), attr)

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("deliberate bug for the test")

    monkeypatch.setattr(command, "callback", bug)


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_an_internal_error_is_one_line_and_exit_2(
    name: str, flow: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CALLFLOW_DEBUG", raising=False)
    break_command(name, monkeypatch)
    with pytest.raises(SystemExit) as ended:
        main(args_for(name, flow))
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "callflow: internal error: RuntimeError: deliberate bug for the test",
        "run again with --debug for the traceback, and please report it",
    ]


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_debug_lets_the_exception_through(
    name: str, flow: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_command(name, monkeypatch)
    with pytest.raises(RuntimeError, match="deliberate bug"):
        main(["--debug", *args_for(name, flow)])
    # The same through click's runner: the exception is what the command raised.
    result = CliRunner().invoke(cli, ["--debug", *args_for(name, flow)])
    assert isinstance(result.exception, RuntimeError)


def test_callflow_debug_in_the_environment_works_like_the_flag(
    flow: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_command("lint", monkeypatch)
    monkeypatch.setenv("CALLFLOW_DEBUG", "1")
    with pytest.raises(RuntimeError, match="deliberate bug"):
        main(["lint", str(flow)])


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_debug_is_accepted_before_every_subcommand(name: str) -> None:
    result = CliRunner().invoke(cli, ["--debug", name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_debug_changes_nothing_when_all_is_well(flow: Path) -> None:
    plain = CliRunner().invoke(cli, ["lint", str(flow)])
    debug = CliRunner().invoke(cli, ["--debug", "lint", str(flow)])
    assert plain.exit_code == debug.exit_code == 0
    assert plain.output == debug.output


BROKEN_LINT = (
    "import sys, callflow.cli.lint as lint\n"
    "def bug(*args, **kwargs):\n"
    "    raise RuntimeError('deliberate bug for the test')\n"
    "lint.lint_paths = bug\n"
    "from callflow.cli import main\n"
    "main(sys.argv[1:])\n"
)


def test_what_a_user_sees_in_a_terminal(flow: Path) -> None:
    """As a real process: one line and exit 2; with --debug, Python's traceback."""
    quiet = subprocess.run([sys.executable, "-c", BROKEN_LINT, "lint", str(flow)],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    assert "callflow: internal error: RuntimeError: deliberate bug" in quiet.stderr
    loud = subprocess.run([sys.executable, "-c", BROKEN_LINT, "--debug", "lint", str(flow)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert loud.returncode == 1
    assert "Traceback (most recent call last)" in loud.stderr
    assert loud.stderr.rstrip().endswith("RuntimeError: deliberate bug for the test")


def test_a_scenario_error_names_the_yaml_line(tmp_path: Path, flow: Path) -> None:
    scenario = tmp_path / "call.yaml"
    scenario.write_text(f"flow: {flow}\ncaller:\n  - press: 1\nlimitz: {{max_steps: 3}}\n")
    result = CliRunner().invoke(cli, ["test", str(scenario)])
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(scenario))}:4:1: SC\d{{3}} error .*limitz", result.output)
    assert "Traceback" not in result.output
