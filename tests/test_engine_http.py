"""Engine: Callback, Curl and Gather url through a resolver; requests as Opentact sends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from callflow import parse
from simulator import (
    CallContext,
    CallerScript,
    CallResult,
    Canned,
    CannedResolver,
    HttpAnswer,
    HttpRequest,
    Press,
    simulate,
)
from simulator.http import without_query

NEXT = "<Response><Say>from the server</Say><Hangup/></Response>"


@dataclass
class Recorder:
    """Answers from a table like CannedResolver and keeps every request it saw."""

    answers: dict[str, HttpAnswer] = field(default_factory=dict)
    requests: list[HttpRequest] = field(default_factory=list)

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        self.requests.append(request)
        return self.answers.get(without_query(request.url), HttpAnswer(error="down"))


def run(xml: str, http: object = None, *actions: Press, **context: object) -> CallResult:
    flow = parse(f"<Response>{xml}</Response>")
    return simulate(flow, caller=CallerScript(actions=actions), http=http,  # type: ignore[arg-type]
                    context=CallContext(**context))  # type: ignore[arg-type]  # fmt: skip


def said(result: CallResult) -> list[str]:
    return [str(e.data["text"]) for e in result.of_kind("say")]


def test_callback_replaces_the_rest_of_the_document() -> None:
    http = CannedResolver({"https://ivr.example.com/next": Canned(xml=NEXT)})
    result = run("<Say>before</Say><Callback url='https://ivr.example.com/next'/><Say>never</Say>",
                 http)  # fmt: skip
    assert said(result) == ["before", "from the server"]
    fetched = result.of_kind("say")[1]
    assert fetched.file == "https://ivr.example.com/next"
    assert fetched.line == 1
    assert result.of_kind("http")[0].data["status"] == 200
    assert result.result == "hangup"


def test_fetched_document_runs_from_its_start_even_from_deep_inside_a_block() -> None:
    http = CannedResolver({"https://ivr.example.com/next": Canned(xml=NEXT)})
    xml = (
        "<Gather><DTMF value='1'><Callback url='https://ivr.example.com/next'/>"
        "<Say>never in block</Say></DTMF></Gather><Say>never after</Say>"
    )
    result = run(xml, http, Press("1"))
    assert said(result) == ["from the server"]


def test_callback_answer_from_a_file(tmp_path: Path) -> None:
    answer = tmp_path / "next.xml"
    answer.write_text(NEXT, encoding="utf-8")
    http = CannedResolver({"https://ivr.example.com/next": Canned(file=answer)})
    assert run("<Callback url='https://ivr.example.com/next'/>", http).said("from the server")


def _callback_failure(http: object) -> CallResult:
    xml = (
        "<Callback url='https://ivr.example.com/next'><Error><Say>handler</Say></Error></Callback>"
        "<Say>goes on</Say>"
    )
    return run(xml, http)


def test_callback_without_a_canned_answer_fails_as_if_down() -> None:
    result = _callback_failure(None)
    assert said(result) == ["handler", "goes on"]
    http_event = result.of_kind("http")[0]
    assert "error" in http_event.data and "status" not in http_event.data
    assert result.of_kind("error")[0].data["handled"] is True


def test_callback_non_2xx_fails() -> None:
    http = CannedResolver({"https://ivr.example.com/next": Canned(xml=NEXT, status=503)})
    result = _callback_failure(http)
    assert said(result) == ["handler", "goes on"]
    assert result.of_kind("http")[0].data["status"] == 503
    assert "503" in result.of_kind("error")[0].data["reason"]


def test_callback_invalid_document_fails() -> None:
    for text in ("<Response><Bogus/></Response>", "<Response>", "not xml at all", ""):
        http = CannedResolver({"https://ivr.example.com/next": Canned(xml=text)})
        assert said(_callback_failure(http)) == ["handler", "goes on"], text


def test_callback_timeout_fails_and_takes_the_timeout() -> None:
    http = CannedResolver({"https://ivr.example.com/next": Canned(timeout=True)})
    xml = "<Callback url='https://ivr.example.com/next' timeout='2500'/><Say>after</Say>"
    result = run(xml, http)
    assert result.of_kind("say")[0].t == 2500
    assert result.of_kind("error")[0].data["handled"] is False


def test_slow_answer_beyond_the_timeout_is_a_timeout() -> None:
    http = Recorder({"https://x.example/a": HttpAnswer(200, NEXT, elapsed_ms=9000)})
    result = run("<Callback url='https://x.example/a' timeout='3000'/><Say>after</Say>", http)
    assert said(result) == ["after"]
    assert result.of_kind("say")[0].t == 3000


def test_a_resolver_that_raises_is_a_failed_request() -> None:
    class Broken:
        def resolve(self, request: HttpRequest) -> HttpAnswer:
            raise RuntimeError("boom")

    result = run("<Curl url='https://x.example/a'/><Say>after</Say>", Broken())
    assert "boom" in result.of_kind("error")[0].data["reason"]
    assert said(result) == ["after"]


def test_curl_goes_on_and_its_answer_does_not_change_the_flow() -> None:
    http = Recorder({"https://api.example.com/hook": HttpAnswer(200, NEXT)})
    result = run("<Curl url='https://api.example.com/hook'/><Say>next</Say>", http)
    assert said(result) == ["next"]
    assert len(http.requests) == 1


def test_curl_failure_runs_error() -> None:
    xml = "<Curl url='https://api.example.com/hook'><Error><Say>curl failed</Say></Error></Curl>"
    assert said(run(xml, Recorder())) == ["curl failed"]


def test_callback_and_curl_requests_carry_the_call_fields_meta_and_tag() -> None:
    http = Recorder({"https://api.example.com/hook": HttpAnswer(204)})
    xml = (
        "<Curl url='https://api.example.com/hook?token=abc' method='post' body='true' tag='start'>"
        "<Meta name='campaign' value='winter'/><Meta name='count' value='3'/>"
        "<Meta name='vip'>true</Meta><Meta name='from' value='spoof'/></Curl>"
    )
    run(xml, http, from_="+12125550100", to="+18005550199")
    request = http.requests[0]
    assert request.method == "POST"
    assert request.command == "Curl"
    query = parse_qs(urlsplit(request.url).query)
    assert query["token"] == ["abc"]
    assert query["from"] == ["+12125550100"]
    assert query["tn"] == ["+18005550199"]
    assert query["tag"] == ["start"]
    assert query["campaign"] == ["winter"]
    assert set(query) >= {"call", "sca", "state"}
    assert request.body is not None
    assert request.body["meta"] == {"campaign": "winter", "count": 3, "vip": True, "from": "spoof"}
    assert request.body["call"]["from"] == "+12125550100"


def test_get_without_body_sends_no_body() -> None:
    http = Recorder({"https://api.example.com/hook": HttpAnswer(200)})
    run("<Curl url='https://api.example.com/hook'/>", http)
    assert http.requests[0].body is None
    assert http.requests[0].method == "GET"


GATHER = (
    "<Gather dtmf_length='4' url='https://ivr.example.com/pin?lang=en' method='{method}'"
    " tag='pin' attempts='2'><Say>Enter your PIN.</Say><Meta name='menu' value='staff'/>"
    "<Error><Say>lookup failed</Say></Error></Gather><Say>after gather</Say>"
)


def test_gather_url_request_carries_the_query_params_the_spec_lists() -> None:
    http = Recorder({"https://ivr.example.com/pin": HttpAnswer(200, NEXT)})
    result = run(GATHER.format(method="GET"), http, Press(""), Press("1234"))
    query = parse_qs(urlsplit(http.requests[0].url).query)
    assert query["lang"] == ["en"]
    assert query["dtmf"] == ["1234"]
    assert query["attempts"] == ["2"]
    assert query["success"] == ["true"]
    assert query["from"] == ["+12125550100"]
    assert query["tn"] == ["+18005550199"]
    assert query["call"] == [CallContext().call_uuid]
    assert query["sca"] == [CallContext().app_uuid]
    assert query["state"] == ["live"]
    assert query["tag"] == ["pin"]
    assert query["menu"] == ["staff"]
    assert http.requests[0].body is None
    assert said(result) == ["Enter your PIN.", "Enter your PIN.", "from the server"]
    assert result.of_kind("http")[0].data["url"] == http.requests[0].url


def test_gather_url_post_sends_call_data_and_history() -> None:
    http = Recorder({"https://ivr.example.com/pin": HttpAnswer(200, NEXT)})
    run(GATHER.format(method="POST"), http, Press(""), Press("1234"))
    body = http.requests[0].body
    assert body is not None
    assert body["dtmf"] == "1234"
    assert body["history"] == [
        {"attempt": 1, "dtmf": "", "success": False},
        {"attempt": 2, "dtmf": "1234", "success": True},
    ]
    assert body["meta"] == {"menu": "staff"}
    assert body["call"]["uuid"] == CallContext().call_uuid


def test_gather_url_failure_runs_the_gathers_error_and_goes_on() -> None:
    result = run(GATHER.format(method="GET"), Recorder(), Press("1234"))
    assert said(result) == ["Enter your PIN.", "lookup failed", "after gather"]


def test_gather_url_is_not_called_without_input() -> None:
    http = Recorder({"https://ivr.example.com/pin": HttpAnswer(200, NEXT)})
    result = run(GATHER.format(method="GET"), http)
    assert http.requests == []
    assert "lookup failed" in said(result)


def test_gather_url_wins_over_dtmf_blocks() -> None:
    http = Recorder({"https://x.example/g": HttpAnswer(200, NEXT)})
    xml = "<Gather url='https://x.example/g'><DTMF value='1'><Say>block</Say></DTMF></Gather>"
    assert said(run(xml, http, Press("1"))) == ["from the server"]
