"""One answer to "is this a URL Opentact can fetch?" (``callflow.urls``): lint's CF130, the
TwiML importer's ``--base-url`` and the simulator's ``--base-url`` all ask it, ports included."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from callflow.cli import cli
from callflow.lint import lint_source
from callflow.urls import url_problem
from simulator.resolvers.urls import check_base_url

CB = "https://ivr.example.com/next"


def _cf130(body: str) -> list[str]:
    doc = f"<Response>{body}<Callback url='{CB}'/></Response>"
    return [f"{f.message} ({f.hint})" for f in lint_source(doc) if f.code == "CF130"]


@pytest.mark.parametrize(
    "body",
    [
        '<Play url="https://audio.example:65536/hi.mp3"/>',
        "<Play>https://audio.example:70000/hi.mp3</Play>",
        '<Curl url="http://api.example:0/x"><Error/></Curl>',
        '<Callback url="http://ivr.example:http/next"/>',
        '<Gather url="https://[::1]:99999/g"><Say>x</Say><Error/></Gather>',
    ],
)
def test_a_url_with_an_impossible_port_is_a_lint_finding(body: str) -> None:
    (message,) = _cf130(body)
    assert "invalid port" in message and "write a port from 1 to 65535" in message


def test_a_valid_port_lints_clean() -> None:
    assert _cf130('<Play url="https://audio.example:65535/hi.mp3"/>') == []
    assert _cf130('<Play url="http://[::1]:8080/hi.mp3"/>') == []


@given(st.integers(min_value=0, max_value=10**6))
def test_every_port_is_judged_by_its_range(port: int) -> None:
    problem = url_problem(f"https://ivr.example.com:{port}/next")
    assert (problem is None) == (1 <= port <= 65535)


_URLISH = st.text(alphabet="htps:/[]@.:0123456789abx-?#%", max_size=30)


@given(st.one_of(_URLISH, _URLISH.map(lambda s: "http://" + s)))
def test_lint_and_the_simulator_agree_on_every_url(url: str) -> None:
    """A base URL the simulator takes is one lint accepts, and the other way round (the
    simulator only also refuses a query or fragment in a base)."""
    try:
        check_base_url(url)
        simulator_ok = True
    except ValueError as exc:
        simulator_ok = False
        assert "invalid base URL" in str(exc)
    if url_problem(url) is not None:
        assert not simulator_ok
    elif "?" not in url and "#" not in url:
        assert simulator_ok


@pytest.mark.parametrize(
    ("command", "doc"),
    [("simulate", "<Response><Say>hi</Say></Response>"),
     ("import twiml", "<Response><Say>hi</Say></Response>")],
)  # fmt: skip
def test_base_url_options_refuse_an_impossible_port(command: str, doc: str, tmp_path: Path) -> None:
    flow = tmp_path / "f.xml"
    flow.write_text(doc)
    args = [*command.split(), str(flow), "--base-url", "https://ivr.example:99999/"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "99999" in result.output, result.output
