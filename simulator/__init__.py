"""The offline call simulator: run a call flow against a scripted caller on a virtual clock."""

from simulator.caller import CallerAction, CallerScript, DialOutcome, HangUp, Press, Silence
from simulator.context import CallContext
from simulator.engine import simulate
from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest, Resolver
from simulator.limits import Limits
from simulator.transcript import CallResult, Event

__all__ = [
    "CallContext", "CallResult", "CallerAction", "CallerScript", "Canned", "CannedResolver",
    "DialOutcome", "Event", "HangUp", "HttpAnswer", "HttpRequest", "Limits", "Press", "Resolver",
    "Silence", "simulate",
]  # fmt: skip
