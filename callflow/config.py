"""Lint settings, as ruff users expect: ``[tool.callflow]`` in pyproject.toml or callflow.toml.

The nearest config file above each linted file applies (or the one given with ``--config``),
then the command line's ``--select``/``--ignore``. Rules are chosen by code, code prefix
(``CF1``, ``CF12``), kebab-case name or ``ALL``; where a select and an ignore both match a rule,
the more specific one wins. ``severity`` changes a rule's level; ``exclude`` skips files by glob.
Parse-stage checks (CF001-CF011) cannot be turned off or down: a document that is not valid
Opentact XML is never silently passed.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePath, PurePosixPath
from typing import Any, cast

from callflow import rules
from callflow.diagnostics import Severity
from callflow.frozen import record
from callflow.fsio import read_regular
from callflow.lazyre import lazy_compile
from callflow.parser import PARSE_RULES

CONFIG_FILES = ("callflow.toml", "pyproject.toml")
"""Looked for in each directory from the linted file upwards; the first in this order wins."""
KEYS = ("select", "ignore", "severity", "exclude")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

PARSE_CODES = frozenset(info.code for info in PARSE_RULES)
ALL_CODES = frozenset(info.code for info in rules.all_rule_infos())
CHECKABLE = ALL_CODES - PARSE_CODES
"""Codes that ``select``, ``ignore`` and ``severity`` can change."""
_PREFIX = lazy_compile(r"CF\d{0,3}")
COMMAND_LINE = "command line"


class ConfigError(Exception):
    """A config file or option that cannot be used; the message says where (file:line:col)."""


@record
class Layer:
    """One source of settings, as written: a config file or the command line."""

    origin: str = COMMAND_LINE
    """The config file's path, or ``COMMAND_LINE``, for messages."""
    section: str = ""
    """``[tool.callflow] `` for a pyproject.toml, to say where in the file."""
    root: str = "."
    """The directory ``exclude`` globs are relative to (the config file's)."""
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    exclude: tuple[str, ...] = ()
    text: str = ""
    """The file's text, to point an error at the line that caused it."""


@record
class Settings:
    """What one file is linted with (picklable, for worker processes)."""

    selected: frozenset[str] = CHECKABLE
    """Checkable codes to report; parse-stage findings are always reported."""
    severities: tuple[tuple[str, Severity], ...] = ()
    """(code, severity) overrides."""
    exclude: tuple[tuple[str, str], ...] = ()
    """(root directory, glob) pairs."""
    source: str | None = None
    """The config file these come from, if any."""

    def severity_of(self, code: str, default: Severity) -> Severity:
        for overridden, severity in self.severities:
            if overridden == code:
                return severity
        return default

    def excludes(self, path: str) -> bool:
        """Whether ``path`` matches an ``exclude`` glob (relative to its config's directory)."""
        if not self.exclude:
            return False
        absolute = os.path.abspath(path)
        return any(_glob_matches(pattern, absolute, root) for root, pattern in self.exclude)


DEFAULT = Settings()


def _glob_matches(pattern: str, absolute: str, root: str) -> bool:
    """A glob without ``/`` matches any file or directory name on the path (``legacy``,
    ``*.generated.xml``); one with ``/`` matches the path relative to ``root`` or one of its
    leading directories (``flows/old``, ``flows/*/draft-*.xml``). ``*`` also crosses ``/``."""
    relative = os.path.relpath(absolute, root)
    parts = PurePath(relative).parts if not relative.startswith("..") else PurePath(absolute).parts
    pattern = pattern.strip().removeprefix("./").rstrip("/")
    if not pattern:
        return False
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    return any(
        fnmatch.fnmatchcase(str(PurePosixPath(*parts[:end])), pattern)
        for end in range(1, len(parts) + 1)
    )


# ---- reading a config file -----------------------------------------------------------------


def _where(layer: Layer, key: str, needle: str) -> str:
    """``file:line:col: [tool.callflow] key`` at the first quoted ``needle`` in the file (or
    ``--key`` for the command line), to start an error message."""
    if layer.origin == COMMAND_LINE:
        return f"--{key}"
    quoted = re.escape(needle)
    pattern = re.compile(rf"""(["']){quoted}\1|(?<![\w-]){quoted}(?=\s*=)""")
    found = pattern.search(layer.text, max(layer.text.find("tool.callflow"), 0))
    where = layer.origin
    if found is not None:
        line = layer.text.count("\n", 0, found.start()) + 1
        col = found.start() - (layer.text.rfind("\n", 0, found.start()) + 1) + 1
        where = f"{layer.origin}:{line}:{col}"
    return f"{where}: {layer.section}{key}"


def _strings(value: object, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}{key} must be a list of strings, e.g. {key} = ["CF160"]')
    return tuple(cast(list[str], value))


def _table(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}severity must be a table, e.g. severity = {{CF160 = "error"}}')
    for key, level in value.items():
        if not isinstance(level, str):
            choices = ", ".join(SEVERITIES)
            raise ConfigError(f"{where}severity: {key} = {level!r} is not one of {choices}")
    return tuple((str(k), str(v)) for k, v in value.items())


def layer_from(
    table: Mapping[str, Any], origin: str, root: str, text: str = "", section: str = ""
) -> Layer:
    """Check the keys and value types of a ``[tool.callflow]`` (or callflow.toml) table."""
    where = f"{origin}: {section}"
    for key in table:
        if key not in KEYS:
            import difflib  # only for a mistake

            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; known keys: {', '.join(KEYS)}"
            raise ConfigError(f"{where}unknown key {key!r}{hint}")
    select = table.get("select")
    return Layer(
        origin=origin,
        section=section,
        root=root,
        select=None if select is None else _strings(select, where, "select"),
        ignore=_strings(table.get("ignore", []), where, "ignore"),
        severity=_table(table.get("severity", {}), where),
        exclude=_strings(table.get("exclude", []), where, "exclude"),
        text=text,
    )


def read_config(path: str, *, explicit: bool = False) -> Layer | None:
    """The settings in one config file; None for a pyproject.toml without ``[tool.callflow]``
    (unless ``explicit``: a file named with ``--config`` must hold settings)."""
    try:
        text = read_regular(path).decode("utf-8")  # a FIFO is refused, not awaited
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise ConfigError(f"{path}: cannot read config: {reason}") from exc
    pyproject = os.path.basename(path) == "pyproject.toml"
    if pyproject and not explicit and "callflow" not in text:
        return None  # not ours: do not even parse it
    from callflow.bounded import DataError, load_toml  # only when a config file is found

    try:
        data = load_toml(text)
    except DataError as exc:
        raise ConfigError(f"{path}:{exc.line}:{exc.col}: invalid TOML: {exc.message}") from exc
    table: object = data
    if pyproject:
        tool = data.get("tool")
        table = tool.get("callflow") if isinstance(tool, dict) else None
        if table is None:
            if explicit:
                raise ConfigError(f"{path}: no [tool.callflow] table")
            return None
    section = "[tool.callflow] " if pyproject else ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {section or 'the file '}must be a table of settings")
    root = os.path.dirname(os.path.abspath(path))
    layer = layer_from(table, path, root, text, section)
    resolve(layer)  # every code known, every severity valid: fail before linting anything
    return layer


def find_config(folder: str) -> str | None:
    """The config file that applies in ``folder``: the nearest one in it or above it."""
    return _Finder().nearest(os.path.abspath(folder))


class _Finder:
    """Nearest config file per directory, each directory looked at once."""

    def __init__(self) -> None:
        self._cache: dict[str, Layer | None] = {}

    def nearest(self, folder: str) -> str | None:
        layer = self.layer(folder)
        return layer.origin if layer else None

    def layer(self, folder: str) -> Layer | None:
        walked: list[str] = []
        found: Layer | None = None
        here = folder
        while True:
            if here in self._cache:
                found = self._cache[here]
                break
            walked.append(here)
            found = self._here(here)
            if found is not None:
                break
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
        for folder_seen in walked:
            self._cache[folder_seen] = found
        return found

    @staticmethod
    def _here(folder: str) -> Layer | None:
        for name in CONFIG_FILES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                layer = read_config(candidate)
                if layer is not None:
                    return layer
        return None


# ---- from layers to settings ---------------------------------------------------------------


def _expand(selector: str, layer: Layer, key: str) -> tuple[int, frozenset[str]]:
    """(specificity, codes) of one selector: ``ALL``, a code, a name or a code prefix."""
    wanted = selector.strip()
    if wanted.upper() == "ALL":
        return 0, ALL_CODES
    found = rules.find(wanted)
    if found is not None:
        return 10, frozenset({found[0].code})
    prefix = wanted.upper()
    if _PREFIX.fullmatch(prefix):
        codes = frozenset(c for c in ALL_CODES if c.startswith(prefix))
        if codes:
            return len(prefix), codes
    raise ConfigError(
        f"{_where(layer, key, selector)}: unknown rule {selector!r}"
        " (`callflow lint --rules` lists the codes)"
    )


def _checkable(codes: frozenset[str], selector: str, layer: Layer, key: str) -> frozenset[str]:
    """The codes a selector may change; an error when it names only parse-stage checks."""
    if codes and codes <= PARSE_CODES:
        raise ConfigError(
            f"{_where(layer, key, selector)}: {selector} is a parse-stage check"
            " (the document is not valid Opentact XML); it is always reported as an error"
        )
    return codes & CHECKABLE


def _apply(enabled: set[str], layer: Layer) -> set[str]:
    if layer.select is not None:
        enabled = set()
    steps: list[tuple[int, bool, frozenset[str]]] = []
    for selector in layer.select or ():
        specificity, codes = _expand(selector, layer, "select")
        steps.append((specificity, False, codes & CHECKABLE))
    for selector in layer.ignore:
        specificity, codes = _expand(selector, layer, "ignore")
        steps.append((specificity, True, _checkable(codes, selector, layer, "ignore")))
    for _, ignore, codes in sorted(steps, key=lambda s: (s[0], s[1])):
        enabled = enabled - codes if ignore else enabled | codes
    return enabled


def _severities(merged: dict[str, Severity], layer: Layer) -> None:
    steps: list[tuple[int, frozenset[str], Severity]] = []
    for selector, value in layer.severity:
        if value not in SEVERITIES:
            raise ConfigError(
                f"{_where(layer, 'severity', value)}: {selector} = {value!r} is not one of"
                f" {', '.join(SEVERITIES)}"
            )
        specificity, codes = _expand(selector, layer, "severity")
        codes = _checkable(codes, selector, layer, "severity")
        steps.append((specificity, codes, value))
    for _, codes, severity in sorted(steps, key=lambda s: s[0]):
        merged.update(dict.fromkeys(codes, severity))


def resolve(*layers: Layer | None) -> Settings:
    """The settings from layers applied in order (a config file, then the command line)."""
    enabled: set[str] = set(CHECKABLE)
    severities: dict[str, Severity] = {}
    exclude: list[tuple[str, str]] = []
    source = None
    for layer in layers:
        if layer is None:
            continue
        enabled = _apply(enabled, layer)
        _severities(severities, layer)
        exclude.extend((layer.root, pattern) for pattern in layer.exclude)
        if layer.origin != COMMAND_LINE:
            source = layer.origin
    return Settings(
        selected=frozenset(enabled),
        severities=tuple(sorted(severities.items())),
        exclude=tuple(exclude),
        source=source,
    )


def split_codes(values: Iterable[str]) -> tuple[str, ...]:
    """``--select CF1,CF150 --select CF160`` -> the codes, in order."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class Configs:
    """Settings for each linted file: the nearest config file above it (or the one given with
    ``--config``, for every file), then the command-line layer on top."""

    def __init__(self, config_file: str | None = None, cli: Layer | None = None) -> None:
        self._cli = cli
        self._fixed = read_config(config_file, explicit=True) if config_file else None
        self._explicit = config_file is not None
        self._finder = _Finder()
        self._settings: dict[Layer | None, Settings] = {}
        self._by_folder: dict[str, Settings] = {}
        self.settings_for(None)  # check the command-line codes now, before any work

    def settings_for(self, layer: Layer | None) -> Settings:
        if layer not in self._settings:
            self._settings[layer] = resolve(layer, self._cli)
        return self._settings[layer]

    def for_path(self, path: str) -> Settings:
        """The settings for one file (its directory's nearest config, cached per directory)."""
        if self._explicit:
            return self.settings_for(self._fixed)
        # Files come folder by folder: each folder looked up once, keyed by the path up to
        # its last separator (cheaper than os.path.dirname, and equal for files side by side).
        given = path[: max(path.rfind(os.sep), path.rfind(os.altsep or os.sep)) + 1]
        found = self._by_folder.get(given)
        if found is None:
            folder = os.path.dirname(os.path.abspath(path))
            found = self._by_folder[given] = self.settings_for(self._finder.layer(folder))
        return found
