"""Find the user's web app from ``MODULE:ATTR`` and tell whether it speaks WSGI or ASGI.

The spec is the one uvicorn and gunicorn use (``mypkg.web:app``, ``web:create_app()``), so a
user can pass what they already pass to their server.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import Literal

AppKind = Literal["wsgi", "asgi"]


class AppLoadError(Exception):
    """The app could not be loaded; the message says why, for the user."""


def load_app(spec: str, path: str | os.PathLike[str] | None = None) -> object:
    """Import ``MODULE:ATTR`` (ATTR may be dotted, and end in ``()`` to call a factory).

    The module is imported with ``path`` (default: the current directory) first on
    ``sys.path``, as ``python -m`` would.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise AppLoadError(f"app {spec!r}: expected MODULE:ATTR, for example mypkg.web:app")
    factory = attr.endswith("()")
    attr = attr.removesuffix("()")
    module = _import(module_name, Path(path) if path is not None else Path.cwd())
    found: object = module
    for part in attr.split("."):
        if not hasattr(found, part):
            raise AppLoadError(f"app {spec!r}: module {module_name} has no attribute {attr}")
        found = getattr(found, part)
    if factory:
        if not callable(found):
            raise AppLoadError(f"app {spec!r}: {attr} is not callable")
        try:
            found = found()
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            raise AppLoadError(f"app {spec!r}: {attr}() raised {reason}") from exc
    app_kind(found, spec)
    return found


def _import(module_name: str, path: Path) -> object:
    entry = str(path.resolve())
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            raise AppLoadError(
                f"app module {module_name!r} not found (looked in {entry} and on the Python path)"
            ) from exc
        raise AppLoadError(f"importing {module_name} failed: {exc}") from exc
    except Exception as exc:
        raise AppLoadError(f"importing {module_name} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        if added and entry in sys.path:
            sys.path.remove(entry)


def app_kind(app: object, name: str = "app") -> AppKind:
    """ASGI when the callable is a coroutine function taking (scope, receive, send), else WSGI."""
    if not callable(app) or inspect.ismodule(app) or inspect.isclass(app):
        raise AppLoadError(f"{name} is not a WSGI or ASGI app (got {type(app).__name__})")
    call = app if inspect.isroutine(app) else type(app).__call__
    if inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app):
        return "asgi"
    try:
        signature = inspect.signature(app)
    except (TypeError, ValueError):
        return "wsgi"
    if _binds(signature, 2):
        return "wsgi"
    if _binds(signature, 3):
        return "asgi"
    raise AppLoadError(
        f"{name} is not a WSGI or ASGI app: it does not take (environ, "
        "start_response) nor (scope, receive, send)"
    )


def _binds(signature: inspect.Signature, count: int) -> bool:
    try:
        signature.bind(*range(count))
    except TypeError:
        return False
    return True
