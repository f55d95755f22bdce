"""The interpreter: runs a call flow model on a virtual clock against a scripted caller.

The spec's run semantics and its Decision lines are the contract. The choices the spec leaves
to a simulator, made here once:

- **Who consumes caller actions.** Only waits that listen for keys take the script's next
  action: every Gather attempt, and a Pause or Record that has ``dtmf_stop`` (not a Pause played
  as a Gather prompt). ``Silence`` and ``Press("")`` mean nothing is pressed at that wait;
  ``HangUp()`` hangs up as the wait begins; ``HangUp(at_ms=T)`` hangs up when the clock reaches
  T wherever the flow is (until then it keeps its place in the script, and waits that reach it
  hear silence). An exhausted script is silence.
- **Gather.** An attempt emits ``gather``, plays the prompts in full (barge-in is not
  modelled), then waits; ``Press.delay_ms`` counts from the end of the prompts. Keys are read
  up to ``dtmf_length`` or the stop key (not part of the input; later keys are dropped). Input
  that ends either way arrives at ``delay_ms``; fewer keys and no stop key: the wait runs to
  ``timeout`` and the keys read are the input. Keys later than ``timeout`` are lost (timeout).
- **Pause / Record ``dtmf_stop``.** A Press holding a stop key ends the pause (or the
  recording, cutting its children short) ``delay_ms`` after it began. A Record without
  children records until its stop key or ``timeout`` (``DEFAULT_RECORD_MS`` when it has
  neither). ``RecordWait`` returns at once; a background recording lasts from ``RecordStart``
  to ``RecordStop`` (or to now, when played back while still running).
- **Dial.** Every destination rings at once; the fastest ``answer`` within ``timeout`` (ties:
  the first written) is bridged for its ``talk_ms``, then the flow goes on. Otherwise the Dial
  fails with outcome ``no-answer`` after ``timeout`` when anyone rang out, else ``busy`` or
  ``fail`` at once.
- **HTTP.** The ``http`` event is stamped when the request is sent; the clock then advances by
  the answer's ``elapsed_ms`` (capped by the request timeout, beyond which it is a timeout).
  Wall-clock time never enters a run: canned answers, in-process apps, live servers and
  cassettes all report 0 ms for an answer and the command's timeout for a timeout, so a run is
  the same whichever backend answers (a custom resolver may model latency in ``elapsed_ms``).
  An answered document is read like a flow file (safe parser, XSD, lint rules): any error
  finding fails the command, quoted in the reason as ``URL:line:col: CODE error ...``.
  After a failed Callback whose handler does not hang up, the flow goes on after it.
- **Events.** One per command (a Say or Play ``loop`` > 1 is a ``loop`` field, not repeats);
  every event of a command with a ``tag`` carries it. The hang-up at the end of the document
  has no line.
- **Hold** and ``Unhold`` only mark the call in the transcript; the hold ``timeout`` is not
  enforced.
- **Steps** count commands run (prompts included) and every Gather attempt after the first.

The interpreter itself is ``simulator.machine``: a resumable machine with explicit frames that
asks a choice provider (``simulator.choices``) wherever the outside world decides. ``simulate``
runs it with the scripted provider; the explorer (``simulator.explore``) forks it at every
choice point instead.
"""

from __future__ import annotations

from callflow import model as m
from simulator.caller import CallerScript
from simulator.context import CallContext
from simulator.http import Resolver
from simulator.limits import Limits
from simulator.machine import DEFAULT_RECORD_MS, ERROR_LANG, scripted_call
from simulator.transcript import CallResult

__all__ = ["DEFAULT_CONTEXT", "DEFAULT_LIMITS", "DEFAULT_RECORD_MS", "ERROR_LANG", "NO_SCRIPT",
           "simulate"]  # fmt: skip

NO_SCRIPT = CallerScript()
"""A caller who never presses a key (every wait times out) and never hangs up."""
DEFAULT_CONTEXT = CallContext()
DEFAULT_LIMITS = Limits()


def simulate(
    flow: m.Response,
    *,
    caller: CallerScript = NO_SCRIPT,
    context: CallContext = DEFAULT_CONTEXT,
    http: Resolver | None = None,
    limits: Limits = DEFAULT_LIMITS,
    file: str | None = None,
) -> CallResult:
    """Run one call of ``flow`` and return its transcript and result.

    ``flow`` may also be a ``callflow.builder`` Response (it is built first). ``http=None``
    answers no request (every Callback, Curl and Gather url fails as if the
    server were down). ``file`` names the flow in events (default: where it was parsed from).
    """
    if not isinstance(flow, m.Response) and callable(getattr(flow, "build", None)):
        flow = flow.build()  # a callflow.builder Response
    if not isinstance(flow, m.Response):
        reason = f"a call flow must be a Response, not {type(flow).__name__}"
        return CallResult("error", 0, (), reason)
    return scripted_call(flow, caller, context, http, limits, file)
