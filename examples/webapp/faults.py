"""A backend that misbehaves on purpose: one endpoint per way an IVR backend can fail.

Scenarios and tests point a flow's ``Callback``/``Gather url`` here to see how the simulator
reports each failure (``callflow simulate flow.xml --app faults:app``)::

    /faults/ok                a valid document
    /faults/slow?ms=N         a valid document after N ms (timeout shorter than the app's delay)
    /faults/status?code=N     an empty answer with HTTP status N (500, 404, ...)
    /faults/crash             the view raises (Flask answers 500)
    /faults/not-xml           200 with a plain-text body
    /faults/bad-schema        200 with well-formed XML that breaks the grammar
    /faults/lint-error        200 with a valid document the linter rejects (Gather url + DTMF)
    /faults/lint-warning      200 with a document that has only a lint warning (it runs)
    /faults/self-callback     a document that calls back to itself, forever
    /faults/redirect-loop     a 302 to itself
    /faults/redirect?n=N      a chain of N redirects ending at /faults/ok
    /faults/see-other         a 303 to /faults/echo (a POST continues as a GET)
    /faults/stream            a body that never ends
    /faults/trickle?ms=N      a body that never ends, one chunk every N ms
    /faults/echo              JSON describing the request received (method, URL, body, headers)
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from flask import Flask, jsonify, redirect, request
from werkzeug import Response
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)  # type: ignore[method-assign]

OK = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say>All is well.</Say>\n</Response>\n'


def _xml(text: str) -> Response:
    return Response(text, mimetype="application/xml")


def _ms(default: int) -> float:
    return max(0, min(request.args.get("ms", default, type=int), 60_000)) / 1000


@app.get("/faults/ok")
def ok() -> Response:
    return _xml(OK)


@app.get("/faults/slow")
def slow() -> Response:
    time.sleep(_ms(2000))
    return _xml(OK)


@app.route("/faults/status", methods=["GET", "POST"])
def status() -> Response:
    return Response("", status=request.args.get("code", 500, type=int))


@app.get("/faults/crash")
def crash() -> Response:
    raise RuntimeError("database is down")


@app.get("/faults/not-xml")
def not_xml() -> Response:
    return Response("Hello, this is not XML.", mimetype="text/plain")


@app.get("/faults/bad-schema")
def bad_schema() -> Response:
    return _xml('<Response><Say loop="zero">Hi</Say><Dance/></Response>')


@app.get("/faults/lint-error")
def lint_error() -> Response:
    here = request.host_url.rstrip("/") + "/faults/ok"
    return _xml(
        "<Response>\n"
        f'  <Gather url="{here}">\n'
        "    <Say>Press one.</Say>\n"
        '    <DTMF value="1"><Say>One.</Say></DTMF>\n'
        "  </Gather>\n"
        "</Response>\n"
    )


@app.get("/faults/lint-warning")
def lint_warning() -> Response:
    return _xml('<Response><Pause length="5"/><Say>Only a warning.</Say></Response>')


@app.get("/faults/self-callback")
def self_callback() -> Response:
    here = request.host_url.rstrip("/") + "/faults/self-callback"
    handler = "<Error><Say>The loop broke.</Say></Error>"
    return _xml(f'<Response><Callback url="{here}" method="GET">{handler}</Callback></Response>')


@app.get("/faults/redirect-loop")
def redirect_loop() -> Response:
    return redirect("/faults/redirect-loop", code=302)


@app.get("/faults/redirect")
def chain() -> Response:
    hops = request.args.get("n", 1, type=int)
    if hops <= 0:
        return redirect("/faults/ok", code=302)
    return redirect(f"/faults/redirect?n={hops - 1}", code=302)


@app.route("/faults/see-other", methods=["GET", "POST"])
def see_other() -> Response:
    return redirect("/faults/echo?from=see-other", code=303)


@app.get("/faults/stream")
def stream() -> Response:
    def forever() -> Iterator[bytes]:
        chunk = b"<Say>more</Say>" * 4096
        while True:
            yield chunk

    return Response(forever(), mimetype="application/xml")


@app.get("/faults/trickle")
def trickle() -> Response:
    pause = _ms(50)

    def forever() -> Iterator[bytes]:
        yield b"<Response>"
        while True:
            time.sleep(pause)
            yield b"<Pause/>"

    return Response(forever(), mimetype="application/xml")


@app.route("/faults/echo", methods=["GET", "POST", "PATCH", "DELETE"])
def echo() -> Response:
    seen = {
        "method": request.method,
        "url": request.url,
        "args": request.args.to_dict(flat=False),
        "json": request.get_json(silent=True),
        "headers": {k.lower(): v for k, v in request.headers.items()},
    }
    return jsonify(seen)
