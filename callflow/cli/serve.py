"""``callflow serve``: a local web page to walk flows on a keypad (``simulator.web``).

Only wiring: check the paths, bind the socket and listen on it (so the URL printed is the one
served, even with a port chosen by the system, and answers as soon as it is printed), and run
uvicorn with the app. The web framework is the ``serve`` extra; without it the command says
how to install it.
"""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import click

from callflow.coverage_report import CoverageError, read_report

EXIT_USAGE = 2
LOOPBACK = "127.0.0.1"


def allowed_hosts(host: str, port: int, extra: tuple[str, ...]) -> list[str]:
    """The Host headers the server answers: the address it listens on (and ``localhost``
    for the loopback address), each with the port, plus those given with ``--allow-host``."""
    names = [host, *(["localhost"] if host == LOOPBACK else []), *extra]
    shown = [f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names]
    return [f"{n}:{port}" for n in shown]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--host",
    default=LOOPBACK,
    show_default=True,
    help="Address to listen on. Anything but 127.0.0.1 exposes the page to others.",
)
@click.option(
    "--port",
    default=0,
    type=click.IntRange(0, 65535),
    help="Port to listen on (default: a free one, printed).",
)
@click.option(
    "--scenario",
    "scenario_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Take the call's fields, limits and HTTP answers (canned, a live server, your app) "
    "from this scenario file.",
)
@click.option(
    "--coverage",
    "coverage_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A coverage report (`callflow test --coverage-json FILE`, `callflow explore --format "
    "json`) the page can colour the graph by: green tested, red never tested.",
)
@click.option(
    "--allow-host",
    multiple=True,
    metavar="NAME",
    help="Another host name the page may be reached by (e.g. behind a proxy).",
)
def serve(
    paths: tuple[Path, ...],
    host: str,
    port: int,
    scenario_file: Path | None,
    coverage_file: Path | None,
    allow_host: tuple[str, ...],
) -> None:
    """Serve a page that lists the flows under PATH (default: .) with their lint status, and
    walks one on a keypad: the graph, the source with findings, a phone, the transcript, and
    "save as scenario" for `callflow test`.

    \b
    Examples:
      callflow serve examples/            then open the URL it prints
      callflow serve flows/ --port 8765
      callflow serve flows/ --coverage cov.json   after callflow test --coverage-json cov.json
    """
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        click.echo("callflow serve needs the web extra: pip install 'opentact-callflow[serve]'",
                   err=True)  # fmt: skip
        raise click.exceptions.Exit(EXIT_USAGE)
    import uvicorn

    from simulator.scenario import ScenarioError, load_scenario
    from simulator.web.app import create_app

    scenario = None
    if scenario_file is not None:
        try:
            scenario = load_scenario(scenario_file)
        except ScenarioError as exc:
            click.echo(exc.finding.render(), err=True)
            raise click.exceptions.Exit(EXIT_USAGE) from None
    if coverage_file is not None:
        try:
            read_report(coverage_file)
        except CoverageError as exc:
            click.echo(f"callflow serve: {coverage_file}: {exc}", err=True)
            raise click.exceptions.Exit(EXIT_USAGE) from None
    served = paths or (Path("."),)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        click.echo(f"callflow serve: cannot listen on {host}:{port}: {exc.strerror}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    sock.listen(128)  # a client connecting once the URL is printed waits for uvicorn
    bound = sock.getsockname()[1]
    hosts = allowed_hosts(host, bound, allow_host)
    app = create_app(served, hosts, scenario=scenario, coverage=coverage_file)
    click.echo(f"serving {', '.join(str(p) for p in served)} on http://{hosts[0]}/ "
               "(Ctrl-C stops)", err=False)  # fmt: skip
    if host != LOOPBACK:
        click.echo(f"callflow serve: listening on {host}: anyone who can reach it can place calls"
                   " and save scenarios beside the flows", err=True)  # fmt: skip
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
