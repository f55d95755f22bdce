"""Load tests of a call flow's web backend: simulated calls in real time, on Locust.

Needs the ``load`` extra (``pip install 'opentact-callflow[load]'``). ``simulator.load.call``
and ``simulator.load.stats`` are plain Python; ``CallflowUser`` (for your own locustfile) and
the runner import Locust, so they load only when asked for: ``from simulator.load import
CallflowUser``. docs/load.md shows how the pieces fit.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.load.shape import CampaignShape
    from simulator.load.user import CallflowUser

_EXPORTS = {"CallflowUser": "user", "CampaignShape": "shape"}


def __getattr__(name: str) -> Any:
    """Locust is imported on first use of a name that needs it, not with this package."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = ["CallflowUser", "CampaignShape"]
