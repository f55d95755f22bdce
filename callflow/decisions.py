"""The readings this project follows where Opentact's public docs contradict themselves or
stay silent: one table, each row with a small flow and what lint and the simulator must show.

The README and ``docs/decisions.md`` carry the table rendered by ``table()`` between the
``MARK_START``/``MARK_END`` comments; ``tests/test_decisions.py`` runs every row's flow through
lint and the simulator and checks both copies equal the rendered table, so the written rules
cannot drift from the code. ``python -m callflow.decisions --write README.md docs/decisions.md``
rewrites the copies after a change here.

This module is data only: it names expectations, the test checks them (``callflow`` does not
import the simulator).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

from callflow import model as m

Source = Literal["contradiction", "silence"]


@dataclass(frozen=True, slots=True)
class Decision:
    """One reading, and the behaviour that proves the code follows it."""

    key: str
    """Stable id, also the anchor in docs/decisions.md."""
    question: str
    source: Source
    """``contradiction``: the public pages disagree; ``silence``: they say nothing."""
    docs: str
    """What the public docs say (in our words)."""
    reading: str
    """The reading lint and the simulator follow."""
    flow: str
    """The body of a ``<Response>`` that shows it."""
    keys: tuple[str, ...] = ()
    """Keys the caller presses at each wait, in order (``""`` is silence)."""
    dial: Literal["answer", "busy", "no-answer"] = "answer"
    """How every Dial destination behaves."""
    heard: tuple[str, ...] = ()
    """Texts spoken, in this order (substrings of ``say`` events)."""
    not_heard: tuple[str, ...] = ()
    lint: tuple[str, ...] = ()
    """Codes lint must report; any other error-severity finding fails the row."""
    event: tuple[str, str, object] | None = None
    """``(kind, field, value)`` that some event of the call must carry."""
    duration_ms: int | None = None
    """The call's length on the virtual clock, when the row is about time."""
    http: tuple[tuple[str, str], ...] = ()
    """``(url, answer)`` for each URL the flow requests: a document, or ``TIMEOUT``."""
    ends: str = "hangup"


TIMEOUT = "timeout"
"""An ``http`` answer that never comes: the request times out."""


def _proof(d: Decision) -> str:
    """What the row's check asserts, in one short line for the table."""
    steps = [f"press {k}" if k else "silence" for k in d.keys]
    if d.dial != "answer":
        steps.append(f"Dial {d.dial}")
    steps += ["backend times out" if a == TIMEOUT else "backend answers" for _, a in d.http]
    script = ", ".join(steps)
    shown: list[str] = []
    if d.heard:
        shown.append("hears " + " then ".join(f"“{h}”" for h in d.heard))
    if d.not_heard:
        shown.append("never " + ", ".join(f"“{h}”" for h in d.not_heard))
    if d.event is not None:
        kind, name, value = d.event
        shown.append(f"`{kind}` event {name}={value}")
    if d.duration_ms is not None:
        shown.append(f"call lasts {d.duration_ms} ms")
    if d.lint:
        shown.append("lint " + ", ".join(d.lint))
    return (f"{script}: " if script else "") + "; ".join(shown)


DECISIONS: tuple[Decision, ...] = (
    Decision(
        key="default-is-unmatched-input",
        question="What do `<Default>` and `<Error>` of a Gather mean?",
        source="contradiction",
        docs="The Gather page's multi-level example reads `<Default>` as *no input* and `<Error>`"
        " as *wrong input*; the `<Default>` page says `<Default>` runs on input that matches no"
        " `<DTMF>`.",
        reading="The dedicated page wins: `<Default>` = input that matches no `DTMF` value;"
        " `<Error>` = no input after all attempts, or a failed `url` request.",
        flow='<Gather><Say>Press 1.</Say><DTMF value="1"><Say>One.</Say></DTMF>'
        "<Default><Say>Not an option.</Say></Default>"
        "<Error><Say>No choice heard.</Say></Error></Gather>",
        keys=("7",),
        heard=("Not an option.",),
        not_heard=("No choice heard.",),
    ),
    Decision(
        key="unmatched-without-default",
        question="Input that matches no `<DTMF>`, and the Gather has no `<Default>`?",
        source="silence",
        docs="Not said.",
        reading="It is a failure of the Gather: its `<Error>` runs.",
        flow='<Gather><Say>Press 1.</Say><DTMF value="1"><Say>One.</Say></DTMF>'
        "<Error><Say>No valid choice.</Say></Error></Gather>",
        keys=("7",),
        heard=("No valid choice.",),
    ),
    Decision(
        key="gather-error-not-for-branches",
        question="Does a Gather's `<Error>` catch a failure inside one of its `<DTMF>` branches?",
        source="silence",
        docs="The docs show `<Error>` in `Gather`, `Dial` and `Callback`, and an `<Error>` as"
        " the last child of `<Response>`, but not which one a nested failure reaches.",
        reading="No. A Gather's `<Error>` means *no input or failed url request*; a busy Dial"
        " in a branch goes to its own `<Error>`, else to the nearest enclosing block's"
        " (`Response`, `DTMF`, `Default`, `Error`, `Call`, `Geo`, `Schedule`), passing over"
        " `Gather` and `Record`.",
        flow='<Gather><Say>Press 1.</Say><DTMF value="1"><Dial><To>+15550100</To></Dial></DTMF>'
        "<Error><Say>We did not hear a choice.</Say></Error></Gather>"
        "<Error><Say>Nobody could take your call.</Say></Error>",
        keys=("1",),
        dial="busy",
        heard=("Nobody could take your call.",),
        not_heard=("We did not hear a choice.",),
        lint=(),
    ),
    Decision(
        key="failure-bubbling",
        question="Which `<Error>` handles a failure, and what runs after it?",
        source="silence",
        docs="Pages show an `<Error>` inside the command it guards, and the Play page one at the"
        " end of `<Response>` for the whole document; none says which handler a failure reaches"
        " when the command has none.",
        reading="The failed command's own `<Error>`, else the nearest enclosing block's, up to"
        " `<Response>`. After the handler the flow goes on after the failed command (unless"
        " the handler hung up); a failure nobody catches is recorded and the flow goes on.",
        flow="<Geo><Dial><To>+15550100</To></Dial><Say>After the dial.</Say>"
        "<Error><Say>The Geo block's handler.</Say></Error></Geo>"
        "<Error><Say>The document's handler.</Say></Error>",
        dial="busy",
        heard=("The Geo block's handler.", "After the dial."),
        not_heard=("The document's handler.",),
    ),
    Decision(
        key="error-play-empty",
        question='What does an empty `<Error play="true"/>` do?',
        source="silence",
        docs="No example shows an `<Error>` without commands.",
        reading="It speaks the reason and the flow goes on after the failed command.",
        flow='<Dial><To>+15550100</To><Error play="true"/></Dial><Say>Goodbye.</Say>',
        dial="no-answer",
        heard=("nobody answered", "Goodbye."),
    ),
    Decision(
        key="end-of-document-hangs-up",
        question="What happens when the last command has run?",
        source="silence",
        docs="Not said; most examples end in `<Hangup/>`, some do not.",
        reading="The call is hung up, as if the document ended in `<Hangup/>`.",
        flow="<Say>That is all.</Say>",
        heard=("That is all.",),
        event=("hangup", "by", "flow"),
    ),
    Decision(
        key="tone-default-hz",
        question="What does a bare `<Tone/>` play?",
        source="contradiction",
        docs="The Tone page lists `hz` as the frequencies to play, then uses a bare `<Tone/>` in"
        " its full example (and the Meta page a `<Tone>` holding only a `<Meta>`).",
        reading=f"`hz` is optional; a Tone without it plays {m.TONE_DEFAULT_HZ} Hz"
        " (our decision). The simulator's `tone` event lists the defaults it used.",
        flow="<Tone/>",
        event=("tone", "hz", m.TONE_DEFAULT_HZ),
        lint=("CF116",),
    ),
    Decision(
        key="tone-length",
        question="How long does a Tone play?",
        source="silence",
        docs="`don`/`doff` set the cadence and `timeout` (30,000 ms by default) bounds the"
        " command; nothing says how long a Tone without `don` lasts.",
        reading="`loop` x (`don` + `doff`), capped by `timeout`; without `don`/`doff` the whole"
        " `timeout`. Lint warns (CF116) about a Tone with neither `don` nor `timeout`.",
        flow='<Tone hz="880"/><Tone hz="880" don="300" doff="200" loop="2"/>',
        duration_ms=30000 + 1000,
        lint=("CF116",),
    ),
    Decision(
        key="speech-time",
        question="How long does a `<Say>` take on the simulator's clock?",
        source="silence",
        docs="Not said (speech length depends on the voice).",
        reading="65 ms per character of the stripped text (about 150 words a minute), whatever"
        " the voice; a `<Play>` of a URL lasts 10 s.",
        flow="<Say>0123456789</Say>",
        duration_ms=650,
    ),
    Decision(
        key="gather-timing",
        question="When does a Gather start listening, and when does input end?",
        source="silence",
        docs="Prompts are *played while the user enters the code*; no timing is given.",
        reading="The simulator plays the prompts in full (no barge-in), then waits `timeout` ms;"
        " input ends at `dtmf_length` keys or the stop key; fewer keys and no stop key: the"
        " keys read are the input when `timeout` runs out.",
        flow='<Gather dtmf_length="4" timeout="5000"><Say>0123456789</Say>'
        '<DTMF value="12"><Say>Twelve.</Say></DTMF></Gather>',
        keys=("12",),
        heard=("Twelve.",),
        duration_ms=650 + 5000 + len("Twelve.") * 65,
    ),
    Decision(
        key="old-gather-spellings",
        question="`numDigits`, `length`, `finishOnKey`, `callback` and `<Switch><Case>`?",
        source="contradiction",
        docs="Older pages spell the Gather attributes the Twilio way and branch with"
        " `<Switch><Case dtmf>`; newer pages use `dtmf_length`, `dtmf_stop`, `url` and `<DTMF>`.",
        reading="All accepted, meaning exactly the canonical form; lint warns (CF150, CF153)"
        " and `callflow fmt` rewrites them.",
        flow='<Gather numDigits="1" finishOnKey="*"><Say>Press 1.</Say>'
        '<Switch><Case dtmf="1"><Say>Case one.</Say></Case></Switch></Gather>',
        keys=("1",),
        heard=("Case one.",),
        lint=("CF150", "CF153"),
    ),
    Decision(
        key="element-aliases",
        question="`<callback>`, `<Scheduler>`, `<Sip>` and `v=`?",
        source="contradiction",
        docs="One page writes `<callback>` in lower case, the Schedule page is titled"
        " `<Scheduler/>`, one example dials a `<Sip>`, the Tone page writes `v` for `volume`.",
        reading="Accepted as aliases of `<Callback>`, `<Schedule>`, `<To>` and `volume`"
        " (warning CF150, fixed by `fmt`).",
        flow='<Scheduler dow="sun,mon,tue,wed,thu,fri,sat"><Say>Open.</Say></Scheduler>'
        '<Tone hz="480" don="1000" v="-7"/>',
        heard=("Open.",),
        lint=("CF150",),
    ),
    Decision(
        key="stop-key-default",
        question="Which key ends Gather input when `dtmf_stop` is not written?",
        source="contradiction",
        docs="The old Gather page gives `*` as the default of `finishOnKey`; the newer reference"
        " this project follows gives `#`.",
        reading="`#` (the spec's reading); the stop key is not part of the input.",
        flow='<Gather dtmf_length="4"><Say>Enter the code.</Say>'
        '<DTMF value="12"><Say>Code twelve.</Say></DTMF><Error/></Gather>',
        keys=("12#",),
        heard=("Code twelve.",),
    ),
    Decision(
        key="plus-stop-key",
        question="May `dtmf_stop` be `+`?",
        source="contradiction",
        docs="An old page lists `+` among the stop keys; a keypad sends no `+`.",
        reading="Accepted with a warning (CF127): nobody can press it.",
        flow='<Gather dtmf_stop="+"><Say>Press 1.</Say><DTMF value="1"><Say>One.</Say></DTMF>'
        "<Error/></Gather>",
        keys=("1",),
        heard=("One.",),
        lint=("CF127",),
    ),
    Decision(
        key="seconds-looking-timeout",
        question="Is `timeout` in seconds or milliseconds?",
        source="contradiction",
        docs="Every page says milliseconds, but some old values look like seconds.",
        reading="Always milliseconds; a value under 100 is reported as probably seconds (CF160).",
        flow='<Gather timeout="10"><Say>Press 1.</Say><DTMF value="1"/><Error/></Gather>',
        lint=("CF160",),
    ),
    Decision(
        key="http-takes-no-time",
        question="How long does an HTTP request take on the simulator's clock?",
        source="silence",
        docs="Callback, Curl and a Gather `url` take a `timeout`; nothing more is said.",
        reading="An answer takes no virtual time, whichever backend gives it (canned, your app"
        " in-process, a live server, a cassette), so transcripts are the same everywhere; a"
        " timeout takes exactly the command's `timeout`.",
        flow='<Say>0123456789</Say><Callback url="https://flows.example.org/next"/>',
        http=(("https://flows.example.org/next", "<Response><Say>0123456789</Say></Response>"),),
        heard=("0123456789", "0123456789"),
        duration_ms=2 * 650,
    ),
    Decision(
        key="http-timeout",
        question="And when the backend does not answer?",
        source="silence",
        docs="The Callback page: no answer within `timeout` runs the `<Error>` block.",
        reading="The request fails after exactly `timeout` ms and the command's `<Error>` runs.",
        flow='<Callback url="https://flows.example.org/next" timeout="4000">'
        "<Error><Say>Try later.</Say></Error></Callback>",
        http=(("https://flows.example.org/next", TIMEOUT),),
        heard=("Try later.",),
        duration_ms=4000 + len("Try later.") * 65,
    ),
    Decision(
        key="callback-method-default",
        question="Which HTTP method does a `<Callback>` without `method` use?",
        source="contradiction",
        docs="The Callback page marks `method` as required; its own examples leave it out.",
        reading="`method` is optional and defaults to `GET`; values are case-insensitive on"
        " input (`post` is a warning, CF152, fixed by `fmt`).",
        flow='<Callback url="https://flows.example.org/next"><Error/></Callback>',
        http=(("https://flows.example.org/next", "<Response><Hangup/></Response>"),),
        event=("http", "method", "GET"),
    ),
    Decision(
        key="gather-url-and-branches",
        question="A Gather with both a `url` and `<DTMF>` blocks?",
        source="contradiction",
        docs="The Gather pages show branching in the XML and, elsewhere, sending the keys to a"
        " `url` whose answer is the next document; none shows both at once.",
        reading="The `url` wins and the blocks are never used: a lint error (CF123).",
        flow='<Gather url="https://flows.example.org/menu"><Say>Press 1.</Say>'
        '<DTMF value="1"><Say>One.</Say></DTMF><Error><Say>No key.</Say></Error></Gather>',
        heard=("No key.",),
        lint=("CF123",),
    ),
    Decision(
        key="schedule-wraps-midnight",
        question="A `<Schedule time>` whose end is before its start?",
        source="silence",
        docs="The examples split the night into two windows; nothing says what a reversed"
        " range means.",
        reading="It wraps past midnight; the day in `dow` is the day it starts. The call starts"
        " Monday 10:00 UTC in these checks, outside 22:00-06:00.",
        flow='<Schedule dow="mon" time="22:00:00-06:00:00"><Say>Night line.</Say></Schedule>'
        '<Schedule dow="mon" time="09:00:00-17:00:00"><Say>Day line.</Say></Schedule>',
        heard=("Day line.",),
        not_heard=("Night line.",),
    ),
    Decision(
        key="dial-timeout-default",
        question="How long does a `<Dial>` ring?",
        source="silence",
        docs="No default ring time is given.",
        reading="30,000 ms; nobody answering by then is a failure.",
        flow="<Dial><To>+15550100</To><Error/></Dial>",
        dial="no-answer",
        duration_ms=30000,
    ),
)
"""Every decision, in the order the tables list them."""

MARK_START = "<!-- decisions-table: generated by `python -m callflow.decisions`; do not edit -->"
MARK_END = "<!-- /decisions-table -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table() -> str:
    """The decisions as one Markdown table (without the markers)."""
    rows = [
        "| # | Question | Docs | What the public docs say | What we follow | Checked by |",
        "|---|---|---|---|---|---|",
    ]
    for number, d in enumerate(DECISIONS, 1):
        cells = (
            f"{number}",
            d.question,
            "contradict" if d.source == "contradiction" else "silent",
            d.docs,
            d.reading,
            f"`{d.key}`: {_proof(d)}",
        )
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


def embedded(text: str) -> str | None:
    """The table between the markers in ``text`` (None when the markers are missing)."""
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start < 0 or end < start:
        return None
    return text[start + len(MARK_START) : end].strip("\n") + "\n"


def with_table(text: str) -> str:
    """``text`` with the table between its markers replaced by the current one."""
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start < 0 or end < start:
        raise ValueError("the decisions-table markers are missing")
    return f"{text[: start + len(MARK_START)]}\n{table()}{text[end:]}"


def main(argv: list[str]) -> int:
    """Print the table, or with ``--write FILE...`` rewrite it in place in each file."""
    if argv[:1] != ["--write"]:
        sys.stdout.write(table())
        return 0
    for path in argv[1:]:
        with open(path, encoding="utf-8") as f:
            old = f.read()
        new = with_table(old)
        if new != old:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
