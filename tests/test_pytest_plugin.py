"""The pytest plugin, as a user meets it: installed by entry point, used from their own tests."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

MENU = """\
<Response>
  <Gather dtmf_length="1" timeout="5000">
    <Say>For support press 1. For sales press 2.</Say>
    <DTMF value="1">
      <Say>Connecting you to support.</Say>
      <Dial><To>+15045550111</To><To>sip:desk@example.org</To></Dial>
    </DTMF>
    <DTMF value="2">
      <Callback url="https://api.example.com/sales"/>
    </DTMF>
    <Error><Say>We did not hear you.</Say></Error>
  </Gather>
  <Say>Goodbye.</Say>
</Response>
"""

HOURS = """\
<Response>
  <Schedule dow="mon,tue,wed,thu,fri" time="09:00:00-17:00:00">
    <Say>We are open.</Say>
    <Hangup/>
  </Schedule>
  <Say>We are closed.</Say>
</Response>
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: flows in a sub-folder next to their tests."""
    flows = pytester.mkdir("flows")
    (flows / "menu.xml").write_text(MENU, encoding="utf-8")
    (flows / "hours.xml").write_text(HOURS, encoding="utf-8")
    (flows / "sales.xml").write_text("<Response><Say>Sales here.</Say></Response>", "utf-8")
    return pytester


def test_fixture_simulates_calls_relative_to_the_test_file(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_ivr="""
        def test_support(simulate_call):
            call = simulate_call("flows/menu.xml", digits=["1"])
            assert call.said("support")
            assert call.dialled("+15045550111")
            assert call.bridged() == "+15045550111"
            assert call.result == "hangup"

        def test_silence_then_goodbye(callflow_sim):
            call = callflow_sim("flows/menu.xml", digits=[""])
            assert call.said("did not hear")
            assert call.said("goodbye")
            assert not call.dialled("+15045550111")

        def test_dial_outcomes_and_http(simulate_call):
            busy = simulate_call("flows/menu.xml", digits="1", dial_default="busy")
            assert [e.data["outcome"] for e in busy.of_kind("dial.failed")] == ["busy"]
            sales = simulate_call("flows/menu.xml", digits=["2"],
                                  http={"https://api.example.com/sales": "flows/sales.xml"})
            assert sales.said("sales here")
            inline = simulate_call("flows/menu.xml", digits=["2"],
                                   http={"https://api.example.com/sales":
                                         "<Response><Say>Inline.</Say></Response>"})
            assert inline.said("inline")

        def test_at_and_tz(simulate_call):
            # Monday 10:00 in New York is 15:00 UTC: open there, closed by the UTC clock
            ny = simulate_call("flows/hours.xml", at="2026-01-05T10:00:00",
                               tz="America/New_York")
            assert ny.said("we are open")
            utc = simulate_call("flows/hours.xml", at="2026-01-05T18:00:00")
            assert utc.said("we are closed")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_a_failed_assertion_shows_the_transcript(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_ivr="""
        def test_wrong(simulate_call):
            call = simulate_call("flows/menu.xml", digits=["2"])
            assert call.said("support desk")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*simulated call 1: flows/menu.xml*",
        '*L3*say*"For support press 1. For sales press 2."*',
        "*L9*http*GET https://api.example.com/sales?*-> failed*",
        "*result: hangup after*",
    ])  # fmt: skip


def test_a_flow_with_lint_errors_fails_with_its_findings(project: pytest.Pytester) -> None:
    project.path.joinpath("flows", "dup.xml").write_text(
        '<Response>\n<Gather>\n<Say>x</Say>\n<DTMF value="1"/>\n<DTMF value="1"/>\n'
        "</Gather>\n</Response>\n",
        encoding="utf-8",
    )
    project.makepyfile(
        test_ivr="""
        def test_dup(simulate_call):
            simulate_call("flows/dup.xml", digits=["1"])
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*flows/dup.xml cannot be simulated*", "*dup.xml:5:*error*"])


def test_scenario_files_from_tests(project: pytest.Pytester) -> None:
    project.path.joinpath("flows", "ok.yaml").write_text(
        "flow: menu.xml\ncaller:\n  - press: '1'\nexpect:\n  - say: support\n  - ends: hangup\n",
        encoding="utf-8",
    )
    project.path.joinpath("flows", "bad.yaml").write_text(
        "flow: menu.xml\ncaller:\n  - press: '2'\nexpect:\n  - say: support\n  - dial: '+1'\n",
        encoding="utf-8",
    )
    project.makepyfile(
        test_ivr="""
        def test_ok(simulate_call):
            assert simulate_call.scenario("flows/ok.yaml").said("support")

        def test_bad(simulate_call):
            simulate_call.scenario("flows/bad.yaml")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*scenario flows/bad.yaml failed*", "*step 2 (line 6) dial*"])


def test_a_scenario_backend_that_cannot_open_fails_the_test_cleanly(
    project: pytest.Pytester,
) -> None:
    project.path.joinpath("flows", "app.yaml").write_text(
        "flow: menu.xml\ncaller:\n  - press: '2'\n"
        "http:\n  https://api.example.com/: {app: 'no_such_module_here:app'}\n",
        encoding="utf-8",
    )
    project.makepyfile(
        test_ivr="""
        def test_app(simulate_call):
            simulate_call.scenario("flows/app.yaml")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*app.yaml:5:*SC006*no_such_module_here*"])
    result.stdout.no_fnmatch_line("*ScenarioError*")  # a clean failure, not a raised exception
