"""Every `callflow` command shown in README.md and docs/*.md names a real subcommand and real
flags: each flag must appear in the output of ``callflow SUBCOMMAND --help``, so the docs
cannot drift from the command line unnoticed.

Commands are taken from fenced code blocks: every command of a shell block (``sh``, ``bash``;
also after ``&&``, ``|`` and ``;``), and in other blocks (``console`` and ``text``
transcripts, CI YAML) the lines written as a prompt (``$ callflow ...``) or a CI step
(``- run: callflow ...``, ``- callflow ...``).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from callflow.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "shell", "zsh"}
NOT_COMMANDS = {"python", "py", "json", "xml", "toml", "html", "csv", "jsonl"}
_FENCE = re.compile(r"^\s*```+\s*([\w-]*)")
_PROMPT = re.compile(r"^\s*(?:\$ |- run: |run: |- )(?=callflow\b)")
_OPERATORS = {"&&", "||", "|", ";", "&", "(", ")"}
_REDIRECTS = {">", ">>", "<", "2>", "2>&1"}


@dataclass(frozen=True)
class Command:
    """One `callflow` invocation as written in a page."""

    where: str
    argv: tuple[str, ...]


def _blocks(text: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """The fenced code blocks of a Markdown page: (language, [(line number, line)])."""
    blocks: list[tuple[str, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None
    lang = ""
    for number, line in enumerate(text.splitlines(), 1):
        fence = _FENCE.match(line)
        if fence and current is None:
            lang, current = fence.group(1).lower(), []
        elif fence and current is not None:
            blocks.append((lang, current))
            current = None
        elif current is not None:
            current.append((number, line))
    return blocks


def _logical_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join lines continued with a trailing backslash."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, line in lines:
        if pending is not None:
            number, line = pending[0], pending[1] + " " + line.strip()
        if line.rstrip().endswith("\\"):
            pending = (number, line.rstrip()[:-1])
            continue
        pending = None
        joined.append((number, line))
    return joined


def _strip_comment(line: str) -> str:
    """The line without a shell comment (a ``#`` after a blank, outside quotes)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _segments(line: str) -> list[list[str]]:
    """The simple commands of a shell line (split at && || | ; and redirections dropped)."""
    lexer = shlex.shlex(_strip_comment(line), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    segments: list[list[str]] = [[]]
    tokens = list(lexer)
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
        elif token in _OPERATORS:
            segments.append([])
        elif token in _REDIRECTS:
            skip_next = True
        else:
            segments[-1].append(token)
    return [s for s in segments if s]


def commands_in(path: Path) -> list[Command]:
    """Every `callflow` command written in the fenced blocks of one page."""
    found: list[Command] = []
    for lang, lines in _blocks(path.read_text(encoding="utf-8")):
        if lang in NOT_COMMANDS:
            continue
        for number, line in _logical_lines(lines):
            if lang in SHELL:
                text = re.sub(r"^\s*\$ ", "", line)
            elif _PROMPT.match(line):
                text = _PROMPT.sub("", line)
            else:
                continue
            for segment in _segments(text):
                if segment[0] == "callflow":
                    where = f"{path.relative_to(ROOT)}:{number}"
                    found.append(Command(where, tuple(segment[1:])))
    return found


ALL = [c for page in PAGES for c in commands_in(page)]


def resolve(argv: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(the subcommand path, the flags given) of a callflow command line."""
    group: click.Command = cli
    path: list[str] = []
    flags: list[str] = []
    for token in argv:
        if token.startswith("-"):
            flags.append(token.split("=", 1)[0])
        elif isinstance(group, click.Group):  # a subcommand (or a name that is none)
            sub = group.get_command(click.Context(group), token)
            if sub is None:
                return [], flags
            group, path = sub, [*path, token]
    return path, flags


@cache
def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_pages_show_commands_at_all() -> None:
    # the extraction must find the README's commands, or every check below is vacuous
    readme = {c.argv[0] for c in commands_in(ROOT / "README.md") if c.argv}
    assert {"lint", "simulate", "test", "explore", "fmt", "campaign"} <= readme


@pytest.mark.parametrize("command", ALL, ids=[c.where for c in ALL])
def test_documented_command_names_a_real_subcommand_and_real_flags(command: Command) -> None:
    path, flags = resolve(command.argv)
    assert path, f"{command.where}: 'callflow {' '.join(command.argv)}' names no subcommand"
    target = cli
    for name in path:
        assert isinstance(target, click.Group)
        found = target.get_command(click.Context(target), name)
        assert found is not None
        target = found
    assert not isinstance(target, click.Group), (
        f"{command.where}: 'callflow {' '.join(path)}' is a group; name one of its commands"
    )
    listed = help_text(tuple(path))
    words = set(re.findall(r"(?<![\w-])(-{1,2}[\w][\w-]*)", listed))
    unknown = [f for f in flags if f not in words]
    assert not unknown, (
        f"{command.where}: 'callflow {' '.join(path)} --help' does not list {unknown}"
    )


def test_a_made_up_flag_or_subcommand_is_caught() -> None:
    assert resolve(("lint", "--no-such-flag", "x"))[1] == ["--no-such-flag"]
    assert "--no-such-flag" not in help_text(("lint",))
    assert resolve(("lintt", "flows/"))[0] == []
    assert resolve(("import", "twiml", "a.xml", "-o", "out/")) == (["import", "twiml"], ["-o"])
    assert resolve(("lint", "flows/", "--strict")) == (["lint"], ["--strict"])
    line = 'callflow lint flows/ && echo "x" | callflow fmt --check flows/  # note --bogus'
    assert _segments(line) == [
        ["callflow", "lint", "flows/"],
        ["echo", "x"],
        ["callflow", "fmt", "--check", "flows/"],
    ]
