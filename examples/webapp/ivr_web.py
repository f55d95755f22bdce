"""A dynamic Opentact IVR backend in Flask: the example the simulator's HTTP resolvers test.

Callers are greeted by their number (``from``), asked for a four-digit account code, and told
their balance and put through to support, or sent back to the start for an unknown code.
Every URL in an answer is absolute and built from the request's host, so the same app works
behind a real domain, on ``127.0.0.1`` and in-process.

Try it with the flow next to this file (``flow.xml``, which calls
``https://ivr.example.com/ivr/start``)::

    # in-process: no server, the app is imported from the current directory
    cd examples/webapp
    callflow simulate flow.xml --app ivr_web:app --digits 1234

    # live: run the app, then send every request of the flow to it
    flask --app ivr_web run --port 5000
    callflow simulate flow.xml --base-url http://127.0.0.1:5000 --digits 1234

    # record the live run, then replay it offline (CI)
    callflow simulate flow.xml --base-url http://127.0.0.1:5000 --record-http ivr.yaml
    callflow simulate flow.xml --replay-http ivr.yaml

    # the scenarios next to this file call the app in-process (their http: section says so);
    # the same scenarios run against the live server or a cassette with an option
    callflow test scenarios
    callflow test scenarios --base-url http://127.0.0.1:5000 --record-http ivr.yaml
    callflow test scenarios --replay-http ivr.yaml

What the simulator sends (as Opentact does): ``GET /ivr/start?from=...&tn=...&call=...`` for
the Callback; ``GET /ivr/account?dtmf=1234&attempts=1&success=true&from=...`` for the Gather.
Under ``--base-url`` the request keeps the flow's host in ``Host`` and its scheme in
``X-Forwarded-Proto``; ``ProxyFix`` below makes Flask build URLs from them, as it would behind
a real reverse proxy (trust those headers only behind a proxy you run).
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)  # type: ignore[method-assign]

CUSTOMERS = {"+12125550100": "Alice", "+13125550123": "Bob"}
"""Caller number -> name: known callers are greeted by name and get three tries."""
ACCOUNTS = {"1234": ("Alice", 15230), "5678": ("Bob", 705)}
"""Account code -> (holder, balance in cents)."""
SUPPORT = "+12125550142"


def _document(*commands: str) -> Response:
    body = "\n".join(f"  {c}" for c in commands)
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n{body}\n</Response>\n'
    return Response(xml, mimetype="application/xml")


def _say(text: str) -> str:
    return f"<Say>{escape(text)}</Say>"


def _url(path: str) -> str:
    return request.host_url.rstrip("/") + path


@app.route("/ivr/start", methods=["GET", "POST"])
def start() -> Response:
    caller = request.args.get("from", "")
    if not caller or caller.lower() in ("anonymous", "unknown"):
        return _document(_say("We cannot take calls from withheld numbers."), "<Hangup/>")
    name = CUSTOMERS.get(caller)
    greeting = f"Welcome back, {name}." if name else "Welcome to Example Bank."
    attempts = 3 if name else 1
    gather = (
        f'<Gather url={quoteattr(_url("/ivr/account"))} method="GET" dtmf_length="4" '
        f'timeout="8000" attempts="{attempts}">\n'
        f"    {_say('Please enter your four digit account code.')}\n"
        f"    <Error>{_say('We did not get an account code. Goodbye.')}<Hangup/></Error>\n"
        "  </Gather>"
    )
    return _document(_say(greeting), gather)


@app.route("/ivr/account", methods=["GET", "POST"])
def account() -> Response:
    code = request.args.get("dtmf", "")
    found = ACCOUNTS.get(code)
    if found is None:
        spoken = " ".join(code) or "nothing"
        retry = (
            f'<Callback url={quoteattr(_url("/ivr/start"))} method="GET" timeout="5000">'
            f"<Error>{_say('Sorry, something went wrong.')}<Hangup/></Error></Callback>"
        )
        return _document(_say(f"We could not find account {spoken}."), retry)
    holder, cents = found
    dial = (
        f'<Dial timeout="20000"><To>{SUPPORT}</To>'
        f"<Error>{_say('Nobody is available right now. Goodbye.')}<Hangup/></Error></Dial>"
    )
    balance = f"Hello {holder}. Your balance is {cents // 100} dollars and {cents % 100} cents."
    return _document(_say(balance), _say("Connecting you to support."), dial, "<Hangup/>")
