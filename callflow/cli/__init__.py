"""The ``callflow`` command: one entry point, subcommands loaded only when used.

Exit codes, for every subcommand: 0 ok, 1 findings or failed scenarios, 2 usage error or
unreadable input. No Python traceback reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import sys
from typing import Any

import click

# name -> "module:attribute"; each subcommand lives in its own module under callflow.cli.
SUBCOMMANDS: dict[str, str] = {
    "lint": "callflow.cli.lint:lint",
    "fmt": "callflow.cli.fmt:fmt",
    "load": "callflow.cli.load:load",
    "schema": "callflow.cli.schema:schema",
    "simulate": "callflow.cli.simulate:simulate",
    "test": "callflow.cli.test:test",
    "explore": "callflow.cli.explore:explore",
    "graph": "callflow.cli.graph:graph",
    "import": "callflow.cli.importer:import_group",
    "render": "callflow.cli.render:render",
    "campaign": "callflow.cli.campaign:campaign",
    "serve": "callflow.cli.serve:serve",
    "lsp": "callflow.cli.lsp:lsp",
}

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is run or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._available()})

    def _available(self) -> list[str]:
        names = []
        for name, target in SUBCOMMANDS.items():
            module = target.split(":")[0]
            if importlib.util.find_spec(module) is not None:
                names.append(name)
        return names

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in SUBCOMMANDS:
            module_name, attr = SUBCOMMANDS[cmd_name].split(":")
            if importlib.util.find_spec(module_name) is None:
                return None
            command = getattr(importlib.import_module(module_name), attr)
            _imports_done()
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Ctrl-C ends a subcommand with exit 130 (128 + SIGINT), as shells report it; click
        alone would say "Aborted!" and exit 1, which reads as "findings"."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(130) from None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="opentact-callflow", prog_name="callflow")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Build, lint and simulate Opentact call flow XML.

    \b
    Examples:
      callflow lint examples/                 check every *.xml under a folder
      callflow fmt --check flows/             report files not in canonical form
      callflow simulate menu.xml --digits 1   place a simulated call, pressing 1
      callflow schema                         print where the XSD is (for editors)
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug or bool(os.environ.get("CALLFLOW_DEBUG"))


_PROCESS = {"importing": False, "frozen": False}


def _imports_done() -> None:
    """The subcommand's modules are loaded: collect garbage again, from now on without
    looking at the objects made so far (``gc.freeze``, once a process).

    ``main`` turns the collector off while the modules load: they make tens of thousands of
    objects that live as long as the process and hold no garbage, and the collector walked
    them again and again while they loaded, then once more when the process ended. Frozen,
    they are skipped by every later collection, including the one at exit: a tenth of the
    CPU of ``callflow lint ONE_FILE``, and less work per collection in a long lint.
    """
    if _PROCESS["importing"]:
        _PROCESS["importing"] = False
        if not _PROCESS["frozen"]:
            _PROCESS["frozen"] = True
            gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: turns unexpected exceptions into a one-line message and exit 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    if gc.isenabled():  # see _imports_done
        _PROCESS["importing"] = True
        gc.disable()
    try:
        return cli.main(args=argv, prog_name="callflow", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never show a traceback by default
        if debug or os.environ.get("CALLFLOW_DEBUG"):
            raise
        click.echo(f"callflow: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("run again with --debug for the traceback, and please report it", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        _imports_done()  # no subcommand was loaded (--help, a usage error): on again
