"""``callflow lsp``: the linter, the formatter and the grammar docs in an editor, as you type.

A Language Server Protocol server on pygls (the optional extra ``lsp``). It holds no rules of
its own: diagnostics are ``callflow.lint``'s findings for the text, formatting is ``callflow
fmt``'s canonical text, hover and completion read the grammar tables. The modules here only
work out *where* in the text something is (``scan``, ``textmap``) and translate to LSP types;
``server`` wires them to the protocol.
"""
