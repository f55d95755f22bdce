"""The web server of ``callflow serve``: JSON endpoints over ``Phone`` and ``Library``, and the
page's own files. The only module of the project that imports the web framework (Starlette).

Guards, since a page on 127.0.0.1 can still be reached by any site the user visits:

- the Host header must be one the server was started for (a DNS-rebinding page sends its own
  name), else 421;
- a request that changes something must carry JSON (a cross-site form cannot, without a CORS
  preflight this server never answers) and, when the browser sends an Origin, the served one;
- flows are looked up by name among the served files (``simulator.web.flows``), and static
  files come from the package only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from callflow.coverage_report import CoverageError
from simulator.debugger import Refused
from simulator.scenario import Scenario, load_flow
from simulator.web.calls import Calls
from simulator.web.flows import Library, NotServed
from simulator.web.paths import explored
from simulator.web.phone import ACTIONS, Action, Phone
from simulator.web.tested import tested

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 64 * 1024
MAX_REPLAY = 500
"""Answers one replay may give (a path of ``explore`` has at most ``MAX_DEPTH`` choices)."""
STATIC = Path(str(files("simulator.web") / "static"))


class HostGuard:
    """Refuse (421) any request whose Host header is not one of ``hosts`` (DNS rebinding)."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            host = headers.get(b"host", b"").decode("latin-1").lower()
            if host not in self.hosts:
                response = JSONResponse(
                    {"error": f"this server answers only for {', '.join(sorted(self.hosts))}"},
                    status_code=421,
                )
                await response(scope, receive, send)
                return
            origin = headers.get(b"origin")
            if origin is not None and scope.get("method") not in ("GET", "HEAD"):
                allowed = {f"http://{h}" for h in self.hosts}
                if origin.decode("latin-1").lower() not in allowed:
                    response = JSONResponse({"error": "cross-origin request refused"}, 403)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(
    paths: Iterable[Path],
    hosts: Iterable[str],
    calls: Calls | None = None,
    scenario: Scenario | None = None,
    coverage: Path | None = None,
) -> ASGIApp:
    """The application serving the flows under ``paths`` to requests for ``hosts``; each call
    takes its fields and HTTP answers from ``scenario`` when one is given; ``coverage`` is a
    coverage report (``callflow test --coverage-json``) the page can colour the graph by."""
    library = Library(tuple(paths))
    held = calls if calls is not None else Calls()
    lock = threading.Lock()  # one request at a time touches the calls (a local, one-user tool)

    async def body(request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise Refused("send JSON (Content-Type: application/json)")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise Refused(f"the request body is larger than {MAX_BODY} bytes")
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise Refused("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise Refused("the request body must be a JSON object")
        return data

    def phone_of(request: Request) -> Phone:
        phone = held.get(request.path_params["call"])
        if phone is None:
            raise NotServed("no such call (it ended, or was idle too long): place a new one")
        return phone

    def guarded(run: Callable[[Request], Awaitable[Response]]) -> Callable[
        [Request], Awaitable[Response]
    ]:  # fmt: skip
        async def endpoint(request: Request) -> Response:
            try:
                return await run(request)
            except NotServed as exc:
                return _error(str(exc), 404)
            except Refused as exc:
                return _error(str(exc), 409 if request.method == "POST" else 400)

        return endpoint

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def flows(request: Request) -> Response:
        return JSONResponse({"base": library.base.name, "flows": library.listing()})

    async def flow(request: Request) -> Response:
        page = library.flow(request.query_params.get("name", ""))
        return JSONResponse({**page, "coverage": coverage.name if coverage else None})

    async def digest(request: Request) -> Response:
        return JSONResponse({"digest": library.digest(request.query_params.get("name", ""))})

    async def explore(request: Request) -> Response:
        name = request.query_params.get("name", "")
        flow = load_flow(library.resolve(name))
        if flow.model is None:
            raise Refused(f"{name} has lint errors: explore runs only a flow that lints clean")
        return JSONResponse(await run_in_threadpool(explored, flow.model, flow.path))

    async def covered(request: Request) -> Response:
        name = request.query_params.get("name", "")
        if coverage is None:
            raise NotServed("no coverage report: start callflow serve with --coverage FILE")
        flow = load_flow(library.resolve(name))
        if flow.model is None:
            raise Refused(f"{name} has lint errors: its graph cannot be coloured")
        try:
            return JSONResponse(tested(flow.model, flow.path, coverage))
        except CoverageError as exc:
            raise Refused(f"{coverage.name}: {exc}".replace(str(flow.path), name)) from None

    async def place(request: Request) -> Response:
        data = await body(request)
        name = str(data.get("flow", ""))
        path = library.resolve(name)
        with lock:
            phone = Phone(path, name, scenario)
            key = held.add(phone)
            return JSONResponse({"call": key, **phone.state()}, status_code=201)

    async def show(request: Request) -> Response:
        with lock:
            phone = phone_of(request)
            return JSONResponse({"call": request.path_params["call"], **phone.state()})

    async def act(request: Request) -> Response:
        data = await body(request)
        action = Action(str(data.get("kind", "")), str(data.get("value", "")))
        with lock:
            phone = phone_of(request)
            phone.act(action)
            return JSONResponse({"call": request.path_params["call"], **phone.state()})

    async def replay(request: Request) -> Response:
        data = await body(request)
        given = data.get("actions")
        if not isinstance(given, list) or len(given) > MAX_REPLAY:
            raise Refused(f"actions: a list of at most {MAX_REPLAY} {{kind, value}} objects")
        answers = [Action(str(a.get("kind", "")), str(a.get("value", "")))
                   for a in given if isinstance(a, dict)]  # fmt: skip
        for answer in answers:
            if answer.kind not in ACTIONS:
                raise Refused(f"cannot replay {answer.kind!r}: one of {', '.join(ACTIONS)}")
            answer.line()
        with lock:
            phone = phone_of(request)
            kept = phone.play(answers)
            state = phone.state()
            return JSONResponse({"call": request.path_params["call"], "kept": kept, **state})

    async def reload(request: Request) -> Response:
        await body(request)
        with lock:
            phone = phone_of(request)
            kept = phone.reload()
            state = phone.state()
            return JSONResponse({"call": request.path_params["call"], "kept": kept, **state})

    async def save(request: Request) -> Response:
        data = await body(request)
        with lock:
            phone = phone_of(request)
            target = library.scenario_target(phone.path, str(data.get("name", "")))
            if target.exists() and not data.get("overwrite"):
                raise Refused(f"{target.name} exists beside the flow; choose another name")
            try:
                passed, message = phone.save(target)
            except OSError as exc:
                raise Refused(f"cannot write {target.name}: {exc.strerror or exc}") from None
            name = target.relative_to(library.base).as_posix()
            text = target.read_text(encoding="utf-8")
            return JSONResponse({"passed": passed, "file": name, "yaml": text,
                                 "message": message.replace(str(target), name)})  # fmt: skip

    async def hang_up(request: Request) -> Response:
        if not held.drop(request.path_params["call"]):
            raise NotServed("no such call")
        return JSONResponse({"dropped": True})

    routes = [
        Route("/", index),
        Route("/api/flows", guarded(flows)),
        Route("/api/flow", guarded(flow)),
        Route("/api/flow/digest", guarded(digest)),
        Route("/api/flow/explore", guarded(explore)),
        Route("/api/flow/coverage", guarded(covered)),
        Route("/api/calls", guarded(place), methods=["POST"]),
        Route("/api/calls/{call}", guarded(show)),
        Route("/api/calls/{call}", guarded(hang_up), methods=["DELETE"]),
        Route("/api/calls/{call}/act", guarded(act), methods=["POST"]),
        Route("/api/calls/{call}/reload", guarded(reload), methods=["POST"]),
        Route("/api/calls/{call}/replay", guarded(replay), methods=["POST"]),
        Route("/api/calls/{call}/save", guarded(save), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return HostGuard(Starlette(routes=routes), hosts)
