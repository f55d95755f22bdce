"""Lint a generated corpus: ``callflow lint`` against bare lxml parsing plus XSD validation.

The baseline is the least any XSD-based checker must do: read each file, parse it with lxml
and validate it against the same compiled schema, in one loop. Ours is the lint driver the
CLI runs (directory walk, safe parse, validation, model, every semantic rule, findings with
line and column, the text report), in this process on one core and with ``--jobs 2``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from lxml import etree

from bench.corpus import write_corpus
from bench.timing import cpu_seconds, passes, ratio
from callflow import schema
from callflow.cli import cli
from callflow.lint import lint_paths

JOBS = 2
_MAIN = "import sys; from callflow.cli import main; sys.exit(main())"


def baseline(files: list[Path]) -> int:
    """Read, parse and validate every file; the number of files."""
    validator = schema.xml_schema()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            continue
        validator.validate(root)
    return len(files)


def ours(folder: Path, jobs: int, files: int, cache: Path | None = None) -> int:
    """``callflow lint --jobs N FOLDER`` run in this process (report included); ``files``.

    Without ``cache``, every file is linted afresh (``--no-cache``); with it, results are
    looked up in (and saved to) that cache folder.
    """
    where = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    done = CliRunner().invoke(cli, ["lint", *where, "--jobs", str(jobs), str(folder)])
    if done.exit_code not in (0, 1):  # 1: the corpus has invalid files
        raise RuntimeError(f"callflow lint failed: {done.output}")
    return files


def _settle(written: int) -> None:
    """Wait until the corpus is older than the cache's racy window before filling the cache.

    The cache trusts a file's status only when the file had last changed ``RACY_NS`` (2 s)
    or more before it was read (a write within the file system's timestamp granularity
    could otherwise go unseen). A cache filled moments after the corpus was written makes
    the cached passes re-read and re-hash every file, and save the store each time: that
    measures the safety net, not a re-lint where nothing changed, and a short (``--quick``)
    run got mostly that. The files ``touch_some`` changes are re-read, as they should be.
    """
    from callflow.lintcache import RACY_NS

    wait = (written + RACY_NS - time.time_ns()) / 1e9
    if wait > 0:
        time.sleep(wait + 0.05)


def touch_some(files: list[Path], share: float, serial: list[int]) -> None:
    """Change ``share`` of the files (a new comment at the end), as a commit would."""
    serial[0] += 1
    step = max(1, round(1 / share))
    for path in files[serial[0] % step :: step]:
        with open(path, "ab") as handle:
            handle.write(f"<!-- edit {serial[0]} -->\n".encode())


def warm(folder: Path, files: list[Path], cache: Path, share: float, serial: list[int]) -> int:
    """One re-lint with a warm cache after ``share`` of the files changed; ``len(files)``."""
    if share:
        touch_some(files, share, serial)
    return ours(folder, 1, len(files), cache)


STARTUP_BASELINE = (
    "import sys; from lxml import etree; "
    "s = etree.XMLSchema(etree.parse(sys.argv[1])); "
    "p = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False); "
    "sys.exit(0 if s.validate(etree.parse(sys.argv[2], p)) else 1)"
)
"""What a pre-commit hook could run at the least: a new Python, lxml, the schema, one file.
It must not import callflow (the package's imports are what is being measured); the bench
passes it the XSD's path."""


def startup(file: Path, repeats: int) -> dict[str, float]:
    """Median CPU seconds of a new process linting one file, ours and the bare baseline, in
    turns (the user waits on this in every pre-commit run).

    Both run with Python's bytecode cache on, as an installed package runs (pip writes the
    ``.pyc`` files at install); a warm-up run of each writes them for a checkout, whatever
    ``PYTHONDONTWRITEBYTECODE`` says in the shell that started the benchmark.
    """
    from callflow import schema

    commands = {
        "ours_s": [sys.executable, "-c", _MAIN, "lint", "--no-cache", str(file)],
        "baseline_s": [sys.executable, "-c", STARTUP_BASELINE, str(schema.xsd_path()), str(file)],
    }
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for command in commands.values():  # warm-up: bytecode written, files in the page cache
        subprocess.run(command, capture_output=True, check=False, env=env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(3, repeats)):
        for name, command in commands.items():
            before = cpu_seconds()
            subprocess.run(command, capture_output=True, check=False, env=env)
            times[name].append(cpu_seconds() - before)
    return {name: round(statistics.median(values), 4) for name, values in times.items()}


def _cli(folder: Path) -> float:
    """Files per second of the real command in a new process (start-up and imports included)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _MAIN, "lint", "--no-cache", "--jobs", str(JOBS), str(folder)],
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def run(valid: int, invalid: int, repeats: int, cli: bool = False) -> dict[str, Any]:
    """Files per second of the baseline and of ours (one core, ``--jobs 2``)."""
    with tempfile.TemporaryDirectory(prefix="callflow-bench-") as tmp:
        folder = Path(tmp)
        files = write_corpus(folder, valid, invalid)
        written = time.time_ns()
        files.sort()
        size = sum(f.stat().st_size for f in files) / max(1, len(files))
        results = list(lint_paths([folder], 1))  # warm the page cache; check the corpus
        errors = sum(1 for r in results if r.count("error"))
        assert len(results) == len(files), "the driver must lint every generated file"
        cache = Path(tmp + "-cache")
        _settle(written)
        ours(folder, 1, len(files), cache)  # fill the cache
        serial = [0]
        rates = passes(
            {
                "baseline": lambda: baseline(files),
                "ours": lambda: ours(folder, 1, len(files)),
                "ours_jobs": lambda: ours(folder, JOBS, len(files)),
                "cached": lambda: warm(folder, files, cache, 0.0, serial),
                "cached_1pct": lambda: warm(folder, files, cache, 0.01, serial),
            },
            repeats,
        )
        shutil.rmtree(cache, ignore_errors=True)
        cli_seconds = _cli(folder) if cli else None
    out: dict[str, Any] = {
        "files": len(files),
        "valid": valid,
        "invalid": invalid,
        "files_with_errors": errors,
        "bytes_per_file": round(size),
        "baseline_files_per_s": round(rates["baseline"].per_s),
        "ours_files_per_s": round(rates["ours"].per_s),
        f"ours_jobs{JOBS}_files_per_s": round(rates["ours_jobs"].per_s),
        "ours_vs_baseline": ratio(rates["ours"].per_s, rates["baseline"].per_s),
        f"ours_jobs{JOBS}_vs_baseline": ratio(rates["ours_jobs"].per_s, rates["baseline"].per_s),
        "cached_files_per_s": round(rates["cached"].per_s),
        "cached_1pct_files_per_s": round(rates["cached_1pct"].per_s),
        "cached_vs_baseline": ratio(rates["cached"].per_s, rates["baseline"].per_s),
        "cached_1pct_vs_baseline": ratio(rates["cached_1pct"].per_s, rates["baseline"].per_s),
        "cpu_us_per_file": {name: round(r.cpu_us, 1) for name, r in rates.items()},
        "cli_files_per_s": round(len(files) / cli_seconds) if cli_seconds else None,
    }
    return out
