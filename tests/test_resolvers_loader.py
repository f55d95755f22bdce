"""Loading the user's app from ``MODULE:ATTR`` (#24): the whole message a user reads for each
way it can go wrong, where the module is looked up first, and how WSGI is told from ASGI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from simulator.resolvers import AppLoadError, load_app
from simulator.resolvers.loader import app_kind

WSGI = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [WHO]\n"


@pytest.fixture
def apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of small app modules, forgotten by ``sys.modules`` after the test."""
    (tmp_path / "plain_app.py").write_text(
        WSGI.replace("WHO", "b'plain'")
        + "import types\n"
        + "inner = types.SimpleNamespace(app=app)\n"
        + "def broken():\n    raise KeyError('DATABASE_URL')\n"
        + "TEXT = 'x'\n"
        + "def three(a, b, c, d):\n    return None\n"
    )
    (tmp_path / "pkg_app").mkdir()
    (tmp_path / "pkg_app" / "__init__.py").write_text("")
    (tmp_path / "pkg_app" / "web.py").write_text("import pkg_app.missing_part\n")
    (tmp_path / "dep_app.py").write_text("import surely_missing_dep_abc\n")
    (tmp_path / "boom_app.py").write_text("raise RuntimeError('bad config')\n")
    for name in (
        "plain_app",
        "pkg_app",
        "pkg_app.web",
        "pkg_app.missing_part",
        "dep_app",
        "boom_app",
    ):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("plain_app", "app 'plain_app': expected MODULE:ATTR, for example mypkg.web:app"),
        ("plain_app:nope", "app 'plain_app:nope': module plain_app has no attribute nope"),
        (
            "plain_app:inner.nope",
            "app 'plain_app:inner.nope': module plain_app has no attribute inner.nope",
        ),
        ("plain_app:TEXT()", "app 'plain_app:TEXT()': TEXT is not callable"),
        (
            "plain_app:broken()",
            "app 'plain_app:broken()': broken() raised KeyError: 'DATABASE_URL'",
        ),
        ("plain_app:TEXT", "plain_app:TEXT is not a WSGI or ASGI app (got str)"),
        (
            "plain_app:three",
            "plain_app:three is not a WSGI or ASGI app: it does not take (environ, "
            "start_response) nor (scope, receive, send)",
        ),
        ("pkg_app.web:app", "importing pkg_app.web failed: No module named 'pkg_app.missing_part'"),
        ("dep_app:app", "importing dep_app failed: No module named 'surely_missing_dep_abc'"),
        ("boom_app:app", "importing boom_app failed: RuntimeError: bad config"),
    ],
)
def test_each_load_failure_gives_its_whole_message(apps: Path, spec: str, message: str) -> None:
    with pytest.raises(AppLoadError) as refused:
        load_app(spec, apps)
    assert str(refused.value) == message


@pytest.mark.parametrize("module", ["pkg_app.nowhere", "no_such_pkg_q.web", "no_such_mod_q"])
def test_a_missing_module_names_where_it_was_looked_for(apps: Path, module: str) -> None:
    with pytest.raises(AppLoadError) as refused:
        load_app(f"{module}:app", apps)
    assert str(refused.value) == (
        f"app module {module!r} not found (looked in {apps.resolve()} and on the Python path)"
    )


def test_a_dotted_attribute_is_followed(apps: Path) -> None:
    found: Any = load_app("plain_app:inner.app", apps)
    assert found.__name__ == "app" and found.__module__ == "plain_app"


def test_the_apps_folder_comes_first_on_the_path(
    apps: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``python -m``: a module of the same name elsewhere on the path does not win."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "plain_app.py").write_text(WSGI.replace("WHO", "b'elsewhere'"))
    monkeypatch.setattr(sys, "path", [str(elsewhere), *sys.path])
    found: Any = load_app("plain_app:app", apps)
    assert found({}, lambda *a: None) == [b"plain"]
    assert sys.path[0] == str(elsewhere) and str(apps.resolve()) not in sys.path


def test_a_folder_already_on_the_path_stays_there(
    apps: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", [*sys.path, str(apps.resolve())])
    before = list(sys.path)
    load_app("plain_app:app", apps)
    assert sys.path == before


class StarAsgi:
    """An ASGI wrapper whose ``__call__`` takes anything: told by being a coroutine."""

    async def __call__(self, *args: Any) -> None:
        return None


def test_an_async_callable_object_is_asgi_whatever_its_signature() -> None:
    assert app_kind(StarAsgi()) == "asgi"


def test_a_callable_without_a_signature_is_taken_for_wsgi() -> None:
    assert app_kind(iter) == "wsgi"


def test_the_default_name_in_a_refusal_is_app() -> None:
    with pytest.raises(AppLoadError) as refused:
        app_kind(42)
    assert str(refused.value) == "app is not a WSGI or ASGI app (got int)"
