"""What TwiML (Twilio's voice XML) is made of, as far as the importer needs to know.

Facts about the *source* dialect only: which verbs and nouns exist, which attributes each takes
and what kind of value, where they may nest, and why Opentact has no counterpart for some of
them. What each convertible piece becomes is decided in ``callflow.importers.twiml``; the
Opentact side comes from ``callflow.model`` as everywhere else. The hypothesis strategy of the
tests draws documents from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "seconds", "count", "loop", "key", "keys", "url", "method", "bool", "voice", "language",
    "input", "digits", "reason", "text",
]  # fmt: skip
"""The kind of value an attribute takes (the strategy draws values by kind)."""


@dataclass(frozen=True, slots=True)
class Element:
    """A TwiML element: its attributes (name -> kind) and the children it may hold."""

    attrs: dict[str, Kind] = field(default_factory=dict)
    children: tuple[str, ...] = ()


_STATUS: dict[str, Kind] = {
    "statusCallback": "url", "statusCallbackMethod": "method", "statusCallbackEvent": "text",
}  # fmt: skip
_AMD: dict[str, Kind] = {
    "machineDetection": "text", "amdStatusCallback": "url", "amdStatusCallbackMethod": "method",
    "machineDetectionTimeout": "seconds", "machineDetectionSpeechThreshold": "text",
    "machineDetectionSpeechEndThreshold": "text", "machineDetectionSilenceTimeout": "text",
}  # fmt: skip
_RECORDING: dict[str, Kind] = {
    "trim": "text", "recordingStatusCallback": "url", "recordingStatusCallbackMethod": "method",
    "recordingStatusCallbackEvent": "text", "recordingConfigurationId": "text",
}  # fmt: skip

SSML = ("break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w")
"""SSML tags Twilio accepts inside <Say>."""

CONVERTIBLE: dict[str, Element] = {
    "Say": Element({"voice": "voice", "language": "language", "loop": "loop"}, SSML),
    "Play": Element({"loop": "loop", "digits": "digits"}),
    "Pause": Element({"length": "seconds"}),
    "Hangup": Element(children=("Parameter",)),
    "Reject": Element({"reason": "reason"}, ("Parameter",)),
    "Redirect": Element({"method": "method"}),
    "Gather": Element(
        {
            "input": "input",
            "action": "url",
            "method": "method",
            "timeout": "seconds",
            "finishOnKey": "key",
            "numDigits": "count",
            "speechTimeout": "text",
            "maxSpeechTime": "seconds",
            "profanityFilter": "bool",
            "partialResultCallback": "url",
            "partialResultCallbackMethod": "method",
            "language": "language",
            "hints": "text",
            "bargeIn": "bool",
            "debug": "bool",
            "actionOnEmptyResult": "bool",
            "speechModel": "text",
            "enhanced": "bool",
        },
        ("Say", "Play", "Pause"),
    ),
    "Dial": Element(
        {
            "action": "url",
            "method": "method",
            "timeout": "seconds",
            "callerId": "text",
            "hangupOnStar": "bool",
            "timeLimit": "seconds",
            "record": "text",
            "answerOnBridge": "bool",
            "ringTone": "text",
            "recordingTrack": "text",
            "sequential": "bool",
            "referUrl": "url",
            "referMethod": "method",
            "events": "text",
            "callReason": "text",
            **_RECORDING,
        },
        ("Number", "Sip", "Client", "Conference", "Queue", "Sim", "Application", "WhatsApp"),
    ),
    "Record": Element(
        {
            "action": "url",
            "method": "method",
            "timeout": "seconds",
            "finishOnKey": "keys",
            "maxLength": "seconds",
            "playBeep": "bool",
            "transcribe": "bool",
            "transcribeCallback": "url",
            "recordingChannels": "text",
            **_RECORDING,
        }
    ),
}
"""Verbs with an Opentact counterpart (some of their attributes may still have none)."""

NOUNS: dict[str, Element] = {
    "Number": Element(
        {
            "sendDigits": "digits",
            "url": "url",
            "method": "method",
            "byoc": "text",
            **_STATUS,
            **_AMD,
        },
    ),
    "Sip": Element(
        {
            "username": "text",
            "password": "text",
            "url": "url",
            "method": "method",
            **_STATUS,
            **_AMD,
        },
    ),
    "Client": Element({"url": "url", "method": "method", **_STATUS}, ("Identity", "Parameter")),
    "Identity": Element(),
    "Parameter": Element({"name": "text", "value": "text"}),
}
"""Nouns of <Dial> and the children of nouns and of <Hangup>/<Reject>."""

NOT_CONVERTIBLE: dict[str, str] = {
    "Enqueue": "Opentact has no call queues",
    "Leave": "Opentact has no call queues",
    "Queue": "Opentact has no call queues",
    "Conference": "Opentact has no conference rooms",
    "Connect": "Opentact cannot connect a call to a media stream, video room or virtual agent",
    "Start": "Opentact cannot fork media streams, SIPREC or live transcription",
    "Stop": "Opentact cannot fork media streams, SIPREC or live transcription",
    "Stream": "Opentact cannot fork media streams",
    "Siprec": "Opentact has no SIPREC",
    "Transcription": "Opentact has no live transcription",
    "Pay": "Opentact has no payment capture",
    "Prompt": "Opentact has no payment capture",
    "Refer": "Opentact has no SIP REFER transfer",
    "Echo": "Opentact has no echo test",
    "Sms": "an Opentact call flow cannot send text messages",
    "Message": "an Opentact call flow cannot send text messages",
    "Sim": "Opentact cannot dial a Twilio SIM",
    "Application": "Opentact cannot dial a Twilio application",
    "WhatsApp": "Opentact cannot place WhatsApp calls",
    "Autopilot": "Opentact has no virtual agents",
    "VirtualAgent": "Opentact has no virtual agents",
    "Room": "Opentact has no video rooms",
}
"""TwiML verbs and nouns without an Opentact counterpart, and why."""

_STATUS_REASON = (
    "Opentact reports call progress in its own notification events, not per-verb callbacks"
)
_AMD_REASON = "Opentact has no answering-machine detection"
_RECORDING_REASON = "Opentact cannot record from a Dial (a RecordStart before it can, by hand)"
_SPEECH_REASON = "Opentact Gather collects DTMF keys only, no speech"

ATTR_REASONS: dict[str, str] = {
    **dict.fromkeys(_STATUS, _STATUS_REASON),
    **dict.fromkeys(_AMD, _AMD_REASON),
    **dict.fromkeys(_RECORDING, _RECORDING_REASON),
    "record": _RECORDING_REASON,
    "recordingTrack": _RECORDING_REASON,
    "recordingChannels": "Opentact does not choose recording channels",
    "speechTimeout": _SPEECH_REASON,
    "maxSpeechTime": _SPEECH_REASON,
    "profanityFilter": _SPEECH_REASON,
    "partialResultCallback": _SPEECH_REASON,
    "partialResultCallbackMethod": _SPEECH_REASON,
    "hints": _SPEECH_REASON,
    "speechModel": _SPEECH_REASON,
    "enhanced": _SPEECH_REASON,
    "bargeIn": "Opentact prompts always stop at the first key press",
    "actionOnEmptyResult": "Opentact runs the Gather's Error on no input, it sends no request",
    "hangupOnStar": "Opentact has no hang-up-on-star for the caller",
    "timeLimit": "Opentact has no limit on the length of a bridged call",
    "answerOnBridge": "Opentact answers the caller before bridging",
    "ringTone": "Opentact chooses the ring-back tone itself",
    "sequential": "Opentact rings every destination at once",
    "referUrl": "Opentact has no SIP REFER transfer",
    "referMethod": "Opentact has no SIP REFER transfer",
    "events": _STATUS_REASON,
    "callReason": "Opentact has no branded call reason",
    "transcribeCallback": "Opentact delivers the transcript in its events, not to a callback",
    "sendDigits": "Opentact cannot send digits once the callee answers",
    "url": "Opentact cannot run a whisper document for the callee",
    "byoc": "Opentact has no BYOC trunks",
    "username": "Opentact sends no SIP credentials",
    "password": "Opentact sends no SIP credentials",
    "debug": "Opentact has no Gather debug mode",
}
"""Why an attribute of a convertible verb has no counterpart (by attribute name)."""

NO_EFFECT: dict[tuple[str, str], frozenset[str]] = {
    ("Gather", "bargeIn"): frozenset({"true"}),
    ("Gather", "actionOnEmptyResult"): frozenset({"false"}),
    ("Gather", "debug"): frozenset({"false"}),
    ("Dial", "hangupOnStar"): frozenset({"false"}),
    ("Dial", "answerOnBridge"): frozenset({"false"}),
    ("Dial", "sequential"): frozenset({"false"}),
    ("Dial", "record"): frozenset({"do-not-record"}),
    ("Record", "transcribeCallback"): frozenset({""}),
}
"""Values of unsupported attributes that ask for TwiML's default, which Opentact also does."""

SPEECH_ONLY = frozenset(
    {"speechTimeout", "maxSpeechTime", "profanityFilter", "partialResultCallback",
     "partialResultCallbackMethod", "hints", "speechModel", "enhanced", "language"}
)  # fmt: skip
"""Gather attributes that matter only when it listens for speech."""
