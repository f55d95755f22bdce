"""Simulate a whole campaign and count its funnel, on one core or many with the same result.

Recipients are cut into chunks of ``CHUNK`` rows in file order. Each chunk is rendered,
linted and simulated (``simulator.campaign.call``) into a ``Part``: counters and one line per
recipient. Parts are merged in chunk order; counters only add, so the merged funnel does not
depend on how many processes ran the chunks, and every recipient's draws come from its own
generator (seed, row): ``--jobs 1`` and ``--jobs 2`` give the same report, byte for byte.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise

from callflow import graph
from callflow import model as m
from callflow.campaign.documents import Documents, RowFindings
from callflow.campaign.recipients import Recipient
from callflow.positions import line_starts
from simulator.campaign.behaviour import Behaviour
from simulator.campaign.call import FlowMap, Outcome, call_recipient

CHUNK = 256
"""Recipients per unit of work (small enough for a smooth progress bar)."""
PARALLEL_FROM = 2000
"""With no explicit ``jobs``, this many recipients or more use every available core."""

PerRecipient = tuple[int, str, int, int | None, int, int, str]
"""(row, to, attempts, index of the number that answered, billed s, answered ms, ending)."""
UnhandledKey = tuple[str | None, int | None, str]


@dataclass
class Part:
    """The funnel of some recipients (a chunk, or the whole campaign once merged)."""

    recipients: int = 0
    """Recipients simulated (their document had no error)."""
    not_run: int = 0
    """Recipients whose document could not be rendered or has an error."""
    placed: int = 0
    answered: int = 0
    busy: int = 0
    no_answer: int = 0
    billed_s: int = 0
    answered_ms: int = 0
    failed_calls: int = 0
    """Answered calls with a failure no handler caught (or that hit a bound)."""
    answered_by: Counter[int] = field(default_factory=Counter)
    attempts: Counter[int] = field(default_factory=Counter)
    endings: Counter[str] = field(default_factory=Counter)
    reach: Counter[str] = field(default_factory=Counter)
    """Site -> answered calls that ran it at least once."""
    visits: Counter[str] = field(default_factory=Counter)
    hung_up: Counter[str] = field(default_factory=Counter)
    """Site -> answered calls the callee hung up during (or at the wait of) it."""
    branches: Counter[tuple[str, str]] = field(default_factory=Counter)
    unhandled: Counter[UnhandledKey] = field(default_factory=Counter)
    """(file, line, reason) -> calls it happened in."""
    per_recipient: list[PerRecipient] = field(default_factory=list)
    findings: RowFindings = field(default_factory=RowFindings)

    def add(self, outcome: Outcome, behaviour: Behaviour) -> None:
        self.recipients += 1
        self.placed += outcome.attempts
        self.busy += outcome.busy
        self.no_answer += outcome.no_answer
        self.attempts[outcome.attempts] += 1
        billed = answered_ms = 0
        ending = "not reached"
        call = outcome.call
        if call is not None and outcome.answered_by is not None:
            self.answered += 1
            self.answered_by[outcome.answered_by] += 1
            billed, answered_ms, ending = (
                behaviour.billed_s(call.duration_ms),
                call.duration_ms,
                call.ending,
            )
            self.billed_s += billed
            self.answered_ms += answered_ms
            self.endings[ending] += 1
            self.reach.update(call.reached)
            self.visits.update(call.visits)
            self.branches.update(call.branches)
            if call.hung_up_at is not None:
                self.hung_up[call.hung_up_at] += 1
            if call.unhandled:
                self.failed_calls += 1
                self.unhandled.update(set(call.unhandled))
        self.per_recipient.append(
            (
                outcome.row,
                outcome.to,
                outcome.attempts,
                outcome.answered_by,
                billed,
                answered_ms,
                ending,
            )
        )

    def merge(self, other: Part) -> None:
        for name in (
            "recipients",
            "not_run",
            "placed",
            "answered",
            "busy",
            "no_answer",
            "billed_s",
            "answered_ms",
            "failed_calls",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in (
            "answered_by",
            "attempts",
            "endings",
            "reach",
            "visits",
            "hung_up",
            "branches",
            "unhandled",
        ):
            getattr(self, name).update(getattr(other, name))
        self.per_recipient.extend(other.per_recipient)
        self.findings.merge(other.findings)


@dataclass(frozen=True)
class Job:
    """Everything a worker needs (picklable): the template, the model, the flow's sites."""

    template: str
    file: str
    behaviour: Behaviour
    flow: FlowMap
    seed: int


class _Worker:
    """Renders, lints and simulates chunks; keeps the documents and site ids it has made."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.docs = Documents(job.template, job.file)
        self.ids: dict[str, dict[int, str]] = {}

    def site_ids(self, text: str, doc: m.Response) -> dict[int, str]:
        found = self.ids.get(text)
        if found is None:
            if len(self.ids) >= 256:
                self.ids.clear()
            found = self.ids[text] = graph.site_ids(doc)
        return found

    def run(self, chunk: Sequence[Recipient]) -> Part:
        job, part = self.job, Part()
        for recipient in chunk:
            prepared = self.docs.prepare(recipient)
            part.findings.add(recipient.row, prepared.findings)
            checked = prepared.checked
            if checked is None or checked.model is None:
                part.not_run += 1
                continue
            ids = self.site_ids(checked.text, checked.model)
            outcome = call_recipient(
                recipient, checked.model, ids, job.flow, job.behaviour, job.seed, job.file
            )
            part.add(outcome, job.behaviour)
        return part


def simulate_chunk(job: Job, chunk: Sequence[Recipient]) -> Part:
    """The funnel of one chunk, on its own (a cluster's unit of work)."""
    return _Worker(job).run(chunk)


def unsimulated(docs: Documents, recipients: Sequence[Recipient]) -> Part:
    """No recipient has a document without error, so nothing is called: each row's findings
    and a count of documents not run."""
    part = Part()
    for recipient in recipients:
        part.findings.add(recipient.row, docs.prepare(recipient).findings)
        part.not_run += 1
    return part


_WORKER: _Worker | None = None


def _start(job: Job) -> None:
    """A worker process: Ctrl-C is the parent's to handle (it cancels what is queued)."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = _Worker(job)


def _run_chunk(chunk: Sequence[Recipient]) -> Part:
    assert _WORKER is not None
    return _WORKER.run(chunk)


def flow_map(
    docs: Documents, recipients: Sequence[Recipient], behaviour: Behaviour
) -> FlowMap | None:
    """The flow's sites, from the first recipient whose document has no error (None: none
    has one)."""
    text = docs.template.text
    lines = [text[a:b] for a, b in pairwise([*line_starts(text), len(text)])]
    for recipient in recipients:
        model = docs.prepare(recipient).model
        if model is not None:
            return FlowMap(model, behaviour, lines)
    return None


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def workers_for(jobs: int | None, recipients: int) -> int:
    """Processes to use: ``jobs`` if given, else every core for a large campaign."""
    if jobs is None:
        jobs = available_cores() if recipients >= PARALLEL_FROM else 1
    return max(1, min(jobs, -(-recipients // CHUNK) or 1))


def _chunks(recipients: Sequence[Recipient]) -> Iterator[Sequence[Recipient]]:
    for start in range(0, len(recipients), CHUNK):
        yield recipients[start : start + CHUNK]


def simulate_campaign(
    job: Job,
    recipients: Sequence[Recipient],
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Part:
    """The funnel of every recipient. ``progress`` is told how many recipients are done."""
    total = Part()
    done = 0
    workers = workers_for(jobs, len(recipients))
    if workers == 1:
        worker = _Worker(job)
        parts: Iterator[Part] = (worker.run(c) for c in _chunks(recipients))
        for part in parts:
            total.merge(part)
            done += part.recipients + part.not_run
            if progress is not None:
                progress(done)
        return total
    pool = ProcessPoolExecutor(workers, initializer=_start, initargs=(job,))
    try:
        for part in pool.map(_run_chunk, _chunks(recipients)):
            total.merge(part)
            done += part.recipients + part.not_run
            if progress is not None:
                progress(done)
    except BaseException:  # Ctrl-C or a failed chunk: do not run the chunks still queued
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return total
