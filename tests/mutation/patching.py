"""Which functions a mutant changes, so a forked test process can swap their code in place.

A mutant inside a function changes that function's code object and nothing else of the module:
a process that has already imported the module (and collected the tests) can then run the
mutant by replacing ``__code__`` on the live function objects, with no new import. A mutant
anywhere else (module or class level, a default value, a decorator argument) changes what the
import itself computes; that needs the module imported afresh, which only a new process gives.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from types import CodeType


@dataclass(frozen=True)
class Patch:
    """The new code for one function: ``qualname`` and ``firstlineno`` name it."""

    qualname: str
    firstlineno: int
    code: CodeType


class NeedsImport(Exception):
    """The mutant changes code that runs when the module is imported."""


def original_code(source: str, filename: str) -> CodeType:
    """The module compiled through ``ast`` exactly as a mutant is, so unchanged functions
    compare equal to their mutated-module counterparts."""
    tree = ast.parse(source, filename)
    ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec")


def _is_function(code: CodeType) -> bool:
    # A class body is a code object too, but runs at import: only real functions are patched.
    return bool(code.co_flags & 0x02)  # CO_NEWLOCALS: functions, lambdas, comprehensions


def _shell(code: CodeType) -> CodeType:
    """The code with each nested code object replaced by its qualname: equal shells mean the
    code differs, if at all, only inside nested code."""
    consts = tuple(c.co_qualname if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_consts=consts)


def _nested(code: CodeType) -> list[CodeType]:
    return [c for c in code.co_consts if isinstance(c, CodeType)]


def patches(before: CodeType, after: CodeType) -> list[Patch]:
    """The outermost functions whose code differs between two compilations of a module.

    Raises NeedsImport when a difference lies in code that runs at import (module or class
    body), including a change in which functions exist."""
    found: list[Patch] = []

    def walk(old: CodeType, new: CodeType) -> None:
        if old == new:
            return
        if _is_function(old) and _is_function(new) and old.co_qualname == new.co_qualname:
            if old.co_freevars != new.co_freevars or old.co_cellvars != new.co_cellvars:
                raise NeedsImport(f"{old.co_qualname}: closure changed")
            found.append(Patch(old.co_qualname, old.co_firstlineno, new))
            return
        if _shell(old) != _shell(new):
            raise NeedsImport(f"{old.co_qualname}: runs at import")
        old_nested, new_nested = _nested(old), _nested(new)
        if len(old_nested) != len(new_nested):
            raise NeedsImport(f"{old.co_qualname}: nested code changed")
        for o, n in zip(old_nested, new_nested, strict=True):
            walk(o, n)

    walk(before, after)
    if not found:
        raise NeedsImport("no function changed")
    return found


@dataclass(frozen=True)
class Rebind:
    """A module-level mutant placed by running assignments again: ``code`` re-runs the mutated
    top-level assignment and every plain assignment after it (values derived from it), in a
    copy of the module's globals; ``names`` are the globals those statements bind."""

    code: CodeType
    names: tuple[str, ...]


_ASSIGN = (ast.Assign, ast.AnnAssign)


def _bound(stmt: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _reads(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def rebind(mutated: ast.Module, line: int, filename: str) -> Rebind:
    """The assignments to run again for a mutant on ``line`` of the module body: the one
    holding it, then each later top-level assignment that reads a name bound again (a table
    derived from the mutated one), and nothing else.

    Raises NeedsImport unless the statement holding ``line`` is a top-level assignment (a
    mutant in a class body, a default value, a decorator, an augmented assignment or an ``if``
    at module level changes what only a fresh import recomputes)."""
    body = mutated.body
    index = next(
        (i for i, s in enumerate(body) if s.lineno <= line <= (s.end_lineno or s.lineno)), None
    )
    if index is None:
        raise NeedsImport(f"line {line}: not in the module body")
    first = body[index]
    if not isinstance(first, _ASSIGN) or first.value is None:
        raise NeedsImport(f"line {line}: not a top-level assignment")
    again: list[ast.stmt] = [first]
    changed = set(_bound(first))
    for stmt in body[index + 1 :]:
        if isinstance(stmt, _ASSIGN) and stmt.value is not None and _reads(stmt) & changed:
            again.append(stmt)
            changed |= set(_bound(stmt))
    names = tuple(dict.fromkeys(n for s in again for n in _bound(s)))  # type: ignore[arg-type]
    module = ast.Module(body=again, type_ignores=[])
    return Rebind(compile(module, filename, "exec"), names)
