"""``callflow fmt`` keeps what a person wrote and what lint reads from it.

Comments stay where they were (an end-of-line ``callflow: ignore`` keeps covering its line),
processing instructions and ``xsi:*`` attributes are written back, a comment inside text stays
in the text, hard links keep sharing the file; and over generated documents with comments and
processing instructions anywhere: the same model, the same suppression coverage, a second run
changes nothing, and ``--check`` says exactly what a run writes.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from strategies import valid_models

from callflow import formatting
from callflow import model as m
from callflow.cli import cli
from callflow.lint import lint_source
from callflow.parser import Loaded, load_bytes, parse
from callflow.serializer import to_xml

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def fmt(*args: object) -> Result:
    return CliRunner().invoke(cli, ["fmt", *(str(a) for a in args)])


def lint_strict(path: Path) -> Result:
    return CliRunner().invoke(cli, ["lint", "--strict", str(path)])


# ---- the reproducers ---------------------------------------------------------------------------

END_OF_LINE = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Say>Connecting you.</Say>
    <Dial timeout="20000"> <!-- callflow: ignore=CF161 -->
        <To>+15551234567</To>
    </Dial>
    <Pause length="3000"/>  <!-- a plain note -->
</Response>
"""


def test_an_end_of_line_comment_stays_there_and_keeps_covering_its_element(
    tmp_path: Path,
) -> None:
    """The documented pre-commit pair: lint --strict passed before fmt and must pass after."""
    path = tmp_path / "flow.xml"
    path.write_text(END_OF_LINE)
    assert lint_strict(path).exit_code == 0
    assert fmt(path).exit_code == 0
    text = path.read_text()
    assert '  <Dial timeout="20000"> <!-- callflow: ignore=CF161 -->\n' in text
    assert '  <Pause length="3000"/> <!-- a plain note -->\n' in text
    result = lint_strict(path)
    assert result.exit_code == 0, result.output


KEPT = f"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="flow.xsl"?>
<Response xmlns:xsi="{XSI}" xsi:schemaLocation="urn:example flow.xsd">
    <Say>Hello <!-- greeting --> world</Say>
    <?editor fold="start"?>
    <Play xsi:noNamespaceSchemaLocation="play.xsd">https://audio.example/hold.mp3</Play>
    <Hangup/>
</Response>
<?trailer done?>
"""


def test_processing_instructions_xsi_attributes_and_comments_in_text_are_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "flow.xml"
    path.write_text(KEPT)
    assert fmt(path).exit_code == 0
    text = path.read_text()
    assert '<?xml-stylesheet type="text/xsl" href="flow.xsl"?>\n<Response' in text
    assert f'<Response xmlns:xsi="{XSI}" xsi:schemaLocation="urn:example flow.xsd">' in text
    assert "  <Say>Hello <!-- greeting --> world</Say>\n" in text
    assert '  <?editor fold="start"?>\n' in text
    assert '<Play xsi:noNamespaceSchemaLocation="play.xsd">' in text
    assert text.endswith("</Response>\n<?trailer done?>\n")
    model = parse(path)
    assert model == parse(KEPT)
    say = model.children[0]
    assert isinstance(say, m.Say) and say.content == "Hello  world"
    assert fmt(path).output.endswith("0 reformatted, 1 unchanged\n")


def test_a_comment_on_its_own_line_inside_text_stays_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "flow.xml"
    path.write_text("<Response>\n<Say>\n  <!-- callflow: ignore=CF120 -->\n  Hello\n</Say>\n"
                    "</Response>\n")  # fmt: skip
    before = [f.code for f in lint_source(path)]
    assert fmt(path).exit_code == 0
    text = path.read_text()
    assert "<Say>\n    <!-- callflow: ignore=CF120 -->Hello</Say>" in text
    assert [f.code for f in lint_source(path)] == before


def test_a_file_with_two_hard_links_is_rewritten_for_both_names(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_text("<Response><Say>hi</Say></Response>")
    os.link(first, second)
    inode = first.stat().st_ino
    result = fmt(first)
    assert result.exit_code == 0, result.output
    assert second.read_text() == first.read_text() == to_xml(parse(first))
    assert first.stat().st_ino == second.stat().st_ino == inode
    assert first.stat().st_nlink == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml", "b.xml"]  # no temp left


def test_a_shorter_rewrite_in_place_leaves_no_old_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_text("<Response>" + " " * 5000 + "<Hangup/></Response>")
    os.link(first, second)
    assert fmt(first).exit_code == 0
    assert second.read_bytes() == to_xml(parse(second)).encode()


def test_a_rewrite_that_would_change_what_a_suppression_covers_is_refused(
    tmp_path: Path,
) -> None:
    """Two elements share the line of an end-of-line directive: on lines of their own, one
    of them would no longer be covered. The file is left as it is, and the message says so."""
    path = tmp_path / "flow.xml"
    original = (
        '<Response>\n  <Say>a</Say><Pause length="5"/> <!-- callflow: ignore=CF160 -->\n'
        "</Response>\n"
    )
    path.write_text(original)
    result = fmt(path)
    assert result.exit_code == 1
    assert "CF160 for <Say> at line 2 would no longer be silenced" in result.output
    assert path.read_text() == original
    check = fmt("--check", path)
    assert check.exit_code == 1 and "would no longer be silenced" in check.output


# ---- properties over generated documents -----------------------------------------------------

_DIRECTIVES = st.sampled_from([
    "<!-- callflow: ignore=CF160 -->", "<!-- callflow: ignore=CF161,CF130 -->",
    "<!-- callflow: ignore-file=CF126 -->", "<!-- callflow: ignore=CF120 -->",
])  # fmt: skip
_OTHERS = st.sampled_from(
    ["<!-- a note -->", "<!---->", '<?xml-stylesheet href="a.xsl"?>', "<?pi?>", "<?pi a b?>"]
)
_NOTES = st.one_of(_DIRECTIVES, _OTHERS)
_BEFORE = st.sampled_from(["", " ", "\n", "\n    ", "  "])
_AFTER = st.sampled_from(["", " ", "\n", "\n  "])


@st.composite
def commented_documents(draw: st.DrawFn, join_lines: bool = True) -> bytes:
    """A valid document, re-laid out: comments and processing instructions inserted after any
    markup or inside any text, on a line of their own or not; with ``join_lines``, some
    elements moved onto the line of the one before."""
    text = to_xml(draw(valid_models(max_depth=3, max_children=4)), pretty=True)
    if join_lines:
        text = re.sub(r">\n\s*<", lambda _: draw(st.sampled_from([">\n  <", "><", "> <"])), text)
    cut = [i + 1 for i, c in enumerate(text) if c == ">"]
    cut += [i for i, c in enumerate(text) if c not in "<>&" and i > 0 and text[i - 1] not in "&"]
    places = sorted(set(draw(st.lists(st.sampled_from(cut[1:] or cut), min_size=1, max_size=10))))
    out, last = [], 0
    for place in places:
        if _inside_markup(text, place):
            continue
        out.append(text[last:place])
        out.append(draw(_BEFORE) + draw(_NOTES) + draw(_AFTER))
        last = place
    out.append(text[last:])
    return "".join(out).encode("utf-8")


def _inside_markup(text: str, place: int) -> bool:
    """Whether ``place`` is inside a tag, an entity reference or the XML declaration."""
    opened, closed = text.rfind("<", 0, place), text.rfind(">", 0, place)
    amp, semi = text.rfind("&", 0, place), text.rfind(";", 0, place)
    return opened > closed or amp > semi


def _canonical_pipeline(data: bytes) -> tuple[Loaded, Loaded, bytes]:
    loaded = load_bytes(data, file="g.xml")
    assume(loaded.model is not None)  # an insertion may have made it invalid (e.g. in <To>)
    assert loaded.model is not None
    new = to_xml(loaded.model).encode("utf-8")
    return loaded, load_bytes(new, file="g.xml"), new


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commented_documents(join_lines=False))
def test_fmt_keeps_meaning_comment_places_and_suppression_coverage(data: bytes) -> None:
    """Laid out one element per line, any document is rewritten with nothing refused."""
    loaded, again, _ = _canonical_pipeline(data)
    assert again.model == loaded.model
    assert formatting.changes(loaded, again) is None
    assert formatting.coverage(again) == formatting.coverage(loaded)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commented_documents())
@example(b'<?xml version="1.0"?>\n<!----><!-- callflow: ignore=CF160 --><Response/>\n')
def test_fmt_never_rewrites_a_file_to_cover_other_elements(data: bytes) -> None:
    """Elements sharing lines: the rewrite keeps the coverage, or is refused, and refused
    only when some element started a line after other markup (another element, a comment),
    which the canonical form, one element per line, cannot keep."""
    loaded, again, _ = _canonical_pipeline(data)
    assert again.model == loaded.model
    why = formatting.changes(loaded, again)
    if why is None:
        assert formatting.coverage(again) == formatting.coverage(loaded)
    else:
        assert "would change what `callflow: ignore` comments cover" in why
        text = data.decode("utf-8")
        assert any(re.search(r"\S.*<[A-Za-z]", line) for line in text.splitlines())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commented_documents())
def test_check_agrees_with_the_write_and_a_second_run_changes_nothing(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "flow.xml")
        Path(path).write_bytes(data)
        checked = formatting.format_file(path, check=True)
        assert Path(path).read_bytes() == data  # --check writes nothing
        written = formatting.format_file(path, check=False)
        assert (written.outcome, written.reason) == (checked.outcome, checked.reason)
        after = Path(path).read_bytes()
        if written.outcome is formatting.Outcome.CHANGED:
            assert after != data
            assert parse(after) == parse(data)
        else:
            assert after == data
        if written.outcome is not formatting.Outcome.REFUSED:
            again = formatting.format_file(path, check=True)
            assert again.outcome is formatting.Outcome.UNCHANGED
