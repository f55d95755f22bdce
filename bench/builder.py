"""Build and serialise the same 10-command IVR with our builder, twilio-python and plivo-python.

The document: a greeting, a Gather (with its prompt) and three branches each holding a Say and
a Dial, a Record and a Hangup. TwiML and Plivo XML have no branches inside a document (the
digits go to an action URL), so their version is the closest one: the prompt inside
``Gather``/``GetDigits`` and the three Say + Dial pairs after it, which is fewer elements than
ours (no DTMF wrappers). Our builder checks every value as it is given (build-time
validation is always on); twilio-python checks only nesting, plivo-python converts types.

``to_xml()`` also runs the linter's error rules on the document (``ours``); ``ours_unchecked``
is the same with ``check=False``, to show what those rules cost. Not a peer: ratios compare
``ours`` only.

The builder remembers the results of its value checks and escapes for repeated strings (and
the texts the rules found clean), so it is measured twice: with the same strings in every
document (a web backend answering every call with the same menu) and with fresh strings in
every document (numbers, texts never seen before). The peers are measured on the same two
inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.timing import Plan, Prepare, compare, ratio
from callflow import builder as cb


@dataclass(frozen=True, slots=True)
class Texts:
    """The strings of one document; fresh ones per document defeat any cache."""

    greeting: str
    prompt: str
    branches: tuple[str, str, str]
    numbers: tuple[str, str, str]
    record_url: str


REPEATED = Texts(
    "Thanks for calling Riverside Clinic.",
    "For appointments press 1. For billing press 2. For the pharmacy press 3.",
    ("Connecting you to appointments.", "Connecting you to billing.", "Connecting you to the "
     "pharmacy."),
    ("+15045550111", "+15045550122", "+15045550133"),
    "https://ivr.example.com/voicemail",
)  # fmt: skip


def fresh(count: int, start: int = 0) -> list[Texts]:
    """``count`` documents' worth of strings, none equal to another."""
    out = []
    for i in range(start, start + count):
        out.append(
            Texts(
                f"Thanks for calling office {i}.",
                f"For sales press 1, support 2, billing 3 (menu {i}).",
                (f"Sales for {i}.", f"Support for {i}.", f"Billing for {i}."),
                (f"+1504{i:07d}", f"+1505{i:07d}", f"+1506{i:07d}"),
                f"https://ivr.example.com/voicemail/{i}",
            )
        )
    return out


def ours(x: Texts, check: bool = True) -> str:
    r = cb.Response()
    r.say(x.greeting)
    with r.gather(dtmf_length=1, timeout=8000, attempts=2) as g:
        g.say(x.prompt)
        for key, text, number in zip("123", x.branches, x.numbers, strict=True):
            with g.dtmf(key) as branch:
                branch.say(text)
                branch.dial(number, timeout=25000)
    r.record(tag="voicemail", timeout=60000, dtmf_stop="#")
    r.hangup()
    return r.to_xml(pretty=True, check=check)


def ours_unchecked(x: Texts) -> str:
    """The same without the semantic lint rules at ``to_xml()`` (``check=False``): what they
    cost. Every grammar check at each call is still made."""
    return ours(x, check=False)


def twilio_builder() -> Callable[[Texts], str] | None:
    try:
        from twilio.twiml.voice_response import Dial, Gather, VoiceResponse  # type: ignore
    except ImportError:  # an optional extra: pip install '.[bench]'
        return None

    def build(x: Texts) -> str:
        r = VoiceResponse()
        r.say(x.greeting)
        g = Gather(num_digits=1, timeout=8, action="/menu")
        g.say(x.prompt)
        r.append(g)
        for text, number in zip(x.branches, x.numbers, strict=True):
            r.say(text)
            d = Dial(timeout=25)
            d.number(number)
            r.append(d)
        r.record(action=x.record_url, timeout=60, finish_on_key="#")
        r.hangup()
        return str(r.to_xml())

    return build


def plivo_builder() -> Callable[[Texts], str] | None:
    try:
        from plivo import plivoxml  # type: ignore
    except ImportError:
        return None

    px: Any = plivoxml

    def build(x: Texts) -> str:
        r = px.ResponseElement()
        r.add(px.SpeakElement(x.greeting))
        g = px.GetDigitsElement(action="https://ivr.example.com/menu", num_digits=1, timeout=8)
        g.add(px.SpeakElement(x.prompt))
        r.add(g)
        for text, number in zip(x.branches, x.numbers, strict=True):
            r.add(px.SpeakElement(text))
            d = px.DialElement(timeout=25)
            d.add(px.NumberElement(number))
            r.add(d)
        r.add(px.RecordElement(action=x.record_url, max_length=60, finish_on_key="#"))
        r.add(px.HangupElement())
        return str(r.to_string())

    return build


def _repeated(build: Callable[[Texts], str]) -> Prepare:
    def prepare(n: int) -> Callable[[], object]:
        def run() -> None:
            for _ in range(n):
                build(REPEATED)

        return run

    return prepare


class _Fresh:
    """Hands out strings never used before, for every run of every contestant."""

    def __init__(self) -> None:
        self.used = 0

    def prepare(self, build: Callable[[Texts], str]) -> Prepare:
        def prepare(n: int) -> Callable[[], object]:
            texts = fresh(n, self.used)
            self.used += n

            def run() -> None:
                for x in texts:
                    build(x)

            return run

        return prepare


def run(plan: Plan) -> dict[str, Any]:
    """Documents per second for each builder, with repeated and with fresh strings."""
    builders: dict[str, Callable[[Texts], str] | None] = {
        "ours": ours, "ours_unchecked": ours_unchecked, "twilio": twilio_builder(),
        "plivo": plivo_builder(),
    }  # fmt: skip
    present = {name: fn for name, fn in builders.items() if fn is not None}
    for build in present.values():  # each must make a document before it is timed
        assert build(REPEATED).count("<") > 10
    same = compare({name: _repeated(fn) for name, fn in present.items()}, plan)
    pool = _Fresh()
    new = compare({name: pool.prepare(fn) for name, fn in present.items()}, plan)
    out: dict[str, Any] = {}
    for name in builders:
        out[f"{name}_per_s"] = round(same[name]) if name in same else None
        out[f"{name}_fresh_per_s"] = round(new[name]) if name in new else None
    peers = [same[n] for n in ("twilio", "plivo") if n in same]
    fresh_peers = [new[n] for n in ("twilio", "plivo") if n in new]
    out["ratio_vs_fastest_peer"] = ratio(same["ours"], max(peers)) if peers else None
    out["fresh_ratio_vs_fastest_peer"] = (
        ratio(new["ours"], max(fresh_peers)) if fresh_peers else None
    )
    best, best_fresh = (max(peers), max(fresh_peers)) if peers else (None, None)
    out["unchecked_ratio_vs_fastest_peer"] = ratio(same["ours_unchecked"], best)
    out["unchecked_fresh_ratio_vs_fastest_peer"] = ratio(new["ours_unchecked"], best_fresh)
    out["missing_peers"] = [
        name for name, fn in builders.items() if fn is None and name != "ours_unchecked"
    ]
    out["document"] = "greeting, Gather with prompt and 3 branches (Say + Dial), Record, Hangup"
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.builder [--quick | --smoke] [--json FILE]``: the builder benchmark
    alone, in the plan of ``python -m bench``; ``--json`` replaces the ``builder`` entry (and
    its verdicts) of an existing results file, so its other rows stay as they were."""
    import argparse
    import json
    from pathlib import Path

    from bench.__main__ import MODES, machine

    ap = argparse.ArgumentParser(prog="python -m bench.builder", description=main.__doc__)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a shorter run")
    size.add_argument("--smoke", action="store_true", help="a tiny run that only proves it works")
    ap.add_argument("--json", metavar="FILE", type=Path, help="update this results file")
    args = ap.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    where = machine()
    result = run(MODES[mode]["plan"])
    where["load_average_after"] = machine()["load_average"]
    print(json.dumps({"mode": mode, "load_average": where["load_average"], **result}, indent=2))
    if args.json is not None:
        data = json.loads(args.json.read_text(encoding="utf-8"))
        data["builder"] = result
        met = data.setdefault("met", {})
        for key, ratio_key in (("builder", "ratio_vs_fastest_peer"),
                               ("builder_fresh", "fresh_ratio_vs_fastest_peer")):  # fmt: skip
            met[key] = None if result[ratio_key] is None else result[ratio_key] >= 2
        data["builder_run"] = {"mode": mode, **where}
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
