"""The lint result cache: the same report with and without it, never stale, never trusted
when corrupt, bounded, and safe when two runs share it."""

from __future__ import annotations

import importlib
import marshal
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from callflow import lintcache
from callflow.cli import cli

lint_module = importlib.import_module("callflow.lint")

CLEAN = """<Response>
  <Say>Thanks for calling.</Say>
  <Hangup/>
</Response>
"""
BROKEN = """<Response>
  <Hangup/>
  <Say>Nobody hears this.</Say>
  <Pause length="two"/>
</Response>
"""
WARNED = """<Response>
  <Dial timeout="20000"><To>+15550100</To></Dial>
</Response>
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    flows = tmp_path / "flows"
    (flows / "sub").mkdir(parents=True)
    (flows / "clean.xml").write_text(CLEAN)
    (flows / "broken.xml").write_text(BROKEN)
    (flows / "sub" / "warned.xml").write_text(WARNED)
    (flows / "sub" / "junk.xml").write_bytes(b"<Response><Say>no end")
    return flows


MAIN = "import sys; from callflow.cli import main; sys.exit(main())"


def lint(*args: str, cache: Path | None = None) -> Result:
    where = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    return CliRunner().invoke(cli, ["lint", *where, *args])


def age(path: Path, seconds: float = 10) -> None:
    """Make a file look older than the racy window (as a file untouched since a checkout)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def refuse_to_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any file actually linted from now on fails the test."""

    def boom(*_: object) -> None:
        raise AssertionError("linted a file that the cache should have answered")

    monkeypatch.setattr(lint_module, "lint_loaded", boom)


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_report_is_byte_identical_with_and_without_the_cache(
    tree: Path, tmp_path: Path, fmt: str
) -> None:
    cache = tmp_path / "cache"
    fresh = lint("--format", fmt, str(tree))
    filling = lint("--format", fmt, str(tree), cache=cache)
    answered = lint("--format", fmt, str(tree), cache=cache)
    assert fresh.exit_code == filling.exit_code == answered.exit_code == 1
    if fmt in ("json", "sarif", "junit"):  # these carry a time stamp; compare without it
        assert _stable(fresh.output) == _stable(filling.output) == _stable(answered.output)
    else:
        assert fresh.output == filling.output == answered.output
    assert "CF" in fresh.output


def _stable(report: str) -> str:
    import re

    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "T", report)


def test_second_run_answers_from_the_cache_without_linting(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = lint(str(tree), cache=cache)
    refuse_to_lint(monkeypatch)
    second = lint(str(tree), cache=cache)
    assert second.exit_code == first.exit_code == 1
    assert second.output == first.output


def test_status_shortcut_is_taken_for_old_files_only(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unchanged file that had changed long before it was read is not read again; one
    that changed just before it was read (within the racy window) is read again."""
    cache = tmp_path / "cache"
    now = time.time_ns()
    monkeypatch.setattr(lintcache, "_clock", lambda: now + 10 * lintcache.RACY_NS)
    lint(str(tree), cache=cache)  # read long after the files were written
    fresh = tree / "fresh.xml"
    fresh.write_text(CLEAN)
    monkeypatch.setattr(lintcache, "_clock", time.time_ns)
    lint(str(tree), cache=cache)  # fresh.xml is read just after it was written
    reads: list[str] = []
    real = lint_module.read_as_seen

    def counting(path: str, st: os.stat_result, max_bytes: int) -> bytes:
        reads.append(path)
        return real(path, st, max_bytes)

    monkeypatch.setattr(lint_module, "read_as_seen", counting)
    assert lint(str(tree), cache=cache).exit_code == 1
    assert reads == [str(fresh)]


def test_a_changed_file_is_linted_again_even_with_the_same_size_and_mtime(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    later = time.time_ns() + 10 * lintcache.RACY_NS  # so the status shortcut is trusted
    monkeypatch.setattr(lintcache, "_clock", lambda: later)
    clean = tree / "clean.xml"
    age(clean)
    before = clean.stat()
    assert lint(str(clean), cache=cache).exit_code == 0
    clean.write_text(CLEAN.replace("<Hangup/>", "<Hangip/>"))  # the same length
    os.utime(clean, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert clean.stat().st_size == before.st_size
    after = lint(str(clean), cache=cache)
    assert after.exit_code == 1
    assert "Hangip" in after.output


def test_settings_are_part_of_the_key(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    warned = str(tree / "sub" / "warned.xml")
    assert "CF161" in lint(warned, cache=cache).output
    quiet = lint("--ignore", "CF161", warned, cache=cache)
    assert "CF161" not in quiet.output
    assert "CF161" in lint(warned, cache=cache).output


def test_config_file_settings_are_part_of_the_key(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    warned = tree / "sub" / "warned.xml"
    assert "CF161" in lint(str(warned), cache=cache).output
    (tree / "callflow.toml").write_text('ignore = ["CF161"]\n')
    assert "CF161" not in lint(str(warned), cache=cache).output


def _store(cache: Path) -> Path:
    (store,) = cache.glob("lint-*.bin")
    return store


def _tables(store: Path) -> tuple[dict[str, object], dict[str, object]]:
    """The results and files tables of a store (its body: format, results, files)."""
    _, results, files = marshal.loads(store.read_bytes().partition(b"\n")[2])
    return results, files


def test_corrupt_store_is_ignored_and_replaced(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = lint(str(tree), cache=cache)
    store = _store(cache)
    raw = bytearray(store.read_bytes())
    raw[-5] ^= 0x20  # one flipped bit in the body: the checksum no longer matches
    store.write_bytes(bytes(raw))
    again = lint(str(tree), cache=cache)
    assert again.output == first.output
    checksum, _, body = store.read_bytes().partition(b"\n")
    import hashlib

    assert hashlib.sha256(body).hexdigest().encode() == checksum


def test_forged_entries_of_the_wrong_shape_are_not_trusted(tree: Path, tmp_path: Path) -> None:
    """A store with a valid checksum but nonsense entries: each is a miss, not a crash."""
    import hashlib

    cache = tmp_path / "cache"
    first = lint(str(tree), cache=cache)
    store = _store(cache)
    results, files = _tables(store)
    forged_results = {key: [["CF999", 3, None]] for key in results}
    forged_files = {key: 17 for key in files}
    body = marshal.dumps((lintcache._FORMAT, forged_results, forged_files))
    store.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    again = lint(str(tree), cache=cache)
    assert again.output == first.output
    assert "CF999" not in again.output


def test_a_store_that_is_not_a_store_is_ignored(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = lint(str(tree), cache=cache)
    _store(cache).write_bytes(b"\x00\xff garbage")
    assert lint(str(tree), cache=cache).output == first.output


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\xff not marshal",  # a checksum that matches, over bytes marshal cannot load
        marshal.dumps((1, {}, {})),  # another format number
        marshal.dumps([2, {}, {}]),  # not the tuple
        marshal.dumps((lintcache._FORMAT, [], {})),  # a table of the wrong type
    ],
)
def test_a_checksummed_body_of_the_wrong_form_is_ignored(
    tree: Path, tmp_path: Path, body: bytes
) -> None:
    import hashlib

    cache = tmp_path / "cache"
    first = lint(str(tree), cache=cache)
    _store(cache).write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    assert lint(str(tree), cache=cache).output == first.output
    results, _ = _tables(_store(cache))  # rewritten whole
    assert results


def test_store_is_bounded(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lintcache, "MAX_ENTRIES", 2)
    cache = tmp_path / "cache"
    lint(str(tree), cache=cache)
    results, files = _tables(_store(cache))
    assert len(results) == 2
    assert len(files) == 2


def test_old_namespaces_are_pruned(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for n in range(lintcache.KEEP_NAMESPACES + 3):
        old = cache / f"lint-old{n}.json"
        old.write_text("{}")
        os.utime(old, (n, n))
    lint(str(tree), cache=cache)
    names = sorted(p.name for p in cache.glob("lint-*"))  # older format (.json) pruned too
    assert len(names) == lintcache.KEEP_NAMESPACES + 1
    assert "lint-old0.json" not in names  # the oldest go first


def test_namespace_follows_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import callflow

    lintcache.namespace.cache_clear()
    now = lintcache.namespace()
    monkeypatch.setattr(callflow, "__version__", "999.0")
    lintcache.namespace.cache_clear()
    try:
        assert lintcache.namespace() != now
    finally:
        monkeypatch.undo()
        lintcache.namespace.cache_clear()


def test_cache_folder_has_a_gitignore(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    lint(str(tree), cache=cache)
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_where_the_cache_goes(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(lintcache.ENV_DIR, raising=False)
    CliRunner().invoke(cli, ["lint", "--no-cache", str(tree)])
    assert not (tmp_path / ".callflow_cache").exists()
    CliRunner().invoke(cli, ["lint", str(tree)])
    assert list((tmp_path / ".callflow_cache").glob("lint-*.bin"))
    monkeypatch.setenv(lintcache.ENV_DIR, str(tmp_path / "from-env"))
    CliRunner().invoke(cli, ["lint", str(tree)])
    assert list((tmp_path / "from-env").glob("lint-*.bin"))
    CliRunner().invoke(cli, ["lint", "--cache-dir", str(tmp_path / "flag"), str(tree)])
    assert list((tmp_path / "flag").glob("lint-*.bin"))


def test_unwritable_cache_is_a_warning_not_a_failure(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    clean = str(tree / "clean.xml")
    done = CliRunner().invoke(cli, ["lint", "--cache-dir", str(blocker / "cache"), clean])
    assert done.exit_code == 0
    assert "cache not saved" in done.stderr


def test_concurrent_runs_leave_a_valid_store(tree: Path, tmp_path: Path) -> None:
    """Runs that save at the same time: every store on disk is whole, and answers right."""
    cache = tmp_path / "cache"
    command = [sys.executable, "-c", MAIN, "lint", "--cache-dir", str(cache)]
    for round_ in range(3):
        (tree / f"new{round_}.xml").write_text(CLEAN.replace("calling", f"calling {round_}"))
        runs = [
            subprocess.Popen([*command, str(tree)], stdout=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        outputs = [run.communicate(timeout=60)[0] for run in runs]
        assert len(set(outputs)) == 1
    final = lint(str(tree), cache=cache)
    assert final.output == lint(str(tree)).output
    import hashlib

    checksum, _, body = _store(cache).read_bytes().partition(b"\n")
    assert hashlib.sha256(body).hexdigest().encode() == checksum


def test_unreadable_and_oversized_files_are_never_cached(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fifo = tree / "pipe.xml"
    os.mkfifo(fifo)
    first = lint(str(tree), cache=cache)
    assert "CF011" in first.output or "cannot read" in first.output
    fifo.unlink()
    fifo.write_text(CLEAN)
    assert "pipe.xml" not in lint(str(tree), cache=cache).output


def test_pool_only_for_many_files_and_free_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint_module, "available_cores", lambda: 4)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    assert lint_module._workers(None, lint_module.PARALLEL_FROM - 1) == 1
    assert lint_module._workers(None, lint_module.PARALLEL_FROM) == 4
    monkeypatch.setattr(os, "getloadavg", lambda: (2.6, 0.0, 0.0))  # two cores and more busy
    assert lint_module._workers(None, 10_000) == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert lint_module._workers(None, 10_000) == 1
    assert lint_module._workers(3, 10_000) == 3  # asked for: given
    assert lint_module._workers(3, 2) == 2


def test_cache_hits_do_not_count_towards_a_pool(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    lint(str(tree), cache=cache)
    counted: list[int] = []
    real = lint_module._workers
    monkeypatch.setattr(lint_module, "_workers", lambda j, n: counted.append(n) or real(j, n))
    (tree / "copy.xml").write_text(CLEAN)  # the same bytes as clean.xml: a hit
    (tree / "new.xml").write_text(CLEAN.replace("calling", "calling us"))
    lint(str(tree), cache=cache)
    assert counted == [1]


def test_lookups_run_with_the_collector_paused_and_restored(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache lookups (many objects, no cycles) run with the cyclic collector off; its
    state afterwards is what it was before, on or off, even when a lookup fails."""
    import gc

    cache = tmp_path / "cache"
    lint(str(tree), cache=cache)
    seen: list[bool] = []
    real = lintcache.LintCache.unchanged

    def unchanged(self: lintcache.LintCache, *args: object) -> object:
        seen.append(gc.isenabled())
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(lintcache.LintCache, "unchanged", unchanged)
    assert gc.isenabled()
    lint(str(tree), cache=cache)
    assert seen and not any(seen)
    assert gc.isenabled()
    gc.disable()
    try:
        lint(str(tree), cache=cache)
        assert not gc.isenabled()
    finally:
        gc.enable()

    def broken(self: lintcache.LintCache, *args: object) -> object:
        raise OSError("disk gone")

    monkeypatch.setattr(lintcache.LintCache, "unchanged", broken)
    lint(str(tree), cache=cache)  # the CLI reports the failure; the collector is back on
    assert gc.isenabled()
