"""Coverage-guided fuzzing of the parser and the linter (atheris, i.e. libFuzzer for Python).

Install the optional extra, then run for a bounded time; new inputs go to the first folder,
the seeds are read from the others::

    pip install -e '.[fuzz]'
    python tests/fuzz/fuzz_lint.py -max_total_time=20 /tmp/fuzz-found tests/fuzz/corpus

The first folder is created when it does not exist yet (libFuzzer itself refuses a missing
folder); the seed folders must exist. A crash prints the input's path (``crash-<sha1>``).
Copy the input into tests/fuzz/corpus/ (name it ``regression-<what>.xml``) once fixed: every
test run checks every seed.

Element and attribute names of the grammar are handed to libFuzzer as a dictionary, so it
does not have to guess them byte by byte.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["callflow"]):
    from harness import check

    from callflow import grammar


def dictionary() -> str:
    """A libFuzzer dictionary of the grammar's tokens, written once under the temp folder
    (named by its content: libFuzzer exits without running Python's clean-up)."""
    tokens = {"<", ">", "</", "/>", '="', "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#"}
    for name, rule in grammar.ELEMENTS.items():
        tokens.update({f"<{name}", f"</{name}>", f"<{name}/>"})
        tokens.update(f" {attr}=" for attr in rule.attrs)
    lines = "".join('"{}"\n'.format(t.replace("\\", "\\\\").replace('"', '\\"'))
                    for t in sorted(tokens))  # fmt: skip
    digest = hashlib.sha1(lines.encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"callflow-fuzz-{digest}.dict")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(lines)
    return path


def make_output_folder(argv: list[str]) -> None:
    """Create the first folder argument (where libFuzzer writes new inputs) if it is missing,
    and say so; the later ones are seeds, and a missing seed folder stays an error."""
    folders = [arg for arg in argv[1:] if not arg.startswith("-")]
    if folders and not os.path.exists(folders[0]):
        os.makedirs(folders[0])
        print(f"fuzz_lint: created {folders[0]} for the inputs found", file=sys.stderr)


def main(argv: list[str]) -> None:
    make_output_folder(argv)
    if not any(arg.startswith("-dict=") for arg in argv):
        argv = [argv[0], f"-dict={dictionary()}", *argv[1:]]
    atheris.Setup(argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
