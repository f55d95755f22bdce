"""Reading and writing user files safely: a reader never blocks on a FIFO or swallows a device,
a writer never leaves half a file (not even when interrupted), and the file keeps its mode."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, TypeAlias

_DEFERRED = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals held back while a file is being replaced (their default is to end the process)."""
_CHUNK = 1 << 20
_Handler: TypeAlias = Callable[[int, FrameType | None], Any] | int | signal.Handlers


_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)  # fmt: skip


class TooLarge(OSError):
    """A file over the size a reader accepts (``refuse=True``); ``size`` is what ``fstat``
    said, or the bytes read once it grew past the limit while being read."""

    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(errno.EFBIG, f"{size} bytes; the limit is {limit}", name)
        self.size, self.limit = size, limit


class FileChanged(OSError):
    """The file is not the one an earlier ``stat`` described: another inode or size, or it
    grew or shrank while it was read (``read_as_seen``)."""


def _open_regular(name: str) -> tuple[int, os.stat_result]:
    """A descriptor of the regular file ``name`` and its status, checked on the descriptor.

    Opened non-blocking, so a FIFO never hangs the reader (not even one swapped in after a
    check) and a device is refused before a byte is read. The caller closes the descriptor.
    """
    fd = os.open(name, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", name)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, device or socket)", name)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_regular(
    path: str | os.PathLike[str], max_bytes: int | None = None, *, refuse: bool = False
) -> bytes:
    """A regular file's bytes: all of them, or at most ``max_bytes + 1`` (so a caller can
    tell "too large"); with ``refuse``, a file over ``max_bytes`` is ``TooLarge`` instead,
    before a byte is read when its status already says so.

    Anything else is refused with ``OSError`` before a byte is read (``_open_regular``): a
    FIFO never hangs the reader and ``/dev/zero`` is not read forever. The first read asks for
    the size the status gives plus one byte (a buffer the size of the file, not of the limit),
    so a file that does not change while it is read takes one read.
    """
    name = os.fspath(path)
    fd, st = _open_regular(name)
    try:
        if refuse and max_bytes is not None and st.st_size > max_bytes:
            raise TooLarge(name, st.st_size, max_bytes)
        limit = None if max_bytes is None else max_bytes + 1
        first = st.st_size + 1 if limit is None else min(st.st_size + 1, limit)
        data = os.read(fd, first)
        # Less than asked of a regular file is its end. All of it: the file grew, or its
        # status cannot tell (a /proc file says 0 bytes): read on, to the end or the limit.
        if len(data) == first and len(data) != limit:
            chunks, size = [data], len(data)
            while limit is None or size < limit:
                chunk = os.read(fd, _CHUNK if limit is None else min(limit - size, _CHUNK))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
        if refuse and max_bytes is not None and len(data) > max_bytes:  # it grew while read
            raise TooLarge(name, len(data), max_bytes)
        return data
    finally:
        os.close(fd)


def read_as_seen(path: str | os.PathLike[str], seen: os.stat_result, max_bytes: int) -> bytes:
    """The bytes of the file ``seen`` (an earlier ``stat``) describes, in one read.

    For a caller that decided something from ``seen`` (the lint cache trusts a file's status):
    ``FileChanged`` when the file is another inode or size now, or the read does not give
    exactly that size; ``OSError`` when it is over ``max_bytes`` or not a regular file, as
    ``read_regular`` refuses it. One ``read`` of the file's size plus one byte, no more.
    """
    name = os.fspath(path)
    fd, st = _open_regular(name)
    try:
        if st.st_size > max_bytes:
            raise TooLarge(name, st.st_size, max_bytes)
        if (st.st_ino, st.st_size) != (seen.st_ino, seen.st_size):
            raise FileChanged(errno.ESTALE, "changed since it was examined", name)
        data = os.read(fd, st.st_size + 1)
        if len(data) != st.st_size:
            raise FileChanged(errno.ESTALE, "changed while it was read", name)
        return data
    finally:
        os.close(fd)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is over, then deliver them.

    Ctrl-C in the middle of a write then ends the program right after the rename: the file
    is the old one or the complete new one, and no temporary file is left behind. Python
    runs signal handlers only in the main thread; elsewhere nothing is deferred.
    """
    import threading  # writers only: a lint, which reads, does not pay for it

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, _Handler] = {}
    for sig in _DEFERRED:
        handler = signal.getsignal(sig)
        if handler is None or handler == signal.SIG_IGN:  # set outside Python, or ignored
            continue
        previous[sig] = handler
        signal.signal(sig, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(caught):
            signal.raise_signal(sig)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: a temporary file in the same directory,
    flushed to disk, given the old file's permission bits (and owner, where allowed), then
    renamed over it.

    A symbolic link is followed, so the link stays and its target gets the new content. A file
    with several hard links is written in place instead (``write_in_place``): a rename would
    give the new content to this name only. A file this process may not write is refused
    (``PermissionError``), though the rename would succeed: a read-only file stays as it is.
    On any failure, or a signal, the original is left untouched and the temporary file removed.
    """
    target = os.path.realpath(path)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied (the file is read-only)", target)
    if st is not None and st.st_nlink > 1 and stat.S_ISREG(st.st_mode):
        write_in_place(target, data)
        return
    mode = stat.S_IMODE(st.st_mode) if st else 0o666 & ~_current_umask()
    folder, name = os.path.split(target)
    import tempfile  # writers only (with shutil, random, bz2, lzma: 3 ms of a lint's start)

    with _signals_deferred():
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if st is not None and hasattr(os, "chown"):
                with contextlib.suppress(OSError):  # only root may give a file away
                    os.chown(temp, st.st_uid, st.st_gid)
            os.chmod(temp, mode)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _sync_directory(folder)


def write_in_place(path: str | os.PathLike[str], data: bytes) -> None:
    """Overwrite the content of an existing file, keeping its inode (so every hard link to it
    sees the new content), its mode and owner.

    The new content is complete in memory before the file is touched, the space it needs is
    reserved first (where the file system can: a full disk then fails before a byte changes),
    and signals are held back until the file is written, cut to length and flushed.
    """
    fd = os.open(os.fspath(path), os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        if hasattr(os, "posix_fallocate") and data:
            try:
                os.posix_fallocate(fd, 0, len(data))
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise  # ENOSPC and the like: nothing written yet
        with _signals_deferred():
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.ftruncate(fd, len(data))
            os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(folder: str) -> None:
    """Make the rename itself durable, where the platform allows opening a directory."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
