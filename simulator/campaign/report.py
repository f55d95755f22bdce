"""The report of a simulated campaign: one JSON-ready dict, and a text rendering of it.

``report`` builds the dict from the merged funnel (the JSON format prints it as it is, the
text tables and the chart read it), so every format says the same numbers.

Definitions:

- *reached*: answered calls that ran a command at least once; *hung up* there: the callee
  hung up during it (a prompt) or at its wait (a Gather); *drop-off* = hung up / reached.
- *branch share*: of the times a command ran (visits), the share that took each branch;
  ``retry`` (silence before the last attempt) is a count, not an outcome, and visits that
  ended before any branch (a hang-up during a Gather's prompts) show as ``(hung up before)``.
- *billed*: each answered call is billed per started increment of its answered time (from
  the answer to the end of the call, a bridged Dial included), and at least the minimum;
  unanswered attempts cost nothing. Increment and minimum come from the model (60 s each by
  default: per started minute).
"""

from __future__ import annotations

from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table

from callflow.diagnostics import Finding, RuleInfo
from simulator.campaign.behaviour import UNMATCHED, Behaviour
from simulator.campaign.call import FlowMap
from simulator.campaign.funnel import Part

UNHANDLED = RuleInfo(
    "CP030",
    "campaign-unhandled-failure",
    "warning",
    "Simulated calls fail here and no Error handler catches it.",
)

ENDINGS = {
    "hangup": "the flow hung up",
    "end-of-document": "end of the document",
    "caller-hangup": "the callee hung up",
    "limit": "a bound was hit",
    "error": "error",
    "unknown-document": "a document the model does not give was fetched",
}
BEFORE = "(hung up before)"
RETRY = "retry"


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def destination_name(index: int) -> str:
    return "to" if index == 0 else f"fallback{index}"


def _stages(part: Part, flow: FlowMap) -> list[dict[str, Any]]:
    return [
        {
            "id": site.id,
            "command": site.command,
            "line": site.line,
            "tag": site.tag,
            "text": site.text,
            "reached": part.reach[site.id],
            "share_of_answered": _share(part.reach[site.id], part.answered),
            "hung_up": part.hung_up[site.id],
            "drop_off": _share(part.hung_up[site.id], part.reach[site.id]),
        }
        for site in flow.sites.values()
        if site.stage
    ]


def _branches(part: Part, flow: FlowMap) -> list[dict[str, Any]]:
    out = []
    for site in flow.sites.values():
        visits = part.visits[site.id]
        if not site.labels or not visits:
            continue
        taken = {label: part.branches[(site.id, label)] for label in site.labels}
        for (path, label), count in part.branches.items():
            if path == site.id and label not in taken:
                taken[label] = count
        outcomes = {k: v for k, v in taken.items() if k != RETRY}
        before = visits - sum(outcomes.values())
        if before > 0:
            outcomes[BEFORE] = before
        shares = {k: {"count": v, "share": _share(v, visits)} for k, v in outcomes.items()}
        item = {
            "id": site.id,
            "command": site.command,
            "line": site.line,
            "tag": site.tag,
            "visits": visits,
            "branches": shares,
        }
        if RETRY in taken:
            item["retries"] = taken[RETRY]
        out.append(item)
    return out


def report(
    part: Part,
    flow: FlowMap | None,
    behaviour: Behaviour,
    *,
    flow_file: str,
    recipients_file: str,
    seed: int,
    rows: int,
    bad_rows: int,
) -> dict[str, Any]:
    """Everything the formats show, as plain JSON data (deterministic for a seed)."""
    billed_minutes = [r[4] / 60 for r in part.per_recipient]
    reached = [
        m for m, r in zip(billed_minutes, part.per_recipient, strict=True) if r[3] is not None
    ]
    unhandled = sorted(
        part.unhandled.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or 0, kv[0][2])
    )
    return {
        "flow": flow_file,
        "recipients_file": recipients_file,
        "seed": seed,
        "recipients": {
            "rows": rows,
            "bad_rows": bad_rows,
            "documents_with_errors": part.not_run,
            "simulated": part.recipients,
            "reached": part.answered,
            "reached_share": _share(part.answered, part.recipients),
        },
        "calls": {
            "placed": part.placed,
            "answered": part.answered,
            "busy": part.busy,
            "no_answer": part.no_answer,
            "answered_by": {destination_name(i): n for i, n in sorted(part.answered_by.items())},
            "attempts_per_recipient": {str(k): v for k, v in sorted(part.attempts.items())},
        },
        "endings": {k: part.endings[k] for k in sorted(part.endings)},
        "stages": _stages(part, flow) if flow is not None else [],
        "branches": _branches(part, flow) if flow is not None else [],
        "billing": {
            "rule": (
                f"each answered call: per started {behaviour.increment_s} s of answered"
                f" time, at least {behaviour.minimum_s} s; unanswered attempts are free"
            ),
            "increment_s": behaviour.increment_s,
            "minimum_s": behaviour.minimum_s,
            "total_minutes": round(part.billed_s / 60, 2),
            "answered_minutes": round(part.answered_ms / 60000, 2),
            "mean_minutes_per_reached_recipient": round(sum(reached) / len(reached), 3)
            if reached
            else 0.0,
            "max_minutes": round(max(billed_minutes), 2) if billed_minutes else 0.0,
            "per_recipient": [
                {
                    "row": row,
                    "to": to,
                    "attempts": attempts,
                    "answered_by": destination_name(by) if by is not None else None,
                    "billed_minutes": round(billed / 60, 2),
                    "answered_s": round(ms / 1000, 1),
                    "ending": ending,
                }
                for row, to, attempts, by, billed, ms, ending in part.per_recipient
            ],
        },
        "unhandled_failures": {
            "calls": part.failed_calls,
            "items": [
                {"file": file, "line": line, "reason": reason, "calls": calls}
                for (file, line, reason), calls in unhandled
            ],
        },
    }


# ---- text ---------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _command(command: str, tag: str | None) -> str:
    return command + (f" {tag}" if tag else "")


def text(data: dict[str, Any], out: IO[str], *, colour: bool = False, width: int = 110) -> None:
    """The report as tables (rich), for a person."""
    console = Console(
        file=out,
        force_terminal=colour,
        no_color=not colour,
        width=width,
        highlight=False,
        soft_wrap=False,
    )
    rec, calls, bill = data["recipients"], data["calls"], data["billing"]
    console.print(f"[bold]{data['flow']}[/bold] x {data['recipients_file']} (seed {data['seed']})")
    summary = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    summary.add_column()
    summary.add_row(
        "rows",
        str(rec["rows"]),
        f"{rec['bad_rows']} bad, {rec['documents_with_errors']} with a document in error",
    )
    summary.add_row("recipients simulated", str(rec["simulated"]), "")
    summary.add_row(
        "calls placed",
        str(calls["placed"]),
        f"{calls['busy']} busy, {calls['no_answer']} not answered",
    )
    by = ", ".join(f"{n} by {k}" for k, n in calls["answered_by"].items())
    reached = f"{_pct(rec['reached_share'])} of recipients" + (f"; {by}" if by else "")
    summary.add_row("answered", str(calls["answered"]), reached)
    summary.add_row(
        "billed minutes",
        f"{bill['total_minutes']:g}",
        f"{bill['mean_minutes_per_reached_recipient']:g} per reached recipient, "
        f"at most {bill['max_minutes']:g}; {bill['rule']}",
    )
    failures = data["unhandled_failures"]
    summary.add_row(
        "unhandled failures", str(failures["calls"]), "calls with a failure no Error handler caught"
    )
    console.print(summary)
    if data["stages"]:
        funnel = Table(title="funnel (answered calls)", box=box.SIMPLE_HEAD, title_justify="left")
        funnel.add_column("line")
        funnel.add_column("command", no_wrap=True)
        funnel.add_column("says", no_wrap=True, overflow="ellipsis", max_width=40, style="dim")
        for name in ("reached", "", "hung up", "drop-off"):
            funnel.add_column(name, justify="right", no_wrap=True, min_width=max(len(name), 6))
        for s in data["stages"]:
            funnel.add_row(
                str(s["line"]),
                _command(s["command"], s["tag"]),
                s["text"],
                str(s["reached"]),
                _pct(s["share_of_answered"]),
                str(s["hung_up"]),
                _pct(s["drop_off"]),
            )
        console.print(funnel)
    if data["branches"]:
        branches = Table(title="branches", box=box.SIMPLE_HEAD, title_justify="left")
        for name in ("line", "command", "branch"):
            branches.add_column(name)
        for name in ("count", "share"):
            branches.add_column(name, justify="right")
        for b in data["branches"]:
            line, command = str(b["line"]), _command(b["command"], b["tag"])
            for label, v in b["branches"].items():
                branches.add_row(line, command, label, str(v["count"]), _pct(v["share"]))
                line = command = ""
            if b.get("retries"):
                branches.add_row("", "", "retries", str(b["retries"]), "")
        console.print(branches)
    endings = ", ".join(f"{n} {ENDINGS.get(k, k)}" for k, n in data["endings"].items())
    console.print(f"endings of answered calls: {endings or 'none'}")
    for item in failures["items"]:
        where = f"{item['file'] or data['flow']}:{item['line'] or '?'}"
        console.print(f"unhandled failure at {where}: {item['reason']} ({item['calls']} calls)")


# ---- findings -----------------------------------------------------------------------------


def failure_findings(data: dict[str, Any]) -> list[Finding]:
    """A warning per place where simulated calls failed with no handler (at the flow line)."""
    answered = data["calls"]["answered"]
    out = []
    for item in data["unhandled_failures"]["items"]:
        share = _pct(_share(item["calls"], answered))
        message = f"{item['calls']} answered calls ({share}) fail here, unhandled: {item['reason']}"
        out.append(
            Finding(
                UNHANDLED.code,
                UNHANDLED.severity,
                message,
                item["file"] or data["flow"],
                item["line"] or 1,
                1,
                "an <Error> handler on the command, or on a block around it, would catch it",
            )
        )
    return out


def unmatched_findings(flow: FlowMap, behaviour: Behaviour) -> list[Finding]:
    """A warning per selector of the model that names no command of the flow."""
    return [
        Finding(
            UNMATCHED.code,
            UNMATCHED.severity,
            f"{section}: {text!r} names no {'Gather' if section == 'gathers' else 'prompt'}"
            " of the flow (by line N or tag)",
            behaviour.file,
            line,
            1,
        )
        for section, text, line in flow.unmatched(behaviour)
    ]
