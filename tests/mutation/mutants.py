"""Seeded mutants of one Python module, made with the ``ast`` module.

A mutant is one small change a bug could make: a flipped comparison, a negated condition, a
dropped statement, ``return None`` for a value, a changed constant, ``+`` for ``-``. Each has an
id that survives edits elsewhere in the file (the enclosing function's qualified name, what
changed, and an ordinal among identical changes there), so the equivalents list does not rot
when lines move. The same walk that lists the mutants applies one: the k-th site of a fresh
parse is the k-th site listed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Apply = Callable[[], None]

_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SYMBOL = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_ARITH: dict[type[ast.operator], tuple[type[ast.operator], str]] = {
    ast.Add: (ast.Sub, "+ -> -"),
    ast.Sub: (ast.Add, "- -> +"),
    ast.Mult: (ast.FloorDiv, "* -> //"),
    ast.FloorDiv: (ast.Mult, "// -> *"),
}
_DROPPABLE = (
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Raise,
    ast.Continue,
    ast.Break,
    ast.Delete,
)


@dataclass(frozen=True)
class Mutant:
    """One change to one module: ``id`` is stable, ``line`` is where it is today."""

    id: str
    line: int
    end_line: int
    kind: str
    message_only: bool
    stmt_line: int = 0
    """First line of the statement holding the change: coverage.py reports lines by it."""


def _short(node: ast.AST, width: int = 48) -> str:
    text = ast.unparse(node).splitlines()[0] if ast.unparse(node) else ""
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass
class _Site:
    qualname: str
    node: ast.AST
    kind: str
    desc: str
    message_only: bool
    apply: Apply
    stmt_line: int = 0


def _is_docstring(body: list[ast.stmt], stmt: ast.stmt) -> bool:
    return (
        body
        and body[0] is stmt
        and isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    ) is True


def _sites(tree: ast.Module) -> Iterator[_Site]:
    yield from _walk(tree, "<module>", False)


def _walk(node: ast.AST, qualname: str, in_func: bool, stmt_line: int = 0) -> Iterator[_Site]:
    """Sites in source order; statements are dropped only inside functions (dropping a
    module or class level definition breaks the import, which every test notices)."""
    if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
        return
    if isinstance(node, ast.stmt):
        stmt_line = node.lineno
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        inner = node.name if qualname == "<module>" else f"{qualname}.{node.name}"
        if not isinstance(node, ast.ClassDef):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    yield from _walk(default, qualname, in_func, stmt_line)
        else:
            for base in node.bases:
                yield from _walk(base, qualname, in_func, stmt_line)
        body_in_func = not isinstance(node, ast.ClassDef)
        if body_in_func:
            yield from _body_sites(node.body, inner)
        for stmt in node.body:
            if not _is_docstring(node.body, stmt):
                yield from _walk(stmt, inner, body_in_func)
        return
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return  # a docstring of a module, class, function or attribute: no behaviour
    for site in _node_sites(node, qualname):
        site.stmt_line = stmt_line
        yield site
    for field, value in ast.iter_fields(node):
        if field in {"annotation", "returns", "type_comment"}:
            continue
        if isinstance(node, ast.AnnAssign) and field == "target":
            continue
        if isinstance(value, list):
            if in_func and value and isinstance(value[0], ast.stmt):
                yield from _body_sites(value, qualname)
            for item in value:
                docstring = isinstance(node, ast.Module) and _is_docstring(value, item)
                if isinstance(item, ast.AST) and not docstring:
                    yield from _walk(item, qualname, in_func, stmt_line)
        elif isinstance(value, ast.AST):
            yield from _walk(value, qualname, in_func, stmt_line)


def _body_sites(body: list[ast.stmt], qualname: str) -> Iterator[_Site]:
    for index, stmt in enumerate(body):
        if _is_docstring(body, stmt):
            continue
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            if isinstance(stmt.value, ast.Constant) and stmt.value.value is None:
                continue

            def none(stmt: ast.Return = stmt) -> None:
                stmt.value = ast.Constant(None)

            yield _Site(qualname, stmt, "return", f"return None for {_short(stmt)}", False, none)
        elif isinstance(stmt, _DROPPABLE):
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                continue

            def drop(body: list[ast.stmt] = body, index: int = index) -> None:
                body[index] = ast.copy_location(ast.Pass(), body[index])

            yield _Site(qualname, stmt, "drop", f"drop {_short(stmt)}", False, drop)


def _node_sites(node: ast.AST, qualname: str) -> Iterator[_Site]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swapped = _SWAP.get(type(op))
            if swapped is None:
                continue
            desc = f"{_short(node)}: {_SYMBOL[type(op)]} -> {_SYMBOL[swapped]}"

            def flip(node: ast.Compare = node, i: int = i, new: type[ast.cmpop] = swapped) -> None:
                node.ops[i] = new()

            yield _Site(qualname, node, "compare", desc, False, flip)
    elif isinstance(node, ast.BoolOp):
        new_op: type[ast.boolop] = ast.Or if isinstance(node.op, ast.And) else ast.And
        desc = f"{_short(node)}: {'and -> or' if new_op is ast.Or else 'or -> and'}"

        def swap(node: ast.BoolOp = node, new: type[ast.boolop] = new_op) -> None:
            node.op = new()

        yield _Site(qualname, node, "boolop", desc, False, swap)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        new_bin, text = _ARITH[type(node.op)]
        if not _is_str_concat(node):

            def arith(node: ast.BinOp = node, new: type[ast.operator] = new_bin) -> None:
                node.op = new()

            yield _Site(qualname, node, "arith", f"{_short(node)}: {text}", False, arith)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        desc = f"{_short(node)}: drop not"
        yield _Site(qualname, node, "negate", desc, False, _unnot(node))
    elif isinstance(node, ast.Constant):
        yield from _constant_sites(node, qualname)
    if isinstance(node, ast.If | ast.While | ast.IfExp):
        desc = f"negate {_short(node.test)}"

        def negate(node: ast.If | ast.While | ast.IfExp = node) -> None:
            node.test = ast.UnaryOp(ast.Not(), node.test)

        yield _Site(qualname, node, "negate", desc, False, negate)


def _unnot(node: ast.UnaryOp) -> Apply:
    def apply() -> None:
        # ``not x`` becomes ``not not x``: the truth of ``x``, without needing the parent node.
        node.operand = ast.UnaryOp(ast.Not(), node.operand)

    return apply


def _is_str_concat(node: ast.BinOp) -> bool:
    return any(
        isinstance(side, ast.Constant | ast.JoinedStr)
        and (isinstance(side, ast.JoinedStr) or isinstance(side.value, str))
        for side in (node.left, node.right)
    )


def _constant_sites(node: ast.Constant, qualname: str) -> Iterator[_Site]:
    value = node.value
    if isinstance(value, bool):

        def flip(node: ast.Constant = node) -> None:
            node.value = not node.value

        yield _Site(qualname, node, "constant", f"{value} -> {not value}", False, flip)
    elif isinstance(value, int):

        def bump(node: ast.Constant = node) -> None:
            node.value = node.value + 1

        yield _Site(qualname, node, "constant", f"{value} -> {value + 1}", False, bump)
    elif isinstance(value, str) and value:
        message = " " in value.strip()

        def change(node: ast.Constant = node) -> None:
            node.value = "XX" + node.value + "XX"

        desc = f"string {value[:40]!r}"
        yield _Site(qualname, node, "string", desc, message, change)


def _parse(source: str, filename: str) -> ast.Module:
    return ast.parse(source, filename)


def _strings_in_fstrings(tree: ast.Module) -> set[int]:
    """Constants inside f-strings: text of a message, never a value the code branches on."""
    return {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
        if isinstance(part, ast.Constant)
    }


def list_mutants(source: str, filename: str = "<module>") -> list[Mutant]:
    """Every mutant of ``source``, in a fixed order, each with a stable id."""
    tree = _parse(source, filename)
    in_fstrings = _strings_in_fstrings(tree)
    seen: dict[str, int] = {}
    found = []
    for site in _sites(tree):
        base = f"{site.qualname}: {site.desc}"
        seen[base] = seen.get(base, 0) + 1
        mutant_id = base if seen[base] == 1 else f"{base} #{seen[base]}"
        line = getattr(site.node, "lineno", 0)
        end = getattr(site.node, "end_lineno", line) or line
        message = site.message_only or id(site.node) in in_fstrings
        stmt = site.stmt_line or line
        found.append(Mutant(mutant_id, line, end, site.kind, message, min(stmt, line)))
    return found


def mutated_code(source: str, filename: str, mutant_id: str) -> object:
    """The code object of ``source`` with the one change ``mutant_id`` names applied."""
    ids = [m.id for m in list_mutants(source, filename)]
    if mutant_id not in ids:
        raise KeyError(f"{filename}: no mutant {mutant_id!r}")
    return mutated_code_at(source, filename, ids.index(mutant_id))


def mutated_code_at(source: str, filename: str, index: int) -> object:
    """The code object of ``source`` with the ``index``-th listed mutant applied (for a caller
    that has the list already: listing costs as much as applying)."""
    return compile(mutated_tree_at(source, filename, index), filename, "exec")


def mutated_tree_at(source: str, filename: str, index: int) -> ast.Module:
    """The syntax tree of ``source`` with the ``index``-th listed mutant applied."""
    tree = _parse(source, filename)
    site = next(s for i, s in enumerate(_sites(tree)) if i == index)
    site.apply()
    ast.fix_missing_locations(tree)
    return tree
