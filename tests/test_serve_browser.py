"""``callflow serve`` in a real browser: Chromium (the system's, ``apt-get install chromium``)
driven by Playwright clicks the keypad of the main-menu example and walks it as ``callflow
simulate --digits 2,1`` does, the current command highlighted in graph and source, then saves
the call as a scenario that ``callflow test`` passes.

Skipped with a reason when Playwright or a Chromium is missing. Everything runs on loopback,
each wait bounded to seconds. ``CALLFLOW_DOCS_SCREENSHOT=1`` also writes the screenshot
``docs/serve.png`` used by the docs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("starlette", reason="the serve extra (starlette) is not installed")
pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser extra is not installed")

from callflow.cli import cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = (
    os.environ.get("CALLFLOW_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000
PROBLEMS = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather dtmf_length="1" timeout="3000" attempts="1">
    <Say lang="en-GB">Press 1 for sales.</Say>
    <DTMF value="1">
      <Dial timeout="20000"><To>+15035550100</To></Dial>
    </DTMF>
  </Gather>
  <Say>Goodbye.</Say>
</Response>
"""
SPEECH_STUB = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", { value: {
  speak: (u) => window.__spoken.push([u.text, u.lang]), cancel: () => {} } });
"""
"""Records what the page asks the browser to say (headless Chromium has no voices)."""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)"
)


@contextmanager
def serving(folder: Path, *options: str) -> Iterator[str]:
    """``callflow serve FOLDER OPTIONS...`` on a free loopback port: its URL."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from callflow.cli import main; main()", "serve", str(folder),
         *options],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=folder.parent,
    )  # fmt: skip
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=30)
    try:
        assert first and "http://127.0.0.1:" in first[0], first
        yield first[0].split(" on ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``callflow serve`` on a copy of the main menu, on a free loopback port: (URL, folder)."""
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "main-menu.xml", folder / "main-menu.xml")
    (folder / "problems.xml").write_text(PROBLEMS, "utf-8")
    with serving(folder) as url:
        yield url, folder


def normal(text: str) -> str:
    return " ".join(text.split())


def test_keypad_walks_the_main_menu_and_saves_a_passing_scenario(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    url, folder = server
    expected = (
        CliRunner()
        .invoke(cli, ["simulate", str(folder / "main-menu.xml"), "--digits", "2,1"])
        .output.splitlines()
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=WAIT_MS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.goto(url)
            page.click("text=main-menu.xml")
            status = page.locator("#status")
            sync_api.expect(status).to_have_text("waiting for keys at line 6")
            page.click("#keypad button[data-key='2']")
            sync_api.expect(status).to_have_text("waiting for keys at line 20")
            page.click("#keypad button[data-key='1']")
            sync_api.expect(status).to_have_text("waiting for keys at line 24")

            rows = page.locator("#transcript li").all_inner_texts()
            assert [normal(r) for r in rows] == [normal(x) for x in expected[: len(rows)]]
            assert normal(rows[-1]).endswith('"If water is leaking, there is no heat, or you '
                                             'smell gas, press 1. For all other repairs, press '
                                             '2." lang=en-US')  # fmt: skip
            current = page.locator("#graph .step.current")
            sync_api.expect(current).to_have_count(1)
            assert current.get_attribute("data-line") == "24"
            assert "Gather maintenance" in (current.text_content() or "")
            sync_api.expect(page.locator("#source .src-line.current")).to_have_attribute(
                "data-line", "24"
            )
            shot = tmp_path / "serve.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            if os.environ.get("CALLFLOW_DOCS_SCREENSHOT"):
                shutil.copy(shot, ROOT / "docs" / "serve.png")

            page.fill("#save-name", "maintenance.yaml")
            page.click("#save")
            sync_api.expect(page.locator("#save-result")).to_have_class("passed")
        finally:
            browser.close()
    saved = folder / "maintenance.yaml"
    assert "press: '2'" in saved.read_text("utf-8")
    result = CliRunner().invoke(cli, ["test", str(saved)])
    assert result.exit_code == 0, result.output


def test_explore_colours_the_graph_and_replays_a_problem_with_speech(
    server: tuple[str, Path],
) -> None:
    url, _ = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=WAIT_MS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.add_init_script(SPEECH_STUB)
            page.goto(url + "?flow=problems.xml")
            sync_api.expect(page.locator("#status")).to_have_text("waiting for keys at line 3")
            assert page.evaluate("window.__spoken") == []  # off by default
            page.check("#audio")
            page.check("#coverage")
            sync_api.expect(page.locator("#explore-summary")).to_contain_text("6 paths")
            sync_api.expect(page.locator("#graph .step.uncovered")).to_have_count(0)
            sync_api.expect(page.locator("#graph .step.covered")).to_have_count(3)
            problem = page.locator("#problems li", has_text="every destination was busy")
            problem.locator("button.replay").click()
            sync_api.expect(page.locator("#status")).to_have_text("the call is over")
            error = page.locator("#transcript li.ev-error")
            sync_api.expect(error).to_contain_text("every destination was busy handled=false")
            sync_api.expect(page.locator("#graph .step.current")).to_have_attribute(
                "data-line", "9"
            )
            assert "replayed: press 1, Dial busy" in page.locator("#notice").inner_text()
            spoken = page.evaluate("window.__spoken")
            assert ["Press 1 for sales.", "en-GB"] in spoken
        finally:
            browser.close()


SILENCE = """flow: problems.xml
caller:
  - silence
expect:
  - say: "Goodbye."
"""


def test_the_graph_is_coloured_by_the_coverage_of_a_test_run(tmp_path: Path) -> None:
    """``callflow serve --coverage FILE``: the toggle colours what the scenarios ran."""
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "problems.xml").write_text(PROBLEMS, "utf-8")
    (folder / "silence.yaml").write_text(SILENCE, "utf-8")
    report = tmp_path / "cov.json"
    run = CliRunner().invoke(cli, ["test", str(folder / "silence.yaml"), "--coverage-json",
                                   str(report)])  # fmt: skip
    assert run.exit_code == 0, run.output
    with serving(folder, "--coverage", str(report)) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=WAIT_MS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.goto(url + "?flow=problems.xml")
            sync_api.expect(page.locator("#status")).to_have_text("waiting for keys at line 3")
            sync_api.expect(page.locator("#tested-file")).to_have_text("cov.json")
            page.check("#tested")
            sync_api.expect(page.locator("#tested-summary")).to_contain_text("cov.json")
            covered = page.locator("#graph .step.covered")
            sync_api.expect(covered).to_have_count(2)
            uncovered = page.locator("#graph .step.uncovered")
            sync_api.expect(uncovered).to_have_count(1)
            assert uncovered.get_attribute("data-line") == "6"  # the Dial: never tested
            assert page.locator("#graph .edge.uncovered").count() >= 1
        finally:
            browser.close()


FETCHES = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Callback url="https://ivr.example.com/next" method="POST" timeout="3000">
    <Error><Say>The service failed.</Say></Error>
  </Callback>
</Response>
"""
TYPED = """<Response>
  <Say>Typed answer.</Say>
  <Dial timeout="20000"><To>+15035550100</To></Dial>
</Response>"""


def test_a_typed_xml_answer_then_a_dial_answered_at_given_times(server: tuple[str, Path]) -> None:
    url, folder = server
    (folder / "fetches.xml").write_text(FETCHES, "utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=WAIT_MS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.goto(url + "?flow=fetches.xml")
            status = page.locator("#status")
            sync_api.expect(status).to_contain_text("requesting https://ivr.example.com/next")
            page.fill("#http-xml", TYPED)
            page.click("#http-send")
            sync_api.expect(status).to_contain_text("dialling +15035550100")
            said = page.locator("#transcript li.ev-say")
            sync_api.expect(said).to_contain_text('"Typed answer."')
            page.fill("#dial-after", "4000")
            page.fill("#dial-talk", "9000")
            page.click("#dial-timed")
            sync_api.expect(status).to_have_text("the call is over")
            ring = page.locator("#transcript li.ev-dial .t").inner_text()
            bridge = page.locator("#transcript li.ev-bridge .t").inner_text()
            hangup = page.locator("#transcript li.ev-hangup .t").inner_text()
            seconds = [_ms(t) for t in (ring, bridge, hangup)]
            assert [seconds[1] - seconds[0], seconds[2] - seconds[1]] == [4000, 9000]
        finally:
            browser.close()


def _ms(clock: str) -> int:
    """``mm:ss.mmm`` (the transcript's virtual clock) in milliseconds."""
    minutes, rest = clock.split(":")
    seconds, millis = rest.split(".")
    return (int(minutes) * 60 + int(seconds)) * 1000 + int(millis)
