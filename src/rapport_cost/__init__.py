"""rapport-cost: micro-costing of peer support in NHS Mother and Baby Units.

The Python API re-exported from :mod:`rapport_cost.api`: one function per command
(``rapport_cost.estimate(...)``, ``rapport_cost.run_psa(...)``, ...), each returning a
:class:`~rapport_cost.api.Result` whose tables are pandas DataFrames.
"""

from rapport_cost._version import __version__
from rapport_cost.api import *  # noqa: F403 - the package's namespace is the API's
from rapport_cost.api import __all__ as _api_names

__all__ = ["__version__", *_api_names]  # noqa: PLE0604
