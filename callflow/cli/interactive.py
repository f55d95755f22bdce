"""The terminal of ``callflow simulate --interactive``: reads lines, shows what the call does.

The debugging itself is ``simulator.debugger.Session``; this module only talks to the person.
In a terminal it uses prompt_toolkit: history of the lines typed (in memory: nothing is
written), tab completion of commands, answers, lines with a command and file names, Ctrl-C back
to the prompt (a run it interrupts is dropped), Ctrl-D hangs up, and a second Ctrl-D leaves.
When standard input is not a terminal it reads commands line by line and echoes each after its
prompt, so a session can be scripted; end of input hangs up, and a refused command makes the
exit status 1. Colour only on a terminal, never with ``--no-color`` or ``NO_COLOR``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, TextIO

import click
from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.output import ColorDepth

from callflow.cli.simulate import EXIT_FAILED, EXIT_OK, EXIT_USAGE, close_backends, open_backends
from simulator.debugger import Line, Reply, Session, Setup
from simulator.http import Resolver
from simulator.render import event_line
from simulator.scenario import Flow, Scenario, ScenarioError, resolver

_STYLES: dict[str, dict[str, Any]] = {
    "hint": {"dim": True},
    "error": {"fg": "red", "bold": True},
    "current": {"fg": "yellow", "bold": True},
    "result": {"bold": True},
    "info": {"fg": "cyan"},
}


def debug(scenario: Scenario, flow: Flow, options: dict[str, Any], *, colour: bool) -> int:
    """Run the session for ``flow`` with the call ``scenario`` describes; the exit status."""
    assert flow.model is not None
    backends = open_backends("simulate", options)

    def opener() -> AbstractContextManager[Resolver]:
        return backends.run(lambda: resolver(scenario))

    setup = Setup(
        flow=flow.model,
        path=flow.path,
        source=flow.source,
        context=scenario.context,
        caller=scenario.caller,
        http=opener,
        http_label=_label(scenario, options),
        limits=scenario.limits,
    )
    session = Session(setup)
    terminal = _Terminal(session, colour=colour)
    try:
        terminal.show(session.start())
        return terminal.loop()
    except ScenarioError as exc:
        click.echo(exc.finding.render(), err=True)
        return EXIT_USAGE
    finally:
        session.close()
        close_backends("simulate", backends)


def _label(scenario: Scenario, options: dict[str, Any]) -> str:
    """What answers a request on Enter, in the words of the options that chose it."""
    for flag, name in (("--app", "app"), ("--base-url", "base_url"),
                       ("--replay-http", "replay_http")):  # fmt: skip
        if options.get(name):
            return f"{flag} {options[name]}"
    if scenario.http or scenario.backends:
        return "the configured answers (refused where none is given)"
    return "no server configured (the request is refused)"


class _Terminal:
    """Reads lines (prompt_toolkit on a terminal, plain lines otherwise) and shows replies."""

    def __init__(self, session: Session, *, colour: bool) -> None:
        self.session = session
        self.colour = colour
        self.stdin: TextIO = sys.stdin
        self.stdout: TextIO = sys.stdout
        self.main = str(session.setup.path)
        self.refused = False

    def show(self, reply: Reply) -> None:
        for line in reply.lines:
            self.stdout.write(self.render(line) + "\n")
            if line.style == "error":
                self.refused = True
        self.stdout.flush()

    def render(self, line: Line) -> str:
        if not self.colour:
            return line.text
        if line.event is not None:
            return event_line(line.event, colour=True, main_file=self.main)
        style = _STYLES.get(line.style)
        return click.style(line.text, **style) if style else line.text

    def loop(self) -> int:
        if self.stdin.isatty():
            self._interactive()
            return EXIT_OK
        return self._scripted()

    def _interactive(self) -> None:
        prompt: PromptSession[str] = PromptSession(
            history=InMemoryHistory(),
            completer=_Completer(self.session),
            complete_while_typing=False,
            color_depth=ColorDepth.DEPTH_8_BIT if self.colour else ColorDepth.MONOCHROME,
        )
        while True:
            message: str | FormattedText = self.session.prompt
            if self.colour:
                message = FormattedText([("bold ansicyan", self.session.prompt)])
            try:
                text = prompt.prompt(message)
            except KeyboardInterrupt:
                continue  # Ctrl-C: a fresh prompt
            except EOFError:
                reply = self.session.eof()  # Ctrl-D: hang up; once the call is over, leave
            else:
                try:
                    reply = self.session.execute(text)
                except KeyboardInterrupt:
                    reply = Reply((Line("interrupted: the call is where it was", "hint"),))
            self.show(reply)
            if reply.quit:
                return

    def _scripted(self) -> int:
        for raw in self.stdin:
            text = raw.rstrip("\r\n")
            self.stdout.write(f"{self.session.prompt}{text}\n")
            reply = self.session.execute(text)
            self.show(reply)
            if reply.quit:
                break
        else:
            self.show(self.session.eof())
        return EXIT_FAILED if self.refused else EXIT_OK


class _Completer(Completer):
    """Completes the first word from the commands and the answers the call waits for, the
    line of ``break`` and ``delete``, and file names for ``save`` and HTTP answers."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor.lstrip()
        word, space, rest = text.partition(" ")
        if not space:
            yield from _starting(self.session.words(), word)
            if self.session.prompt.endswith("http> "):
                yield from self.paths.get_completions(Document(text), event)
            return
        rest = rest.lstrip()
        command = word.lower()
        if command in ("break", "b"):
            yield from _starting((str(n) for n in self.session.command_lines()), rest)
        elif command in ("delete", "d"):
            yield from _starting((str(n) for n in sorted(self.session.breakpoints)), rest)
        elif command == "save":
            yield from self.paths.get_completions(Document(rest), event)


def _starting(candidates: Iterable[str], prefix: str) -> Iterator[Completion]:
    for candidate in candidates:
        if candidate.startswith(prefix.lower()):
            yield Completion(candidate, start_position=-len(prefix))
