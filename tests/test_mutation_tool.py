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


# -- the forked session: code swapped in place, module-level values bound again ---------------

PATCHED = """
TABLE = {"a": 1, "b": 2}
DERIVED = sorted(TABLE)
UNRELATED = [0]


def outer(n):
    def inner(k):
        return k + 1
    return inner(n) * 2


class Box:
    SIZE = 3

    def size(self):
        return self.SIZE > 2
"""


def _mutant_of(fragment: str) -> int:
    ids = [m.id for m in list_mutants(PATCHED, "patched.py")]
    hits = [i for i, mutant_id in enumerate(ids) if fragment in mutant_id]
    assert len(hits) == 1, (fragment, ids)
    return hits[0]


def test_a_mutant_inside_a_function_is_a_patch_of_its_outermost_function() -> None:
    from mutants import mutated_code_at
    from patching import original_code, patches

    before = original_code(PATCHED, "patched.py")
    inner = mutated_code_at(PATCHED, "patched.py", _mutant_of("outer.inner: k + 1: + -> -"))
    method = mutated_code_at(PATCHED, "patched.py", _mutant_of("Box.size: self.SIZE > 2: >"))
    [patch] = patches(before, inner)  # type: ignore[arg-type]
    assert (patch.qualname, patch.firstlineno) == ("outer", 7)
    func = _load(PATCHED)["outer"]
    assert func(1) == 4
    func.__code__ = patch.code
    assert func(1) == 0  # (1 - 1) * 2: the nested function runs mutated too
    [patch] = patches(before, method)  # type: ignore[arg-type]
    assert patch.qualname == "Box.size"


def _load(source: str) -> dict[str, Any]:
    space: dict[str, Any] = {}
    exec(compile(source, "patched.py", "exec"), space)
    return space


def test_module_and_class_level_mutants_need_the_import_or_a_rebind() -> None:
    import ast

    from mutants import mutated_code_at, mutated_tree_at
    from patching import NeedsImport, original_code, patches, rebind

    before = original_code(PATCHED, "patched.py")
    for fragment in ("<module>: string 'a'", "Box: 3 -> 4"):
        index = _mutant_of(fragment)
        with pytest.raises(NeedsImport):
            patches(before, mutated_code_at(PATCHED, "patched.py", index))  # type: ignore[arg-type]
    tree = mutated_tree_at(PATCHED, "patched.py", _mutant_of("<module>: string 'a'"))
    again = rebind(tree, 2, "patched.py")
    assert again.names == ("TABLE", "DERIVED")  # UNRELATED is not run again
    space = _load(PATCHED)
    exec(again.code, space)
    assert space["DERIVED"] == ["XXaXX", "b"]
    class_tree = mutated_tree_at(PATCHED, "patched.py", _mutant_of("Box: 3 -> 4"))
    assert isinstance(class_tree, ast.Module)
    with pytest.raises(NeedsImport):
        rebind(class_tree, 15, "patched.py")


def test_the_forked_session_gives_the_verdicts_of_fresh_processes(tmp_path: Path) -> None:
    """Four mutants whose verdicts a fresh-process run gave (2026-12-06): a rule's constant
    (killed), its hint text (survives the one test), a table string read at import (killed: the
    import fails) and a voice name no chosen test reads (survives)."""
    import json
    import os

    tone, voices = "callflow/rules/tone.py", "callflow/importers/voices.py"
    rule_test = "tests/test_rules.py::test_rule_case[CF116-line2_0]"
    voice_test = "tests/test_import_twiml_report.py::test_a_google_voice_of_unknown_gender_says_so"
    jobs = [
        (tone, "tone_no_length: 1000 -> 1001", 32, rule_test, "killed"),
        (tone, "tone_no_length: string 'give don for a beep, e.g. don=\"300\", or '", 37,
         rule_test, "survived"),
        (voices, "<module>: string 'FMFMFFM'", 82, voice_test, "killed"),
        (voices, "<module>: string 'Aditi'", 39, voice_test, "survived"),
    ]  # fmt: skip
    out = tmp_path / "out.json"
    spec = {
        "modules": [tone, voices],
        "parallel": 2,
        "out": str(out),
        "jobs": [
            {"key": mid, "module": mod, "mutant": mid, "line": line, "tests": [t], "budget": 60}
            for mod, mid, line, t, _ in jobs
        ],
    }
    (tmp_path / "jobs.json").write_text(json.dumps(spec), encoding="utf-8")
    env = mutate._env(
        CALLFLOW_MUTATION_FORK=str(tmp_path / "jobs.json"),
        CALLFLOW_MUTATION_TARGET=os.pathsep.join([tone, voices]),
    )
    done = subprocess.run(
        [*mutate.PYTEST, "-s", rule_test, voice_test],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert out.exists(), done.stdout[-2000:] + done.stderr[-2000:]
    outcomes = json.loads(out.read_text(encoding="utf-8"))
    assert {k: v["status"] for k, v in outcomes.items()} == {mid: s for _, mid, _, _, s in jobs}
    assert outcomes["<module>: string 'FMFMFFM'"]["by"].startswith("import: KeyError")


def test_a_mutant_that_does_not_compile_is_invalid_and_not_counted() -> None:
    source = "def f():\n    n = 1\n\n    def g():\n        nonlocal n\n        n += 1\n\n"
    source += "    g()\n    return n\n"
    drop = next(m for m in list_mutants(source, "n.py") if m.id == "f: drop n = 1")
    with pytest.raises(SyntaxError):
        mutated_code(source, "n.py", drop.id)
    report = mutate.Report(
        "n.py", 2, [mutate.Outcome(drop, "invalid"), mutate.Outcome(drop, "killed")]
    )
    assert report.score() == "1/1 = 100%"


def test_a_survivor_the_fork_may_have_missed_is_judged_again_in_a_fresh_process() -> None:
    """A mutant placed by running module assignments again, or on a line that runs at import,
    can be seen only by a fresh import (a decorator's argument, a table a function builds):
    surviving the forked session is not a verdict for it. A kill is."""
    mutant = list_mutants(SOURCE, "sample.py")[0]

    def job(at_import: bool) -> Any:
        return mutate._Job("m.py", mutant, ["t"], 1.0, False, at_import)

    def outcome(status: str, by: str = "") -> Any:
        return mutate.Outcome(mutant, status, 0.0, by)

    assert mutate._needs_fresh(job(False), outcome("survived", "rebound"))
    assert mutate._needs_fresh(job(True), outcome("survived"))
    assert mutate._needs_fresh(job(False), outcome("needs-import"))
    assert mutate._needs_fresh(job(False), None)
    assert not mutate._needs_fresh(job(False), outcome("survived"))
    assert not mutate._needs_fresh(job(True), outcome("killed", "tests/x.py::t"))
