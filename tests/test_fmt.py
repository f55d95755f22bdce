"""``callflow fmt``: canonical form, idempotence, refusal of broken files, safe writes."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from corpus import BUNDLED, VALID

from callflow import formatting, fsio
from callflow import model as m
from callflow.cli import cli
from callflow.lint import lint_source
from callflow.parser import parse

LEGACY = VALID / "alias-spellings.xml"
SPELLING_RULES = {"CF150", "CF151", "CF152", "CF153"}
OLD = 1_000_000_000  # an mtime long ago, to see whether a run touched the file


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["fmt", *args])


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.xml"
    shutil.copyfile(LEGACY, path)
    return path


def test_legacy_spellings_become_canonical_and_lint_clean_of_spelling_warnings(
    legacy: Path,
) -> None:
    before = parse(legacy)
    assert SPELLING_RULES & {f.code for f in lint_source(legacy)}
    result = run(str(legacy))
    assert result.exit_code == 0
    assert result.stdout == f"reformatted {legacy}\n"
    text = legacy.read_text(encoding="utf-8")
    assert not SPELLING_RULES & {f.code for f in lint_source(legacy)}
    for old in ("<Switch", "<Case", "<Sip", "<Scheduler", "<callback", "numDigits", "finishOnKey"):
        assert old not in text
    assert parse(legacy) == before
    assert '  <Gather dtmf_length="1"' in text  # two-space indentation


def test_second_run_changes_nothing_and_does_not_touch_the_file(legacy: Path) -> None:
    assert run(str(legacy)).exit_code == 0
    os.utime(legacy, (OLD, OLD))
    data, inode = legacy.read_bytes(), legacy.stat().st_ino
    result = run(str(legacy))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert legacy.read_bytes() == data
    assert legacy.stat().st_mtime == OLD and legacy.stat().st_ino == inode


def test_canonical_bundled_example_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "menu.xml"
    shutil.copyfile(BUNDLED / "main-menu.xml", path)
    os.utime(path, (OLD, OLD))
    assert run(str(path)).exit_code == 0
    assert path.read_bytes() == (BUNDLED / "main-menu.xml").read_bytes()
    assert path.stat().st_mtime == OLD


def test_check_lists_files_that_would_change_writes_nothing_and_exits_1(
    legacy: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean.xml"
    shutil.copyfile(BUNDLED / "voicemail.xml", clean)
    data = legacy.read_bytes()
    result = run("--check", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout == f"would reformat {legacy}\n"
    assert legacy.read_bytes() == data
    assert run(str(legacy)).exit_code == 0
    assert run("--check", str(tmp_path)).exit_code == 0


def test_file_with_errors_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    text = "<Response>\n<Scheduler dow='mon'><Hangup/><Say>late</Say></Scheduler>\n</Response>"
    path.write_text(text)
    os.utime(path, (OLD, OLD))
    result = run(str(path))
    assert result.exit_code == 1
    assert "CF101 error" in result.stderr and "not formatted" in result.stderr
    assert path.read_text() == text and path.stat().st_mtime == OLD


def test_file_that_does_not_parse_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(b"<Response><Say>x</Response>")
    result = run(str(path))
    assert result.exit_code == 1
    assert "CF001" in result.stderr
    assert path.read_bytes() == b"<Response><Say>x</Response>"


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.xml"))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.output


def test_file_mode_is_kept(legacy: Path) -> None:
    legacy.chmod(0o640)
    assert run(str(legacy)).exit_code == 0
    assert stat.S_IMODE(legacy.stat().st_mode) == 0o640


def test_a_symlink_stays_a_link_and_its_target_is_formatted(legacy: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.xml"
    link.symlink_to(legacy)
    assert run(str(link)).exit_code == 0
    assert link.is_symlink()
    assert "<Switch" not in legacy.read_text()


def test_comments_are_preserved_in_order(tmp_path: Path) -> None:
    path = tmp_path / "commented.xml"
    path.write_text(
        "<!-- before -->\n<Response>\n<!-- first -->\n"
        "<Gather numDigits='1'><Say>x</Say><!-- in gather -->\n"
        "<Switch><!-- in switch --><Case dtmf='1'><Hangup/></Case></Switch></Gather>\n"
        "</Response>\n<!-- after -->\n"
    )
    assert run(str(path)).exit_code == 0
    text = path.read_text()
    positions = [
        text.index(f"<!-- {c} -->") for c in ("before", "first", "in gather", "in switch", "after")
    ]
    assert positions == sorted(positions)
    assert "numDigits" not in text and "<Switch" not in text


def test_a_rewrite_that_would_change_the_meaning_is_refused(
    legacy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lossy(model: m.Response, pretty: bool = True) -> str:
        return "<Response><Hangup/></Response>"

    monkeypatch.setattr(formatting, "to_xml", lossy)
    data = legacy.read_bytes()
    result = run(str(legacy))
    assert result.exit_code == 1
    assert "would not mean the same" in result.stderr
    assert legacy.read_bytes() == data


def test_atomic_write_leaves_the_original_and_no_temp_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "flow.xml"
    path.write_bytes(b"old")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        fsio.atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flow.xml"]


def test_atomic_write_creates_a_new_file_with_the_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.xml"
    fsio.atomic_write(path, b"<Response/>")
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_bytes() == b"<Response/>"
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
