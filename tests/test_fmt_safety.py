"""``callflow fmt`` loses nothing: not when interrupted, not on a file it may not write.

tests/test_fmt.py covers the everyday promises (same model after a rewrite, byte-identical and
untouched mtime when nothing changes, mode kept, refusal of broken files, a failing rename);
this module covers signals, permissions and ownership.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus import VALID
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile_corpus import obeying_permissions

from callflow import fsio
from callflow.cli import cli
from callflow.cli import fmt as fmt_cli
from callflow.parser import load_file

LEGACY = VALID / "alias-spellings.xml"
OLD = 1_000_000_000
RUN_FMT = "import sys; from callflow.cli import main; main(sys.argv[1:])"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


# ---- interrupted --------------------------------------------------------------------------------


def test_a_signal_during_a_write_waits_for_the_rename_then_interrupts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C arriving while the data is being flushed: the write completes, then the
    interrupt is raised; the file is whole and no temporary file is left."""
    path = tmp_path / "flow.xml"
    path.write_bytes(b"old")
    real_fsync = os.fsync

    def interrupted_fsync(fd: int) -> None:
        signal.raise_signal(signal.SIGINT)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        fsio.atomic_write(path, b"new and complete")
    assert path.read_bytes() == b"new and complete"
    assert leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigterm_during_a_write_still_ends_the_process_after_the_rename(tmp_path: Path) -> None:
    """SIGTERM's default action kills at once; held back, it kills right after the rename."""
    path = tmp_path / "flow.xml"
    path.write_bytes(b"old")
    script = (
        "import os, signal, sys\n"
        "from callflow import fsio\n"
        "real = os.fsync\n"
        "def fsync(fd):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    real(fd)\n"
        "os.fsync = fsync\n"
        "fsio.atomic_write(sys.argv[1], b'new and complete')\n"
        "print('survived')\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, timeout=30)  # fmt: skip
    assert done.returncode == -signal.SIGTERM
    assert "survived" not in done.stdout
    assert path.read_bytes() == b"new and complete"
    assert leftovers(tmp_path) == []


def test_ctrl_c_in_the_middle_of_a_run_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    """A real ``callflow fmt`` over many files, sent SIGINT once it has rewritten some: each
    file holds exactly its old bytes or exactly its canonical bytes, nothing else is left in
    the folder, and the run says it was interrupted (exit 130)."""
    old = LEGACY.read_bytes()
    new = fmt_cli.canonical(old, str(LEGACY))
    assert isinstance(new, bytes) and new != old
    files = [tmp_path / f"flow{index:03}.xml" for index in range(300)]
    for path in files:
        path.write_bytes(old)
        os.utime(path, (OLD, OLD))
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_FMT, "fmt", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not any(p.stat().st_mtime != OLD for p in files[:5]):
            assert proc.poll() is None, "fmt ended before it rewrote anything"
            assert time.monotonic() < deadline, "fmt rewrote nothing in 30 s"
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    contents = [path.read_bytes() for path in files]
    assert all(data in (old, new) for data in contents)
    assert contents.count(new) >= 1 and contents.count(old) >= 1, "not interrupted mid-run"
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in files]
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    # Each file reported was rewritten; the one being written when the signal came may be
    # complete yet unreported (the interrupt is delivered right after its rename).
    assert contents.count(new) - 1 <= stdout.count("reformatted") <= contents.count(new)


# ---- permissions and ownership --------------------------------------------------------------


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.xml"
    shutil.copyfile(LEGACY, path)
    return path


def run_obeying_permissions(*args: str) -> subprocess.CompletedProcess[str]:
    prefix = obeying_permissions()
    if prefix is None:
        pytest.skip("root without setpriv: permission bits cannot stop a write here")
    return subprocess.run([*prefix, sys.executable, "-c", RUN_FMT, *args], capture_output=True,
                          text=True, timeout=30)  # fmt: skip


def test_a_read_only_file_is_not_replaced(legacy: Path) -> None:
    """The rename would succeed (the folder is writable), but the user said read-only."""
    legacy.chmod(0o444)
    data = legacy.read_bytes()
    done = run_obeying_permissions("fmt", str(legacy))
    assert done.returncode == 2, done.stderr
    assert "cannot write: Permission denied (the file is read-only)" in done.stderr
    assert legacy.read_bytes() == data
    assert stat.S_IMODE(legacy.stat().st_mode) == 0o444
    assert leftovers(legacy.parent) == []


def test_a_file_in_a_read_only_folder_is_left_alone(legacy: Path) -> None:
    data = legacy.read_bytes()
    legacy.parent.chmod(0o555)
    try:
        done = run_obeying_permissions("fmt", str(legacy))
    finally:
        legacy.parent.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert "cannot write: Permission denied" in done.stderr
    assert "Traceback" not in done.stderr
    assert legacy.read_bytes() == data
    assert leftovers(legacy.parent) == []


def test_owner_and_group_are_kept_when_root_rewrites_someone_elses_file(legacy: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    os.chown(legacy, 65534, 65534)
    legacy.chmod(0o640)
    assert CliRunner().invoke(cli, ["fmt", str(legacy)]).exit_code == 0
    info = legacy.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o640)
    assert b"<Switch" not in legacy.read_bytes()


# ---- reading -------------------------------------------------------------------------------------


def test_read_regular_refuses_a_fifo_without_blocking_and_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "flow.yaml"
    os.mkfifo(fifo)
    for path, words in ((fifo, "not a regular file"), ("/dev/zero", "not a regular file"),
                        (tmp_path, "is a directory")):  # fmt: skip
        with pytest.raises(OSError, match=words):
            fsio.read_regular(path, 100)


def test_read_as_seen_reads_the_file_a_stat_described_in_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lint cache's read: one ``read`` of the size the status gave (plus one byte, to
    see growth), and refused (``FileChanged``) once the file is not what the status said."""
    path = tmp_path / "flow.xml"
    path.write_bytes(b"<Response/>")
    seen = path.stat()
    sizes: list[int] = []
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        sizes.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", read)
    assert fsio.read_as_seen(path, seen, 100) == b"<Response/>"
    assert sizes == [seen.st_size + 1]
    monkeypatch.undo()
    path.write_bytes(b"<Response></Response>")  # same inode, another size
    with pytest.raises(fsio.FileChanged, match="changed since it was examined"):
        fsio.read_as_seen(path, seen, 100)
    replaced = tmp_path / "new.xml"
    replaced.write_bytes(b"<Response/>")
    os.replace(replaced, path)  # same size, another inode
    with pytest.raises(fsio.FileChanged):
        fsio.read_as_seen(path, seen, 100)
    with pytest.raises(fsio.TooLarge, match="11 bytes; the limit is 5"):
        fsio.read_as_seen(path, path.stat(), 5)


def test_read_as_seen_refuses_what_read_regular_refuses(tmp_path: Path) -> None:
    fifo = tmp_path / "flow.xml"
    os.mkfifo(fifo)
    for path, words in ((fifo, "not a regular file"), ("/dev/zero", "not a regular file"),
                        (tmp_path, "is a directory")):  # fmt: skip
        with pytest.raises(OSError, match=words):  # at once: a FIFO does not block
            fsio.read_as_seen(path, os.stat(path), 100)


@settings(max_examples=40, deadline=None)
@given(before=st.binary(max_size=300), after=st.binary(max_size=300))
def test_read_as_seen_gives_the_bytes_seen_or_refuses(before: bytes, after: bytes) -> None:
    """Whatever the file became after the stat, the read gives the bytes of a file of the
    status seen, or ``FileChanged``: never bytes of another size."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flow.xml"
        path.write_bytes(before)
        seen = path.stat()
        path.write_bytes(after)
        try:
            data = fsio.read_as_seen(path, seen, 1000)
        except fsio.FileChanged:
            assert len(after) != len(before)
        else:
            assert data == after and len(data) == seen.st_size


def test_read_regular_reads_a_file_that_does_not_change_in_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A buffer the size of the file (plus one byte, to see growth), not of the limit; a
    file its status says is empty (as /proc files do) is still read to its end."""
    path = tmp_path / "flow.xml"
    path.write_bytes(b"<Response/>")
    sizes: list[int] = []
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        sizes.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", read)
    assert fsio.read_regular(path, 10 * 1024 * 1024) == b"<Response/>"
    assert fsio.read_regular(path) == b"<Response/>"
    assert sizes == [12, 12]
    status = Path("/proc/self/status")
    if status.exists() and status.stat().st_size == 0:
        assert b"Pid:" in fsio.read_regular(status)


def test_read_regular_refuses_a_file_over_the_limit_before_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * 5000)
    monkeypatch.setattr(os, "read", lambda fd, size: pytest.fail("read a file too large"))
    with pytest.raises(fsio.TooLarge) as refused:
        fsio.read_regular(path, 4999, refuse=True)
    assert (refused.value.size, refused.value.limit) == (5000, 4999)
    monkeypatch.undo()
    real_fstat = os.fstat

    def grew(fd: int) -> os.stat_result:  # the status said 10 bytes; the file holds 5000
        st = list(real_fstat(fd))
        st[stat.ST_SIZE] = 10
        return os.stat_result(st)

    monkeypatch.setattr(os, "fstat", grew)
    with pytest.raises(fsio.TooLarge, match="4001 bytes; the limit is 4000"):
        fsio.read_regular(path, 4000, refuse=True)
    assert fsio.read_regular(path, 4000) == b"x" * 4001


def test_a_fifo_swapped_in_after_a_check_never_hangs_the_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The document reader checks the file it opened, not a status taken before: a FIFO that
    a ``stat`` saw as a regular file is refused at once (CF011), not waited on."""
    regular = tmp_path / "regular.xml"
    regular.write_bytes(b"<Response/>")
    fifo = tmp_path / "flow.xml"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: real_stat(regular, *a, **k))
    found: list[list[str]] = []
    reader = threading.Thread(
        target=lambda: found.append([f.render() for f in load_file(fifo).findings]), daemon=True
    )
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # blocked in open(): a writer lets it go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("the parser waited on a FIFO")
    ((finding,),) = found
    assert "CF011" in finding and "not a regular file" in finding


def test_read_regular_reads_one_byte_past_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 5000)
    assert fsio.read_regular(path, 10) == b"x" * 11
    assert fsio.read_regular(path, 10_000) == fsio.read_regular(path) == b"x" * 5000
