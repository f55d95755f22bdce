"""The mutation runner's own promises (tests/mutation/, docs/testing.md): each kind of mutant
changes behaviour, ids survive edits elsewhere, the equivalents list names real mutants with
reasons, and every core module has candidate tests."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "mutation"
sys.path.insert(0, str(HERE))

import mutate  # noqa: E402
from mutants import list_mutants, mutated_code  # noqa: E402

SOURCE = '''
"""Docstring: never mutated."""
LIMIT = 3


def judge(n: int, flag: bool) -> str:
    """Also never mutated."""
    if n > LIMIT and flag:
        return "big"
    total = n + 1
    if not flag:
        total -= 1
    return f"small {total}"
'''


def _run(mutant_id: str, *args: Any) -> Any:
    space: dict[str, Any] = {}
    exec(mutated_code(SOURCE, "sample.py", mutant_id), space)
    try:
        return space["judge"](*args)
    except Exception as exc:  # a mutant may break the function: that is a difference too
        return type(exc)


def test_every_mutant_compiles_and_is_told_apart_by_some_input() -> None:
    mutants = list_mutants(SOURCE, "sample.py")
    kinds = {m.kind for m in mutants}
    assert {"compare", "boolop", "negate", "drop", "return", "constant", "arith", "string"} <= kinds
    inputs = [(n, flag) for n in range(0, 6) for flag in (True, False)]
    space: dict[str, Any] = {}
    exec(compile(SOURCE, "sample.py", "exec"), space)
    original = [space["judge"](*i) for i in inputs]
    for mutant in mutants:
        changed = [_run(mutant.id, *i) for i in inputs]
        assert changed != original, mutant.id
    assert not any("Docstring" in m.id or "never mutated" in m.id for m in mutants)


def test_ids_do_not_depend_on_line_numbers() -> None:
    moved = "\n\n# a comment and blank lines above\n\n" + SOURCE
    before = [m.id for m in list_mutants(SOURCE, "sample.py")]
    after = list_mutants(moved, "sample.py")
    assert [m.id for m in after] == before
    assert [m.line for m in after] == [m.line + 4 for m in list_mutants(SOURCE, "sample.py")]
    assert len(set(before)) == len(before)


def test_text_of_an_f_string_or_prose_is_a_message_only_mutant() -> None:
    mutants = {m.id: m for m in list_mutants(SOURCE, "sample.py")}
    assert mutants["judge: string 'small '"].message_only
    assert not mutants["judge: string 'big'"].message_only


def test_attribute_docstrings_are_not_mutants_and_lines_name_their_statement() -> None:
    source = (
        "class Plan:\n"
        "    kind: str = 'x'\n"
        '    """What kind of plan: an attribute docstring, no behaviour."""\n'
        "    SLOTS = (\n"
        "        'a',\n"
        "        'b',\n"
        "    )\n"
    )
    mutants = list_mutants(source, "plan.py")
    assert not [m for m in mutants if "attribute docstring" in m.id]
    (b,) = [m for m in mutants if m.id == "Plan: string 'b'"]
    # coverage.py reports the statement by its first line: the runner looks there too
    assert (b.line, b.stmt_line) == (6, 4)


def test_an_unknown_mutant_id_is_refused() -> None:
    with pytest.raises(KeyError):
        mutated_code(SOURCE, "sample.py", "judge: no such change")


def test_every_equivalent_names_a_real_mutant_and_gives_a_reason() -> None:
    data = tomllib.loads((HERE / "equivalents.toml").read_text(encoding="utf-8"))
    for entry in data["equivalent"]:
        source = (ROOT / entry["module"]).read_text(encoding="utf-8")
        assert entry["id"] in {m.id for m in list_mutants(source, entry["module"])}, entry["id"]
        assert mutate.is_core(entry["module"])
        assert len(entry["reason"].split()) >= 8, entry["id"]


def test_every_candidate_pattern_names_test_files_that_exist() -> None:
    table = tomllib.loads((HERE / "modules.toml").read_text(encoding="utf-8"))["tests"]
    empty = [g for globs in table.values() for g in globs if not list(ROOT.glob(g))]
    assert empty == []


def test_every_core_module_has_candidate_tests_that_exist() -> None:
    modules = sorted(
        str(p.relative_to(ROOT))
        for pattern in mutate.CORE
        for p in ROOT.glob(pattern)
        if p.name != "__init__.py" or p.stat().st_size > 0
    )
    assert "simulator/machine.py" in modules and "callflow/convert.py" in modules
    for module in modules:
        tests = mutate.candidate_tests(module)
        assert tests and all((ROOT / t).is_file() for t in tests), module


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="the smoke compares git commits")
def test_the_smoke_with_no_core_module_changed_passes_and_says_so() -> None:
    done = subprocess.run(
        [sys.executable, str(HERE / "mutate.py"), "--smoke", "--since", "HEAD"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no core module changed since HEAD" in done.stdout
