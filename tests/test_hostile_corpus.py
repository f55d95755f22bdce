"""The hostile corpus (tests/data/hostile/ plus inputs too big or too odd to commit) through the
real ``callflow`` command: each input ends in one clear finding or error, in bounded time and
memory, without reading what an entity points to and without touching the network.

Every run is a subprocess with a wall-clock bound (``TIMEOUT_S``, enforced by killing it) and an
address-space bound (``MEMORY``, set by the bootstrap before callflow is imported). The
bootstrap also replaces ``socket.socket.connect``, so Python code reaching for the network
says so on stderr; a listener on 127.0.0.1 stands behind every URL in the corpus, so a
connection from C code (libxml2) would be recorded too.

What an entity or XInclude points to is bait: ``secret.txt`` and ``secret.dtd`` hold markers
that must never show up, and ``trap.fifo`` is a FIFO that nobody writes, so a process that
opened it for reading would block until killed.

Decisions (the table ``CASES`` is the record): a document we refuse on its content is a
finding (exit 1, like any lint error); a path we cannot read as a document at all (a FIFO,
no permission) is CF011 and exit 2. A directory given to ``lint`` or ``fmt`` is a folder to
search, not a document; given where one document is expected (``simulate FLOW``), exit 2.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

from callflow import parser
from callflow.cli import cli
from callflow.lint import lint_file, lint_paths

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
TIMEOUT_S = 10
MEMORY = 1 << 30
SECRETS = ("TOP-SECRET-5c1f", "DTD-SECRET-9e2b", "FETCHED-OVER-HTTP")
NETWORK_ALARM = "NETWORK ACCESS ATTEMPTED"
FINDING = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>(?:CF|SC)\d{3}) (?P<sev>\w+) .+$"
)

BOOT = f"""
import resource, socket, sys
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))
def _no_network(*args, **kwargs):
    sys.stderr.write("{NETWORK_ALARM}\\n")
    raise OSError("network access is disabled in this test")
socket.socket.connect = socket.socket.connect_ex = _no_network
from callflow.cli import main
main(sys.argv[1:])
"""
"""``python -c BOOT ARGS...`` runs ``callflow ARGS...`` under the bounds above."""


@dataclass(frozen=True)
class Case:
    """One hostile input, the command run on it, and how the run must end."""

    file: str
    exit: int
    code: str | None
    """The code of the one finding printed (None: no finding)."""
    line: int = 1
    says: str = ""
    """Words of the finding's message (or of stderr when there is no finding)."""
    command: str = "lint"
    obeying_permissions: bool = False
    """Run where permission bits bind (as root: without the capabilities that bypass them)."""
    argv: tuple[str, ...] = ()
    """The whole command line, when it is more than ``command file``."""


LOCKED = "<Response>\n  <Hangup/>\n  <Say>never heard</Say>\n</Response>\n"
CALLBACK = '<Response><Callback url="https://ivr.example.com/next"><Error/></Callback></Response>'
DTD = "document type declarations (DTD) are not allowed"
CASES = [
    Case("billion-laughs.xml", 1, "CF009", 2, DTD),
    Case("quadratic-blowup.xml", 1, "CF009", 2, DTD),
    Case("xxe-local-file.xml", 1, "CF009", 1, DTD),
    Case("xxe-absolute-file.xml", 1, "CF009", 1, DTD),
    Case("xxe-fifo.xml", 1, "CF009", 1, DTD),
    Case("xxe-parameter-entity.xml", 1, "CF009", 1, DTD),
    Case("xxe-parameter-fifo.xml", 1, "CF009", 1, DTD),
    Case("xxe-url.xml", 1, "CF009", 1, DTD),
    Case("xxe-parameter-url.xml", 1, "CF009", 1, DTD),
    Case("external-dtd-local.xml", 1, "CF009", 1, DTD),
    Case("external-dtd-url.xml", 1, "CF009", 1, DTD),
    Case("xinclude-local-file.xml", 1, "CF003", 2, "unknown element {http://www.w3.org/2001/XInc"),
    Case("xinclude-url.xml", 1, "CF003", 2, "unknown element {http://www.w3.org/2001/XInclude}"),
    Case("xsi-schema-location.xml", 0, None, says="0 errors, 0 warnings in 1 file"),
    Case("xml-stylesheet.xml", 0, None, says="0 errors, 0 warnings in 1 file"),
    Case("invalid-utf8.xml", 1, "CF001", 2, "Invalid bytes in character encoding"),
    Case("nul-byte.xml", 1, "CF001", 2, "Char 0x0 out of allowed range"),
    Case("empty.xml", 1, "CF001", 1, "Document is empty"),
    Case("bom-only.xml", 1, "CF001", 1, "Start tag expected"),
    Case("lying-encoding.xml", 1, "CF001", 1, "not well-formed"),
    Case("huge-50mb.xml", 1, "CF010", 1, f"bytes; the limit is {parser.MAX_BYTES}"),
    Case("deep-10000.xml", 1, "CF010", 1, f"nest more than {parser.MAX_DEPTH} deep"),
    Case("wide.xml", 1, "CF010", 1, f"more than {parser.MAX_NODES} elements and comments"),
    Case("fifo.xml", 2, "CF011", 1, "not a regular file"),
    Case("unreadable.xml", 2, "CF011", 1, "Permission denied", obeying_permissions=True),
    Case("readable.xml", 1, "CF101", 3, "can never run", obeying_permissions=True),  # control
    Case("directory.xml", 0, None, says="no *.xml files found in"),
    Case("fifo.xml", 2, None, says="not a regular file", command="fmt"),
    Case("fifo.xml", 2, "CF011", 1, "not a regular file", command="simulate"),
    Case("directory.xml", 2, None, says="is a directory", command="simulate"),
    Case("fifo.yaml", 2, "SC001", 1, "not a regular file", command="test"),
    Case("yaml-bomb.yaml", 2, "SC003", 6, "unknown key 'a' in call", command="test"),
    Case(
        "fifo.yaml",
        2,
        "SC006",
        1,
        "cannot read cassette: [Errno 22] not a regular file",
        command="simulate",
        argv=("simulate", "callback.xml", "--replay-http", "fifo.yaml"),
    ),
    Case(
        "fifo.toml",
        2,
        None,
        says="fifo.toml: cannot read config: not a regular file",
        argv=("lint", "--config", "fifo.toml", "readable.xml"),
    ),
]
TWINS = sorted(p.name for p in HOSTILE.glob("twin-*.xml"))


def case_id(case: Case) -> str:
    bound = "-obeying-permissions" if case.obeying_permissions else ""
    option = next((a for a in case.argv if a.startswith("--")), "")
    return f"{case.command}{option}-{case.file}{bound}"


def obeying_permissions() -> list[str] | None:
    """A command prefix under which permission bits stop a read: none needed unless we are
    root; for root, ``setpriv`` dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (running
    as another user is no option here: the interpreter may live under root's home). None
    when root has no way to do that."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    drop = "--bounding-set=-dac_override,-dac_read_search"
    return [setpriv, drop, "--"] if setpriv else None


# ---- the bait and the traps ------------------------------------------------------------------


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(200))
                    body = b'<!ENTITY leak "FETCHED-OVER-HTTP">'
                    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + body)
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def write_generated(folder: Path) -> None:
    """The inputs made at test time: too big to commit, or not files git can hold."""
    unit = b"<Say>x</Say>"
    with (folder / "huge-50mb.xml").open("wb") as handle:
        handle.write(b"<Response>")
        for _ in range(50):
            handle.write(unit * (1024 * 1024 // len(unit)))
        handle.write(b"</Response>")
    depth = 10_000
    (folder / "deep-10000.xml").write_text(
        "<Response>" + "<Gather>" * depth + "</Gather>" * depth + "</Response>"
    )
    (folder / "wide.xml").write_text("<Response>" + "<Hangup/>" * parser.MAX_NODES + "</Response>")
    os.mkfifo(folder / "fifo.xml")
    os.mkfifo(folder / "fifo.yaml")
    os.mkfifo(folder / "fifo.toml")
    (folder / "callback.xml").write_text(CALLBACK)
    (folder / "directory.xml").mkdir()
    for name in ("readable.xml", "unreadable.xml"):
        (folder / name).write_text(LOCKED)
    (folder / "unreadable.xml").chmod(0)


@pytest.fixture(scope="module")
def corpus(listener: Listener) -> Iterator[Path]:
    """The corpus in a fresh folder another user may enter (for the permission case), every
    URL aimed at the listener, next to the bait and the traps."""
    folder = Path(tempfile.mkdtemp(prefix="callflow-hostile-"))
    folder.chmod(0o755)
    for source in [*HOSTILE.glob("*.xml"), *HOSTILE.glob("*.yaml")]:
        data = source.read_bytes().replace(b"HOSTILE_SERVER", listener.address.encode())
        (folder / source.name).write_bytes(data)
    (folder / "secret.txt").write_text(SECRETS[0])
    (folder / "secret.dtd").write_text(f'<!ENTITY leak "{SECRETS[1]}">')
    os.mkfifo(folder / "trap.fifo")
    write_generated(folder)
    yield folder
    shutil.rmtree(folder)


# ---- running the command -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    returncode: int | None
    """None: killed at the time bound."""
    stdout: str
    stderr: str


def run_callflow(args: list[str], cwd: Path, prefix: tuple[str, ...] = ()) -> Outcome:
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", BOOT, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT_S,
            env={**os.environ, "NO_COLOR": "1"},
        )
    except subprocess.TimeoutExpired as exc:
        return Outcome(None, str(exc.stdout or ""), str(exc.stderr or ""))
    return Outcome(done.returncode, done.stdout, done.stderr)


def args_of(case: Case) -> list[str]:
    return list(case.argv) or [case.command, case.file]


@pytest.fixture(scope="module")
def outcomes(corpus: Path) -> dict[str, Outcome]:
    """Every case and twin run once, a few at a time."""
    bound = tuple(obeying_permissions() or ())
    jobs = {case_id(c): (args_of(c), bound if c.obeying_permissions else ()) for c in CASES}
    jobs.update({f"twin-{name}": (["lint", name], ()) for name in ["twin.xml", *TWINS]})
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run_callflow, args, corpus, prefix) for key, (args, prefix)
                   in jobs.items()}  # fmt: skip
        return {key: future.result() for key, future in futures.items()}


# ---- the table -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_each_hostile_input_ends_in_one_clear_finding_or_error(
    case: Case, outcomes: dict[str, Outcome]
) -> None:
    if case.obeying_permissions and obeying_permissions() is None:
        pytest.skip("root without setpriv: permission bits cannot stop a read here")
    out = outcomes[case_id(case)]
    assert out.returncode is not None, f"still running after {TIMEOUT_S} s: {out}"
    assert "Traceback" not in out.stdout + out.stderr, out.stderr
    assert "internal error" not in out.stderr, out.stderr
    assert out.returncode == case.exit, out
    lines = [line for line in (out.stdout + out.stderr).splitlines() if FINDING.match(line)]
    if case.code is None:
        assert lines == [], out
        assert case.says in out.stderr + out.stdout
        return
    assert len(lines) == 1, out
    found = FINDING.match(lines[0])
    assert found is not None
    assert found["file"].split()[-1] == case.file  # `test` starts the line with ERROR
    assert (found["code"], int(found["line"])) == (case.code, case.line)
    assert found["sev"] == "error"
    assert case.says in lines[0]


def test_the_permission_case_runs_where_permission_bits_bind(corpus: Path) -> None:
    """Root reads any file; the unreadable case is only a test where it cannot (the twin.xml
    case, run the same way, shows the CLI itself runs fine there)."""
    prefix = obeying_permissions()
    if prefix is None:
        pytest.skip("root without setpriv: permission bits cannot stop a read here")
    probe = "open('unreadable.xml', 'rb')"
    done = subprocess.run([*prefix, sys.executable, "-c", probe], cwd=corpus,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "PermissionError" in done.stderr


@pytest.mark.parametrize("twin", TWINS)
def test_other_encodings_and_line_ends_lint_exactly_like_the_plain_twin(
    twin: str, outcomes: dict[str, Outcome]
) -> None:
    plain, other = outcomes["twin-twin.xml"], outcomes[f"twin-{twin}"]
    assert plain.returncode == other.returncode == 1
    assert len(plain.stdout.splitlines()) == 5  # CF161 CF150 CF160 CF160 CF101
    assert other.stdout.replace(twin, "twin.xml") == plain.stdout
    assert other.stderr == plain.stderr


def test_the_twins_are_one_document() -> None:
    text = (HOSTILE / "twin.xml").read_text(encoding="utf-8")
    encoded = {"twin-utf8-bom.xml": "utf-8-sig", "twin-utf16le-bom.xml": "utf-16",
               "twin-utf16be-bom.xml": "utf-16", "twin-utf32le-bom.xml": "utf-32"}  # fmt: skip
    for name, codec in encoded.items():
        data = (HOSTILE / name).read_bytes()
        assert data[:2] in (b"\xef\xbb", b"\xff\xfe", b"\xfe\xff")
        assert data.decode(codec) == text
    for name, newline in [("twin-crlf.xml", "\r\n"), ("twin-cr.xml", "\r")]:
        assert (HOSTILE / name).read_bytes() == text.replace("\n", newline).encode()


# ---- nothing read, nothing fetched -------------------------------------------------------------


def test_no_output_holds_a_secret_and_nothing_reached_the_network(
    outcomes: dict[str, Outcome], listener: Listener, corpus: Path
) -> None:
    for key, out in outcomes.items():
        said = out.stdout + out.stderr
        assert not [s for s in SECRETS if s in said], key
        assert "root:x:0:0" not in said, key
        assert NETWORK_ALARM not in said, key
    assert listener.connections == []
    # Nobody opened the trap: a reader would still be blocked on it (and killed, above).
    assert stat.S_ISFIFO((corpus / "trap.fifo").stat().st_mode)


def test_in_process_lint_of_the_corpus_reads_no_secret_and_opens_no_socket(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"network access attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    names = [c.file for c in CASES[:13]]  # the entity, DTD and XInclude cases
    for result in lint_paths([str(corpus / name) for name in names]):
        said = "\n".join(f.render() for f in result.findings)
        assert result.findings and not [s for s in SECRETS if s in said]
    for name in names:
        loaded = parser.load(corpus / name)
        assert loaded.model is None
        assert not [s for s in SECRETS if s in repr(loaded.model) + loaded.text]


def test_the_bait_would_catch_a_parser_that_resolves_entities(corpus: Path) -> None:
    """The checks above can fail: an XML parser left at its defaults reads the secret, and
    one that opens what an entity names opens the FIFO (which lets a writer in; without a
    reader, opening it to write fails with ENXIO)."""
    careless = etree.XMLParser(resolve_entities=True, load_dtd=True)
    path = corpus / "xxe-local-file.xml"
    leaked = etree.tostring(etree.fromstring(path.read_bytes(), careless, base_url=str(path)))
    assert SECRETS[0].encode() in leaked
    with pytest.raises(OSError) as nobody_reads:
        os.open(corpus / "trap.fifo", os.O_WRONLY | os.O_NONBLOCK)
    assert nobody_reads.value.errno == errno.ENXIO
    reader = (
        "import sys; from lxml import etree\n"
        "p = etree.XMLParser(resolve_entities=True, load_dtd=True)\n"
        "print(etree.tostring(etree.fromstring(open(sys.argv[1], 'rb').read(), p,"
        " base_url=sys.argv[1])).decode())\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", reader, str(corpus / "xxe-fifo.xml")],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:  # until the careless parser has the FIFO open for reading
            try:
                fd = os.open(corpus / "trap.fifo", os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                assert exc.errno == errno.ENXIO and time.monotonic() < deadline
                time.sleep(0.01)
        os.write(fd, b"FROM-THE-FIFO")
        os.close(fd)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "FROM-THE-FIFO" in out


def test_the_network_guard_would_catch_python_code_that_connects(tmp_path: Path) -> None:
    """The bootstrap's guard reports a connection attempt: here a simulated Callback."""
    flow = tmp_path / "flow.xml"
    flow.write_text(CALLBACK)
    out = run_callflow(["simulate", str(flow), "--base-url", "http://127.0.0.1:9"], tmp_path)
    assert NETWORK_ALARM in out.stderr


# ---- size: refused by its size, before any parsing -----------------------------------------------


def test_the_50mb_document_is_refused_without_being_read_or_parsed(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        pytest.fail("the document was read or parsed")

    monkeypatch.setattr(parser, "load_bytes", never)
    monkeypatch.setattr(parser, "open", never, raising=False)
    (finding,) = lint_file(str(corpus / "huge-50mb.xml")).findings
    assert finding.code == "CF010" and str(parser.MAX_BYTES) in finding.message


def test_an_unreadable_file_is_cf011_even_where_permissions_do_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root reads any file, so the subprocess case runs as ``nobody``; this one stands in
    for the platforms where that cannot be done, by making the open itself fail."""
    path = tmp_path / "locked.xml"
    shutil.copyfile(HOSTILE / "twin.xml", path)

    real_open = os.open

    def denied(name: str, *args: Any, **kwargs: Any) -> int:
        if os.fspath(name) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    result = lint_file(str(path))
    assert result.unreadable
    (finding,) = result.findings
    assert (finding.code, finding.message) == ("CF011", "cannot read: Permission denied")


def test_a_directory_is_unreadable_as_a_document(corpus: Path) -> None:
    (finding,) = parser.load(corpus / "directory.xml").findings
    assert (finding.code, finding.line, finding.col) == ("CF011", 1, 1)


# ---- fmt never changes a hostile file ---------------------------------------------------------


def test_fmt_leaves_every_refused_hostile_file_byte_identical(corpus: Path) -> None:
    refused = [c.file for c in CASES if c.exit and c.command == "lint"]
    refused = [n for n in refused if (corpus / n).is_file() and n != "unreadable.xml"]
    before = {name: (corpus / name).read_bytes() for name in refused}
    result = CliRunner().invoke(cli, ["fmt", *(str(corpus / name) for name in refused)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert {name: (corpus / name).read_bytes() for name in refused} == before
    assert not [p.name for p in corpus.iterdir() if p.name.endswith(".tmp")]
