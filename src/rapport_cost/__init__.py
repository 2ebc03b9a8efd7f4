"""rapport-cost: micro-costing of peer support in NHS Mother and Baby Units.

The Python API of :mod:`rapport_cost.api`, one function per command
(``rapport_cost.estimate(...)``, ``rapport_cost.run_psa(...)``, ...), each returning a
:class:`~rapport_cost.api.Result` whose tables are pandas DataFrames. The API is
imported on first use, so that ``rapport-cost --help`` and ``--version`` do not load
pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rapport_cost._version import __version__ as __version__

if TYPE_CHECKING:
    from rapport_cost.api import *  # noqa: F403 - the package's namespace is the API's


def __getattr__(name: str) -> Any:
    """A name of the API (or ``__all__``), importing the API on first use."""
    api = importlib.import_module("rapport_cost.api")
    if name == "__all__":
        return ["__version__", *api.__all__]
    if name in api.__all__:
        return getattr(api, name)
    if name in globals():  # a subpackage the API's import has just bound (api, core, ...)
        return globals()[name]
    msg = f"module 'rapport_cost' has no attribute {name!r}"
    raise AttributeError(msg)
