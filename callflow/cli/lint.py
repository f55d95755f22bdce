"""``callflow lint``: check documents against the grammar and the semantic rules."""

from __future__ import annotations

import os
import sys

import click

from callflow import rules
from callflow.lint import PARALLEL_FROM, lint_paths
from callflow.reporting import EXIT_OK, FORMATS, summarize, summary_line


def use_color() -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _rules_table() -> str:
    infos = rules.all_rule_infos()
    width = max(len(i.name) for i in infos)
    lines = [f"{'code':<6} {'name':<{width}} {'severity':<8} {'fix':<3} summary"]
    for info in infos:
        fix = "fmt" if info.fixable else ""
        lines.append(
            f"{info.code:<6} {info.name:<{width}} {info.severity:<8} {fix:<3} {info.summary}"
        )
    return "\n".join(lines)


def _explain(code: str) -> str:
    found = rules.find(code)
    if found is None:
        raise click.BadParameter(
            f"no rule {code!r}; `callflow lint --rules` lists them", param_hint="--explain"
        )
    info, doc = found
    fixable = ", fixable by `callflow fmt`" if info.fixable else ""
    return f"{info.code} {info.name} ({info.severity}{fixable})\n{info.summary}\n\n{doc}"


@click.command()
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--rules", "list_rules", is_flag=True, help="List every rule and exit.")
@click.option("--explain", metavar="CODE", help="Explain one rule (code or name) and exit.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help=f"Processes to use [default: every core for {PARALLEL_FROM} files or more, else 1].",
)
def lint(
    paths: tuple[str, ...],
    output_format: str,
    strict: bool,
    list_rules: bool,
    explain: str | None,
    jobs: int | None,
) -> None:
    """Check call flow documents: XML, the Opentact grammar (XSD), then semantic rules.

    PATH is a file or a directory (searched for *.xml, hidden entries skipped). Each finding
    is printed as `file:line:col: CODE severity message (hint)`, and a summary goes to stderr.

    \b
    Exit status: 0 no errors (warnings allowed unless --strict), 1 errors found,
    2 an input could not be read, or a usage error.
    """
    if list_rules:
        click.echo(_rules_table())
        return
    if explain is not None:
        click.echo(_explain(explain))
        return
    if not paths:
        raise click.UsageError("give at least one PATH to lint (a file or a directory)")
    results = list(lint_paths(paths, jobs))
    summary = summarize(results)
    color = use_color()
    click.echo(FORMATS[output_format](results, summary, color=color), nl=False, color=color)
    if not results:
        click.echo(f"callflow lint: no *.xml files found in {', '.join(paths)}", err=True)
    click.echo(summary_line(summary), err=True)
    code = summary.exit_code(strict)
    if code != EXIT_OK:
        sys.exit(code)
