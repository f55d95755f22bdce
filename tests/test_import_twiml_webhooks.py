"""``callflow import twiml --webhook-map``: per request of the converted flow, what Twilio
sent and what Opentact sends. Both the map and the simulator's requests (simulator/requests.py)
take the names from callflow.requests_contract; the behaviour is checked here too, so the map
cannot drift from what a backend really gets."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from click.testing import CliRunner

from callflow import model as m
from callflow import requests_contract as contract
from callflow.cli import cli
from callflow.importers import convert_twiml
from callflow.importers.report import Webhook
from callflow.importers.twiml_webhooks import OPENTACT_BODY
from simulator import CallerScript, DialOutcome, HttpAnswer, HttpRequest, Press, simulate

BASE = "https://ivr.example.com/voice"


class Keep:
    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        self.requests.append(request)
        return HttpAnswer(error="down")


CASES = {
    "one-key gather": ('<Gather numDigits="1" action="/m"><Say>x</Say></Gather>', Press("1")),
    "pin gather": ('<Gather numDigits="4" action="/pin" method="GET"><Say>x</Say></Gather>',
                   Press("1234")),
    "record": ('<Record action="/vm" maxLength="5" finishOnKey=""/>', None),
    "dial": ('<Dial action="/after"><Number>+15550100199</Number></Dial>', None),
    "redirect": ("<Redirect>/next</Redirect>", None),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_map_names_the_parameters_opentact_sends(case: str) -> None:
    body, press = CASES[case]
    model, report = convert_twiml(f"<Response>{body}</Response>", base_url=BASE)
    http = Keep()
    actions = (press,) if press else ()
    script = CallerScript(actions=actions, dial_default=DialOutcome("busy"))
    simulate(model, caller=script, http=http)
    (request,) = http.requests
    hooks = [h for h in report.webhooks if urlsplit(h.url).path == urlsplit(request.url).path]
    assert hooks, report.webhooks
    hook = next((h for h in hooks if _same_added(h, request)), hooks[0])
    sent = set(parse_qs(urlsplit(request.url).query, keep_blank_values=True))
    assert sent == set(hook.opentact) - {OPENTACT_BODY}
    assert (request.body is not None) == (OPENTACT_BODY in hook.opentact)
    assert hook.method == request.method


def _same_added(hook: Webhook, request: HttpRequest) -> bool:
    return urlsplit(hook.url).query in urlsplit(request.url).query


def test_the_names_of_one_contract_are_what_the_simulator_sends_and_the_map_lists() -> None:
    """``callflow.requests_contract`` is the one statement of the names: a tagged POST Gather's
    request carries exactly its query parameters and body keys, and the importer's map of a
    converted Gather lists the same query parameters (a converted command has no tag)."""
    flow = m.Response(children=(
        m.Gather(url="https://ivr.example.com/pin", method="POST", tag="pin",
                 children=(m.Say(content="PIN?"), m.Meta(name="lang", value="fr"))),
    ))  # fmt: skip
    http = Keep()
    simulate(flow, caller=CallerScript(actions=(Press("1"),)), http=http)
    (request,) = http.requests
    sent = [k for k, _ in parse_qsl(urlsplit(request.url).query, keep_blank_values=True)]
    expected = [*contract.GATHER_PARAMS, *contract.CALL_PARAMS, contract.TAG_PARAM]
    assert sent == [*expected, "lang"]  # the Meta last
    assert request.body is not None
    assert list(request.body) == [*contract.BODY_KEYS, *contract.GATHER_BODY_KEYS]
    _, report = convert_twiml(f"<Response>{CASES['pin gather'][0]}</Response>", base_url=BASE)
    (hook,) = report.webhooks
    assert hook.opentact == (*contract.GATHER_PARAMS, *contract.CALL_PARAMS)


def test_redirect_and_twilio_side() -> None:
    _, report = convert_twiml("<Response><Redirect>/next</Redirect></Response>", base_url=BASE)
    (hook,) = report.webhooks
    assert hook.source == "<Redirect>" and "CallSid" in hook.twilio and "Digits" not in hook.twilio


def test_cli_prints_the_map_as_text_and_json(tmp_path: Path) -> None:
    source = tmp_path / "ivr.xml"
    source.write_text(f"<Response>{CASES['one-key gather'][0]}</Response>", encoding="utf-8")
    args = ["import", "twiml", str(source), "--base-url", BASE, "--webhook-map"]
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0
    assert f"{source}:1: <Gather> POST {BASE[:-5]}m" in text.stderr
    assert "Twilio sent:   Digits, FinishedOnKey" in text.stderr
    assert "Opentact sends: Digits, from, tn, call, sca, state" in text.stderr
    data = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).stdout)
    (hook,) = data["files"][0]["webhooks"]
    assert hook["opentact"][0] == "Digits" and hook["method"] == "POST"
    without = json.loads(CliRunner().invoke(cli, [*args[:-1], "--format", "json"]).stdout)
    assert "webhooks" not in without["files"][0]


@pytest.mark.parametrize(
    ("region", "number", "e164"),
    [("us", "(415) 123-4567", "+14151234567"), ("GB", "020 7946 0018", "+442079460018")],
)
def test_region_option_reads_national_numbers(
    tmp_path: Path, region: str, number: str, e164: str
) -> None:
    source = tmp_path / "dial.xml"
    source.write_text(f"<Response><Dial>{number}</Dial></Response>", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "twiml", str(source), "--region", region])
    assert result.exit_code == 0
    assert f"<To>{e164}</To>" in result.stdout


def test_a_national_number_without_region_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "dial.xml"
    source.write_text("<Response><Dial>415-123-4567</Dial></Response>", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "twiml", str(source)])
    assert result.exit_code == 1 and "ambiguous" in result.stderr


def test_a_bad_region_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "dial.xml"
    source.write_text("<Response/>", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "twiml", str(source), "--region", "XX"])
    assert result.exit_code == 2 and "region" in result.stderr
