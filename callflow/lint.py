"""The lint driver: parse-stage findings, then every semantic rule, for texts and for paths.

``lint_source`` checks one document; ``lint_paths`` expands directories and checks each file,
telling apart files with findings from files that could not be read at all (exit code 2).
Settings (which rules, their severity) and ``callflow: ignore`` comments are applied here,
once, so no rule knows about them.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from callflow import model as m
from callflow import rules, schema
from callflow.config import DEFAULT, PARSE_CODES, Configs, Settings
from callflow.diagnostics import Finding
from callflow.fsio import read_as_seen
from callflow.lazyre import lazy_compile
from callflow.lintcache import (
    LintCache,
    content_key,
    digest,
    from_rows,
    settings_digest,
    to_rows,
)
from callflow.parser import MAX_BYTES, UNREADABLE, Loaded, load, load_bytes, load_file
from callflow.serializer import to_xml
from callflow.suppression import BAD_SUPPRESSION, MARK, Suppressions, collect

Source = str | bytes | os.PathLike[str] | m.Response


@dataclass(slots=True)
class FileResult:
    """The outcome of linting one file: its findings, and whether it could be read at all."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    unreadable: bool = False

    def count(self, severity: str) -> int:
        if not self.findings:  # most files
            return 0
        return sum(1 for f in self.findings if f.severity == severity)


class SourceText:
    """Line offsets of a document, to turn a node position plus attribute name into a column.

    lxml reports only the line of an element, and the parser the column of its start tag; an
    attribute finding is more useful pointing at the attribute itself, which may be on a
    later line of a start tag written over several lines.
    """

    _NAME = lazy_compile(r"<[^\s/>]+")
    _ATTR = lazy_compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')""")
    _BREAK = lazy_compile(r"\r\n?|\n")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts_cache: list[int] | None = None

    @property
    def _starts(self) -> list[int]:
        """Offset of the first character of each line (computed on first use).

        LF, CRLF and a lone CR each end a line, as in the parser's positions.
        """
        if self._starts_cache is None:
            if "\r" in self.text:
                breaks = self._BREAK.finditer(self.text)
                self._starts_cache = [0, *(b.end() for b in breaks)]
                return self._starts_cache
            starts, index = [0], self.text.find("\n")
            while index >= 0:
                starts.append(index + 1)
                index = self.text.find("\n", index + 1)
            self._starts_cache = starts
        return self._starts_cache

    def offset(self, line: int, col: int) -> int | None:
        starts = self._starts
        if not 0 < line <= len(starts) or col < 1:
            return None
        index = starts[line - 1] + col - 1
        return index if index < len(self.text) else None

    def line_col(self, offset: int) -> tuple[int, int]:
        starts = self._starts
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def before(self, pos: m.Pos) -> str:
        """The text of ``pos``'s line before it (blank for a node that starts its line)."""
        end = self.offset(pos.line, pos.col)
        if end is None:
            return ""
        return self.text[self._starts[pos.line - 1] : end]

    def attribute(self, pos: m.Pos, name: str) -> tuple[int, int] | None:
        """Line and column of attribute ``name`` in the start tag at ``pos``, if found."""
        start = self.offset(pos.line, pos.col)
        if start is None:
            return None
        tag = self._NAME.match(self.text, start)
        if tag is None:
            return None
        cursor = tag.end()
        while (found := self._ATTR.match(self.text, cursor)) is not None:
            if found.group(1) == name:
                return self.line_col(found.start(1))
            cursor = found.end()
        return None


def suppressible(word: str) -> str:
    """The code of a rule a ``callflow: ignore`` comment may name; ``ValueError`` if none."""
    found = rules.find(word)
    if found is None:
        raise ValueError(f"unknown rule {word!r} in a callflow: comment")
    code = found[0].code
    if code in PARSE_CODES:
        raise ValueError(f"{code} is a parse-stage check and cannot be suppressed")
    return code


def _suppressions(model: m.Response, source: SourceText | None) -> Suppressions:
    if source is None or MARK not in source.text:
        return Suppressions()
    return collect(model, source.before, suppressible)


def _stamp(loaded: Loaded, source: SourceText | None, settings: Settings) -> list[Finding]:
    """The semantic findings (and bad directives) the settings and the comments let through."""
    assert loaded.model is not None
    quiet = _suppressions(loaded.model, source)
    out: list[Finding] = []
    for rule, hit in rules.check(loaded.model, settings.selected):
        pos = hit.pos or hit.node.pos
        line, col = (pos.line, pos.col) if pos else (1, 1)
        if hit.attr and pos and source is not None:
            line, col = source.attribute(pos, hit.attr) or (line, col)
        if quiet.covers(rule.code, hit.node, line):
            continue
        severity = settings.severity_of(rule.code, rule.info.severity)
        out.append(Finding(rule.code, severity, hit.message, loaded.file, line, col, hit.hint))
    code = BAD_SUPPRESSION.code
    if code in settings.selected:
        severity = settings.severity_of(code, BAD_SUPPRESSION.severity)
        for at, message in quiet.problems:
            if not quiet.covers(code, None, at.line):
                out.append(Finding(code, severity, message, loaded.file, at.line, at.col))
    return out


def lint_loaded(loaded: Loaded, settings: Settings = DEFAULT) -> list[Finding]:
    """All findings for a document already read by ``callflow.parser.load``, sorted.

    Parse-stage findings are always kept; ``settings`` choose and re-level the others.
    """
    findings = list(loaded.findings)
    if findings:  # a template's placeholders can only explain what the parser found
        from callflow.variables import template_hint  # so a clean file never imports it

        findings = template_hint(findings, loaded.text)
    if loaded.model is not None:
        source = SourceText(loaded.text) if loaded.text else None
        findings.extend(_stamp(loaded, source, settings))
    return sorted(findings, key=lambda f: (f.line, f.col, f.code))


def lint_source(
    source: Source, file: str | None = None, settings: Settings = DEFAULT
) -> list[Finding]:
    """Lint one document: a path, XML text, bytes, or a model built in Python.

    A model is linted through its canonical XML, so positions refer to ``to_xml(model)``.
    """
    if isinstance(source, m.Response):
        source = to_xml(source, pretty=True)
    return lint_loaded(load(source, file), settings)


def _unreadable(path: str, reason: str) -> FileResult:
    finding = Finding(UNREADABLE.code, UNREADABLE.severity, f"cannot read: {reason}", path, 1, 1)
    return FileResult(path, [finding], unreadable=True)


def _leads_out(path: str, root: str) -> bool:
    """A symbolic link whose target is outside the searched folder (a private file, say)."""
    return os.path.commonpath([os.path.realpath(path), root]) != root


def _walk(folder: str) -> tuple[list[str], list[FileResult]]:
    """The ``*.xml`` files under ``folder`` (sorted by path components, hidden entries
    skipped), and the sub-folders that could not be listed.

    Linked folders are not entered and linked files that lead out of ``folder`` are passed
    over: a pull request cannot make the linter read, and quote in its findings, a file
    elsewhere on the machine by adding a link to it. A file named on the command line is
    linted whatever it is. (``os.scandir`` tells links and folders apart without a system
    call per file.)
    """
    keyed: list[tuple[tuple[str, ...], str]] = []
    problems: list[OSError] = []
    root = os.path.realpath(folder)
    pending: list[tuple[str, tuple[str, ...]]] = [(folder, ())]
    while pending:
        here, at = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError as exc:
            problems.append(exc)
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":  # hidden
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, (*at, name)))
            elif name.lower().endswith(".xml") and not (
                entry.is_symlink() and (entry.is_dir() or _leads_out(entry.path, root))
            ):
                keyed.append(((*at, name), entry.path))
    keyed.sort()
    found = [path for _, path in keyed]
    problems.sort(key=lambda e: str(e.filename))
    unreadable = [_unreadable(e.filename or folder, e.strerror or str(e)) for e in problems]
    return found, unreadable


def expand(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str | FileResult]:
    """Each file to check, in order: a given file as it is, a directory's ``*.xml`` files in
    sorted order (hidden files and directories skipped), each file once. A directory that
    cannot be listed comes out as an unreadable ``FileResult``.
    """
    seen: set[str] = set()
    for given in paths:
        path = os.fspath(given)
        files, problems = _walk(path) if os.path.isdir(path) else ([path], [])
        for file in files:
            if file not in seen:
                seen.add(file)
                yield file
        yield from problems


def lint_file(path: str, settings: Settings = DEFAULT) -> FileResult:
    """Lint one file; a file that cannot be read is marked ``unreadable``."""
    return _result(path, lint_loaded(load_file(path), settings))


def lint_data(path: str, data: bytes, settings: Settings = DEFAULT) -> FileResult:
    """Lint the bytes already read from ``path`` (what the cache looked up)."""
    return _result(path, lint_loaded(load_bytes(data, path), settings))


def _result(path: str, findings: list[Finding]) -> FileResult:
    unreadable = any(f.code == UNREADABLE.code for f in findings)
    return FileResult(path, findings, unreadable)


PARALLEL_FROM = 200
"""With no explicit ``jobs``, this many files or more are linted on every available core."""


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def free_cores() -> int:
    """Cores this process may use that are not already busy (the one-minute load average
    taken off): on a machine busy with other work a pool only adds its own cost."""
    cores = available_cores()
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return cores
    return max(1, min(cores, int(cores - busy + 0.5)))


def _workers(jobs: int | None, files: int) -> int:
    """Processes for ``files`` files still to lint (cache hits are not counted): ``jobs``
    when given; else a pool of the free cores for ``PARALLEL_FROM`` files or more."""
    if jobs is None:
        jobs = free_cores() if files >= PARALLEL_FROM else 1
    return max(1, min(jobs, files))


def lint_paths(
    paths: Iterable[str | os.PathLike[str]],
    jobs: int | None = None,
    configs: Configs | None = None,
    cache: LintCache | None = None,
) -> Iterator[FileResult]:
    """Lint every file named or found under the given paths, one result per file, in order.

    ``jobs`` is the number of processes; None means one for a few files and every available
    core for many (forked workers share the XSD compiled here). ``configs`` gives each file
    its settings (and drops the files its ``exclude`` globs match); None lints everything
    with the defaults. A bad config file raises ``ConfigError`` before any file is linted.
    With a ``cache``, a file whose bytes and settings were linted before is not linted again;
    the caller saves the cache.
    """
    with _collector_paused():
        items = _items(paths, configs, cache)
    jobs_left = [item for item in items if isinstance(item, _Job)]
    workers = _workers(jobs, len(jobs_left))
    done: Iterator[FileResult]
    if workers == 1:
        done = (job.run() for job in jobs_left)
        yield from _in_order(items, done, cache)
        return
    chunk = max(1, min(64, len(jobs_left) // (workers * 4)))
    import multiprocessing  # a pool only for many files: not paid by a one-file run
    from concurrent.futures import ProcessPoolExecutor

    if multiprocessing.get_start_method() == "fork":
        schema.xml_schema()  # compiled once here; the forked workers inherit it
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = pool.map(_Job.run, jobs_left, chunksize=chunk)
        yield from _in_order(items, done, cache)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a block that makes many objects and no cycles.

    Looking up 11,000 unchanged files makes a result, a list and its findings for each, all
    kept until the report; every collection they triggered walked them (and everything else
    alive) again: a third of the CPU of a warm re-lint. Reference counting still frees what
    the block drops. The collector's state is restored, whatever happens.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _items(
    paths: Iterable[str | os.PathLike[str]], configs: Configs | None, cache: LintCache | None
) -> list[_Job | FileResult]:
    """Each file to lint as a job, or its result when the cache has it, in order."""
    items: list[_Job | FileResult] = []
    tags: dict[int, str] = {}  # id(settings) -> its digest (a few Settings, alive all along)
    for found in expand(paths):
        if isinstance(found, FileResult):
            items.append(found)
            continue
        settings = configs.for_path(found) if configs is not None else DEFAULT
        if settings.excludes(found):
            continue
        if cache is None:
            items.append(_Job(found, settings))
            continue
        tag = tags.get(id(settings))
        if tag is None:
            tag = tags[id(settings)] = settings_digest(settings)
        items.append(_lookup(found, settings, tag, cache))
    return items


@dataclass(frozen=True, slots=True)
class _Job:
    """A file still to lint: its bytes when the cache read them (and its cache key)."""

    path: str
    settings: Settings
    data: bytes | None = None
    key: str | None = None

    def run(self) -> FileResult:
        if self.data is None:
            return lint_file(self.path, self.settings)
        return lint_data(self.path, self.data, self.settings)


def _lookup(path: str, settings: Settings, tag: str, cache: LintCache) -> _Job | FileResult:
    """The cached result of ``path`` (linted with ``settings``, whose digest is ``tag``), or
    the job that lints it."""
    try:
        st = os.stat(path)
    except OSError:
        return _Job(path, settings)  # the linter reports why; never cached
    if stat.S_ISREG(st.st_mode):
        rows = cache.unchanged(path, st, tag)
        if rows is not None:
            return FileResult(path, from_rows(rows, path))
    try:
        data = read_as_seen(path, st, MAX_BYTES)
    except OSError:  # unreadable, not a regular file, too large, changed: the job says which
        return _Job(path, settings)
    found = digest(data)
    cache.read_as(path, st, found)
    key = content_key(found, tag)
    rows = cache.get(key)
    if rows is None:
        return _Job(path, settings, data, key)
    return FileResult(path, from_rows(rows, path))


def _in_order(
    items: list[_Job | FileResult], done: Iterator[FileResult], cache: LintCache | None
) -> Iterator[FileResult]:
    for item in items:
        if isinstance(item, FileResult):
            yield item
            continue
        result = next(done)
        if cache is not None and item.key is not None and _cacheable(result):
            cache.put(item.key, to_rows(result.findings))
        yield result


def _cacheable(result: FileResult) -> bool:
    """Only what follows from the bytes alone: not an unreadable file, and every finding
    about this file (so the path can be put back when it is read from the cache)."""
    return not result.unreadable and all(f.file == result.path for f in result.findings)
