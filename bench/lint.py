"""Lint a generated corpus: ``callflow lint`` against bare lxml parsing plus XSD validation.

The baseline is the least any XSD-based checker must do: read each file, parse it with lxml
and validate it against the same compiled schema, in one loop. Ours is the lint driver the
CLI runs (directory walk, safe parse, validation, model, every semantic rule, findings with
line and column, the text report), in this process on one core and with ``--jobs 2``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from lxml import etree

from bench.corpus import write_corpus
from bench.timing import passes, ratio
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


def ours(folder: Path, jobs: int, files: int) -> int:
    """``callflow lint --jobs N FOLDER`` run in this process (report included); ``files``."""
    done = CliRunner().invoke(cli, ["lint", "--jobs", str(jobs), str(folder)])
    if done.exit_code not in (0, 1):  # 1: the corpus has invalid files
        raise RuntimeError(f"callflow lint failed: {done.output}")
    return files


def _cli(folder: Path) -> float:
    """Files per second of the real command in a new process (start-up and imports included)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _MAIN, "lint", "--jobs", str(JOBS), str(folder)],
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start


def run(valid: int, invalid: int, repeats: int, cli: bool = False) -> dict[str, Any]:
    """Files per second of the baseline and of ours (one core, ``--jobs 2``)."""
    with tempfile.TemporaryDirectory(prefix="callflow-bench-") as tmp:
        folder = Path(tmp)
        files = write_corpus(folder, valid, invalid)
        files.sort()
        size = sum(f.stat().st_size for f in files) / max(1, len(files))
        results = list(lint_paths([folder], 1))  # warm the page cache; check the corpus
        errors = sum(1 for r in results if r.count("error"))
        assert len(results) == len(files), "the driver must lint every generated file"
        rates = passes(
            {
                "baseline": lambda: baseline(files),
                "ours": lambda: ours(folder, 1, len(files)),
                "ours_jobs": lambda: ours(folder, JOBS, len(files)),
            },
            repeats,
        )
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
        "cpu_us_per_file": {name: round(r.cpu_us, 1) for name, r in rates.items()},
        "cli_files_per_s": round(len(files) / cli_seconds) if cli_seconds else None,
    }
    return out
