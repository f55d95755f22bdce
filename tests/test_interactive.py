"""``callflow simulate --interactive`` as a person uses it: the real program in a pseudo-terminal
(pexpect), then the scenario it saved run by ``callflow test``; and as a script reads it, with
commands piped in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from callflow.cli import cli

pexpect = pytest.importorskip("pexpect")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MENU = EXAMPLES / "main-menu.xml"
CALLBACK = EXAMPLES / "callback-flow.xml"
CALLFLOW = Path(sys.executable).parent / "callflow"
UP = "\x1b[A"
GREEN = "\x1b[32m"  # how click colours a say event


def spawn(cwd: Path, *args: str, colour: bool = False, **env: str) -> pexpect.spawn:
    """The program in a terminal that does not answer cursor position requests."""
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environ.update(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", **env)
    flags = [] if colour else ["--no-color"]
    command = ["simulate", *args, "--interactive", *flags]
    return pexpect.spawn(str(CALLFLOW), command, cwd=cwd, env=environ, encoding="utf-8",
                         timeout=10, dimensions=(40, 250))  # fmt: skip


def ended(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    status: int = child.exitstatus
    return status


def test_a_person_walks_the_menu_breaks_looks_around_and_saves_a_passing_scenario(
    tmp_path: Path,
) -> None:
    child = spawn(tmp_path, str(MENU))
    child.expect_exact("Thank you for calling Bluewater Property Management.")
    child.expect_exact("L6 keys>")
    child.sendline("break 20")
    child.expect_exact("breakpoint at L20 Gather residents")
    child.expect_exact("L6 keys>")
    child.sendline("2")
    child.expect_exact("stopped before L20 Gather residents (breakpoint)")
    child.expect_exact("L20 debug>")
    child.send("wh\t")  # tab completes the command
    child.expect_exact("ere")
    child.send("\r")
    child.expect_exact("main-menu.xml:20: Gather residents: stopped before this command")
    child.expect_exact('->*  20        <Gather dtmf_length="1" timeout="8000" attempts="2"')
    child.expect_exact("L20 debug>")
    child.sendline("vars")
    child.expect_exact("time        00:12.480 (virtual), 4 step(s)")
    child.expect_exact("L20 debug>")
    child.send("brea")
    child.sendcontrol("c")  # Ctrl-C drops the line and gives a fresh prompt
    child.expect_exact("L20 debug>")
    child.sendline("breaks")
    child.expect_exact("breakpoint at L20 Gather residents")
    child.expect_exact("L20 debug>")
    child.send(UP + UP + "\r")  # history: vars again
    child.expect_exact("recordings  none")
    child.expect_exact("L20 debug>")
    child.sendline("continue")
    child.expect_exact("L20 Gather residents attempt 1 of 2 waits for keys (menu: 1, 2, 3)")
    child.expect_exact("L20 keys>")
    child.sendline("1")
    child.expect_exact("L24 keys>")
    child.sendline("1")
    child.expect_exact("L28 Dial on-call rings sip:oncall@pbx.bluewater.example.com, +15035550199")
    child.expect_exact("L28 dial>")
    child.sendline("busy, no-answer")
    child.expect_exact("We could not reach the technician.")
    child.expect_exact("result: hangup after 01:13.670")
    child.expect_exact("ended>")
    child.sendline("save emergency.yaml")
    child.expect_exact(
        "saved emergency.yaml (3 caller action(s), 7 expectation(s)); replayed, it passes"
    )
    child.expect_exact("ended>")
    child.sendcontrol("d")  # the call is over: Ctrl-D leaves
    assert ended(child) == 0

    saved = yaml.safe_load((tmp_path / "emergency.yaml").read_text(encoding="utf-8"))
    assert saved["caller"] == [{"press": "2"}, {"press": "1"}, {"press": "1"}]
    assert saved["dial"] == {"sip:oncall@pbx.bluewater.example.com": "busy",
                             "+15035550199": "no-answer"}  # fmt: skip
    run = subprocess.run([str(CALLFLOW), "test", "emergency.yaml"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS emergency.yaml" in run.stdout and "1 passed, 0 failed" in run.stdout


def test_ctrl_d_hangs_up_then_leaves(tmp_path: Path) -> None:
    child = spawn(tmp_path, str(MENU))
    child.expect_exact("L6 keys>")
    child.sendcontrol("d")
    child.expect_exact("result: caller-hangup after 00:12.480")
    child.expect_exact("ended>")
    child.sendline("quit")
    assert ended(child) == 0


@pytest.mark.parametrize(
    ("colour", "env", "coloured"),
    [(True, {}, True), (True, {"NO_COLOR": "1"}, False), (False, {}, False)],
    ids=["terminal", "NO_COLOR", "--no-color"],
)
def test_colour_only_on_a_terminal_without_no_color(
    tmp_path: Path, colour: bool, env: dict[str, str], coloured: bool
) -> None:
    child = spawn(tmp_path, str(MENU), colour=colour, **env)
    child.expect_exact("keys>")
    assert (GREEN in child.before) is coloured
    assert "Thank you for calling Bluewater" in child.before
    child.sendline("quit")
    assert ended(child) == 0


# ---- piped: commands read line by line -----------------------------------------------------------


def piped(*args: str, commands: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["simulate", *args, "--interactive"], input=commands)
    return result.exit_code, result.output


def test_a_piped_session_echoes_each_command_after_its_prompt(tmp_path: Path) -> None:
    target = tmp_path / "repairs.yaml"
    code, out = piped(str(MENU), commands=f"break 20\n2\nwhere 0\ncontinue\n1\n2\nsave {target}\n")
    assert code == 0, out
    assert "\x1b[" not in out
    assert "L6 keys> break 20\nbreakpoint at L20 Gather residents\nL6 keys> 2\n" in out
    assert "L20 debug> where 0\nmain-menu.xml:20: Gather residents: stopped before" in out
    assert "->*  20        <Gather" in out
    assert "Please submit routine repairs in the resident portal." in out
    assert f"ended> save {target}\nsaved {target}" in out
    result = CliRunner().invoke(cli, ["test", str(target)])
    assert result.exit_code == 0 and "1 passed, 0 failed" in result.output


FOREIGN = (
    '<?xml version="1.0" encoding="{}"?>\n<Response>\n  <Say>Gr\u00fc\u00dfe aus K\u00f6ln</Say>\n'
    '  <Pause length="500"/>\n  <Hangup/>\n</Response>\n'
)
"""A flow whose text is not UTF-8: the declaration names the encoding (``{}``)."""


@pytest.mark.parametrize(
    ("declared", "codec"),
    [("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1")],
    ids=["utf-16", "latin-1"],
)
def test_where_shows_the_source_as_the_parser_read_it(
    tmp_path: Path, declared: str, codec: str
) -> None:
    """A UTF-16 file (byte order mark) and a Latin-1 one (XML declaration): ``where`` and
    ``break`` show the characters the parser read, not bytes read as UTF-8."""
    flow = tmp_path / "greeting.xml"
    flow.write_bytes(FOREIGN.format(declared).encode(codec))
    code, out = piped(str(flow), commands="break 4\nbreak 1\nwhere\n")
    assert code == 1, out  # break 1 is refused: it names what line 1 holds
    assert "\ufffd" not in out and "\x00" not in out
    assert "breakpoint at L4 Pause" in out
    assert (
        f'line 1 has no command to stop at (it holds \'<?xml version="1.0" encoding="{declared}'
        in out
    )
    assert "      3    <Say>Gr\u00fc\u00dfe aus K\u00f6ln</Say>\n  *   4    <Pause" in out
    assert "->    5    <Hangup/>" in out


def test_end_of_input_hangs_up(tmp_path: Path) -> None:
    code, out = piped(str(MENU), commands="2\n")
    assert code == 0
    assert out.rstrip().splitlines()[-2] == "result: caller-hangup after 00:18.265"


def test_a_refused_command_in_a_script_fails_the_run() -> None:
    code, out = piped(str(MENU), commands="break 8\nquit\n")
    assert code == 1
    assert "line 8 has no command to stop at" in out


def test_the_options_are_the_answers_of_an_empty_line(tmp_path: Path) -> None:
    answer = tmp_path / "ready.xml"
    answer.write_text("<Response><Say>Your refill is ready.</Say></Response>", encoding="utf-8")
    lookup = "https://ivr.lakesidepharmacy.example.com/refills/lookup"
    code, out = piped(str(CALLBACK), "--digits", "1234567#", "--http", f"{lookup}={answer}",
                      commands="fail\n\n\nquit\n")  # fmt: skip
    assert code == 0, out
    assert "Enter: press 1234567#" in out
    assert "Enter: the configured answers (refused where none is given)" in out
    assert "Your refill is ready." in out


def test_interactive_talks_text_only() -> None:
    code, out = piped(str(MENU), "--format", "json", commands="")
    assert code == 2
    assert "--interactive talks in text" in out
