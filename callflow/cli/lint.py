"""``callflow lint``: check documents against the grammar and the semantic rules."""

from __future__ import annotations

import os
import sys

import click

from callflow import lintcache, rules
from callflow.config import ConfigError, Configs, Layer, resolve, split_codes
from callflow.fsio import atomic_write
from callflow.lint import PARALLEL_FROM, lint_paths
from callflow.lintcache import DEFAULT_DIR, ENV_DIR, LintCache
from callflow.reporting import EXIT_OK, EXIT_UNREADABLE, FORMATS, summarize, summary_line


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
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the report to FILE instead of stdout (the summary still goes to stderr).",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Use this config file for every path (a callflow.toml, or a pyproject.toml with"
    " [tool.callflow]) instead of the nearest one above each file.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Report only these rules (codes, prefixes like CF12, names or ALL; comma-separated),"
    " instead of the config's select.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Do not report these rules (on top of the config's ignore).",
)
@click.option("--rules", "list_rules", is_flag=True, help="List every rule and exit.")
@click.option("--explain", metavar="CODE", help="Explain one rule (code or name) and exit.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help=f"Processes to use [default: the cores not busy with other work, for {PARALLEL_FROM}"
    " files or more still to lint (cache hits do not count), else 1].",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Lint every file afresh, and leave the cache as it is.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help=f"Keep results here [default: ${ENV_DIR}, else {DEFAULT_DIR} in the current folder].",
)
def lint(
    paths: tuple[str, ...],
    output_format: str,
    output: str | None,
    strict: bool,
    config_file: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    list_rules: bool,
    explain: str | None,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
) -> None:
    """Check call flow documents: XML, the Opentact grammar (XSD), then semantic rules.

    PATH is a file or a directory (searched for *.xml, hidden entries skipped). Each finding
    is printed as `file:line:col: CODE severity message (hint)`, and a summary goes to stderr.
    Formats for CI: github (annotations on the pull request), junit, sarif (code scanning).

    Results are cached by the hash of each file's bytes (and the settings and callflow
    version), so an unchanged file is not linted again; the report is the same either way.

    Settings come from the nearest callflow.toml or pyproject.toml [tool.callflow] above
    each file (select, ignore, severity, exclude); comments like
    <!-- callflow: ignore=CF160 --> silence a rule on one line or element.

    \b
    Exit status: 0 no errors (warnings allowed unless --strict), 1 errors found,
    2 an input could not be read, a bad config file, or a usage error.
    """
    if list_rules:
        click.echo(_rules_table())
        return
    if explain is not None:
        click.echo(_explain(explain))
        return
    if not paths:
        raise click.UsageError("give at least one PATH to lint (a file or a directory)")
    cli_layer = Layer(select=split_codes(select) or None, ignore=split_codes(ignore))
    try:
        resolve(cli_layer)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    cache = None if no_cache else LintCache(lintcache.cache_dir(cache_dir))
    try:
        results = list(lint_paths(paths, jobs, Configs(config_file, cli_layer), cache))
    except ConfigError as exc:
        click.echo(f"callflow lint: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    if cache is not None:
        _save(cache)
    summary = summarize(results)
    color = use_color() and output is None
    report = FORMATS[output_format](results, summary, color=color, strict=strict)
    if output is None:
        click.echo(report, nl=False, color=color)
    else:
        _write(output, report)
    if not results:
        where = ", ".join(paths)
        click.echo(f"callflow lint: no *.xml files found in {where} (or all excluded)", err=True)
    click.echo(summary_line(summary), err=True)
    code = summary.exit_code(strict)
    if code != EXIT_OK:
        sys.exit(code)


def _save(cache: LintCache) -> None:
    try:
        cache.save()
    except OSError as exc:
        where = exc.filename or cache.folder
        reason = exc.strerror or exc
        click.echo(f"callflow lint: cache not saved in {where}: {reason} (--no-cache)", err=True)


def _write(path: str, report: str) -> None:
    try:
        atomic_write(path, report.encode("utf-8"))
    except OSError as exc:
        click.echo(f"callflow lint: cannot write {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
