"""A campaign simulated on a Dask cluster, with the report of one process, byte for byte.

``callflow campaign --scheduler tcp://HOST:8786`` (an existing cluster) or ``local:N`` (a
``LocalCluster`` of N worker processes on the loopback interface). Only this module imports
Dask, and only ``--scheduler`` imports it (``pip install 'opentact-callflow[dask]'``).

The client plans and merges; workers read. The recipients file stays where it is (a path
every worker sees, or an fsspec URL) and each task reads its own byte range
(``callflow.campaign.byterange``):

1. scan every block for line counts and record starts; the client chains them into chunks
   of whole records with their true first line;
2. read every chunk: the client gets its findings, columns, counts and the (row, number) of
   its good rows (for duplicates across chunks), and the first row whose document has no
   error (the flow's map, as one process takes it);
3. simulate every chunk (it reads its range again: a task holds nothing a lost worker would
   take with it); the client merges the parts in row order, so the report does not depend on
   the cluster's size or on which worker ran what, and each recipient draws from
   (seed, row).

Every task is pure, so Dask re-runs the tasks of a worker that died; a task that raises is
retried ``RETRIES`` times, then reported with its rows. Ctrl-C cancels this run's futures;
an external cluster keeps running.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from distributed import Client, Future, LocalCluster, as_completed

from callflow.campaign.byterange import (
    BLOCK,
    BlockScan,
    Chunk,
    Header,
    blocks,
    file_size,
    merge,
    plan,
    read_chunk,
    read_header,
    scan_block,
)
from callflow.campaign.documents import Documents
from callflow.campaign.recipients import UNREADABLE, Recipient, Recipients
from callflow.diagnostics import Finding
from simulator.campaign.funnel import Job, Part, simulate_chunk, unsimulated

LOCAL_MAX = 32
"""Most worker processes ``local:N`` starts."""
MIN_BLOCK = 16 * 1024
TASKS_PER_WORKER = 4
"""Blocks per worker at least (for a small file): work to share, and a smooth progress bar."""
RETRIES = 2
"""Re-runs of a task that raised (a worker that died is Dask's to count, up to its
``distributed.scheduler.allowed-failures``)."""
CONNECT_TIMEOUT = "10s"
_LOCAL = re.compile(r"local:([0-9]+)")


class SchedulerError(Exception):
    """``--scheduler`` cannot be used: a usage error."""


class ChunkFailed(Exception):
    """A task failed on every try, for a reason in its data or in the code; the message
    names its rows (or bytes)."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__(f"{what} failed {RETRIES + 1} times: {type(error).__name__}: {error}")
        self.what = what


def local_workers(scheduler: str) -> int | None:
    """N of ``local:N``; None for the address of a scheduler."""
    match = _LOCAL.fullmatch(scheduler)
    if match is None:
        if scheduler.startswith("local"):
            raise SchedulerError(f"write local:N with N from 1 to {LOCAL_MAX}, not {scheduler!r}")
        return None
    count = int(match.group(1))
    if not 1 <= count <= LOCAL_MAX:
        raise SchedulerError(f"local:N takes N from 1 to {LOCAL_MAX}, not {count}")
    return count


@contextmanager
def connect(scheduler: str) -> Iterator[Client]:
    """A client of the cluster at ``scheduler`` (``tcp://HOST:PORT``), or of a LocalCluster
    for ``local:N`` (closed at the end; an external cluster is left running)."""
    count = local_workers(scheduler)
    cluster: LocalCluster | None = None
    try:
        if count is not None:
            cluster = LocalCluster(
                n_workers=count,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # its HTTP server too: loopback only
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise SchedulerError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _has_dashboard() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def dashboard(client: Client) -> str | None:
    """The link of the cluster's dashboard, when it serves one."""
    link = client.dashboard_link if _has_dashboard() or client.cluster is None else None
    return str(link) if link else None


# ---- tasks (run on the workers) -------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the workers read the recipients, and how."""

    path: str
    """A path every worker sees, or an fsspec URL."""
    file: str
    """How findings and the report name it."""
    fmt: str
    header: Header


def _read(source: Source, chunk: Chunk) -> Recipients:
    return read_chunk(source.path, source.file, source.fmt, chunk, source.header)


def _summary(source: Source, chunk: Chunk, template: str) -> tuple[Recipients, Recipient | None]:
    """A chunk's findings and counts, its good rows reduced to (row, number), and its first
    row whose document has no error."""
    part = _read(source, chunk)
    docs = Documents(template, source.file)
    usable = next((r for r in part.rows if docs.prepare(r).model is not None), None)
    part.rows = [Recipient(r.row, r.to) for r in part.rows]
    return part, usable


def _simulate(source: Source, chunk: Chunk, job: Job | None, template: str) -> Part:
    rows = _read(source, chunk).rows
    if job is None:
        return unsimulated(Documents(template, source.file), rows)
    return simulate_chunk(job, rows)


# ---- the client -----------------------------------------------------------------------------


@dataclass
class ClusterCampaign:
    """One campaign on a cluster: plan and read (``read``), then ``simulate``."""

    client: Client
    path: str
    file: str
    template: str
    block: int | None = None
    """Bytes per block (None: from the file's size and the cluster's workers)."""
    source: Source | None = None
    chunks: list[Chunk] = field(default_factory=list)
    first_usable: Recipient | None = None
    _futures: list[Future] = field(default_factory=list)

    def _map(self, function: Callable[..., Any], *args: Any) -> list[Future]:
        futures: list[Future] = self.client.map(function, *args, retries=RETRIES)
        self._futures.extend(futures)
        return futures

    def _block(self, size: int) -> int:
        if self.block is not None:
            return self.block
        workers = max(1, len(self.client.nthreads()))
        return max(MIN_BLOCK, min(BLOCK, size // (workers * TASKS_PER_WORKER) + 1))

    def read(self) -> Recipients:
        """Plan the chunks and read them on the workers: the recipients as one process would
        load them, but for the rows (kept to their row and number)."""
        try:
            size = file_size(self.path)
            fmt, header = read_header(self.path, size)
        except (OSError, ValueError, ImportError) as exc:  # ImportError: no fsspec backend
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            out = Recipients(self.file, unreadable=True)
            message = f"cannot read the recipients: {reason}"
            out.findings.append(
                Finding(UNREADABLE.code, UNREADABLE.severity, message, self.file, 1, 1)
            )
            return out
        source = self.source = Source(self.path, self.file, fmt, header)
        nominal = blocks(size, self._block(size))
        futures = self._map(
            scan_block,
            [self.path] * len(nominal),
            [fmt] * len(nominal),
            [offset for offset, _ in nominal],
            [length for _, length in nominal],
        )
        scans: list[BlockScan] = [
            self._result(f, f"scanning bytes {offset}-{offset + length}")
            for f, (offset, length) in zip(futures, nominal, strict=True)
        ]
        self.chunks = plan(scans, size, header)
        count = len(self.chunks)
        futures = self._map(_summary, [source] * count, self.chunks, [self.template] * count)
        summaries: list[tuple[Recipients, Recipient | None]] = [
            self._result(f, self._rows(i)) for i, f in enumerate(futures)
        ]
        self.first_usable = next((u for _, u in summaries if u is not None), None)
        return merge(self.file, (part for part, _ in summaries))

    def simulate(self, job: Job | None, progress: Callable[[int, int], None] | None) -> Part:
        """The merged funnel (``job`` None: no row has a usable document, nothing is called).
        ``progress`` is told the recipients and the chunks done."""
        assert self.source is not None
        count = len(self.chunks)
        futures = self._map(
            _simulate, [self.source] * count, self.chunks, [job] * count, [self.template] * count
        )
        index = {f.key: i for i, f in enumerate(futures)}
        done: dict[int, Part] = {}
        total, merged, recipients = Part(), 0, 0
        for future in as_completed(futures):
            i = index[future.key]
            part = self._result(future, self._rows(i))
            done[i] = part
            recipients += part.recipients + part.not_run
            while merged in done:  # in row order: the same report on any cluster
                total.merge(done.pop(merged))
                merged += 1
            if progress is not None:
                progress(recipients, len(done) + merged)
        return total

    def _rows(self, i: int) -> str:
        chunk = self.chunks[i]
        last = f"-{self.chunks[i + 1].line - 1}" if i + 1 < len(self.chunks) else " on"
        return f"rows {chunk.line}{last} (bytes {chunk.start}-{chunk.end})"

    def _result(self, future: Future, what: str) -> Any:
        try:
            return future.result()
        except Exception as exc:
            raise ChunkFailed(what, exc) from exc

    def cancel(self) -> None:
        """Cancel every future of this run (the cluster goes on)."""
        if self._futures:
            self.client.cancel(self._futures, force=True)
            self._futures = []


@contextmanager
def on_cluster(
    scheduler: str | Client, path: str, file: str, template: str, block: int | None = None
) -> Iterator[ClusterCampaign]:
    """A campaign on ``scheduler`` (an address, ``local:N``, or a client); whatever ends it,
    Ctrl-C included, its futures are cancelled."""
    if isinstance(scheduler, Client):
        run = ClusterCampaign(scheduler, path, file, template, block)
        try:
            yield run
        finally:
            run.cancel()
        return
    with connect(scheduler) as client:
        run = ClusterCampaign(client, path, file, template, block)
        try:
            yield run
        finally:
            run.cancel()
