"""``callflow schema``: where the installed XSD is, for editors and other validators."""

from __future__ import annotations

import click

from callflow.schema import xsd_path


@click.command()
@click.option("--cat", is_flag=True, help="Print the XSD itself instead of its path.")
def schema(cat: bool) -> None:
    """Print the path of the installed Opentact XSD.

    Point your editor's XML support at it for completion and inline errors, or write
    xsi:noNamespaceSchemaLocation="<this path>" on <Response>.
    """
    path = xsd_path()
    click.echo(path.read_text(encoding="utf-8") if cat else str(path), nl=not cat)
