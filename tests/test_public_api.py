"""``import rapport_cost``: every name of the API resolves, at the top level too."""

from __future__ import annotations

import types

import rapport_cost
from rapport_cost import api


def test_every_public_name_resolves() -> None:
    # a command's function, not its module of the same name (api.bootstrap, api.estimate...)
    for name in api.__all__:
        value = getattr(api, name)
        assert not isinstance(value, types.ModuleType), name
        if name != "synth":  # rapport_cost.synth is the generator's package: api.synth
            assert getattr(rapport_cost, name) is value
    assert {"estimate", "run_psa", "bootstrap", "dsa", "run_follow_up"} <= set(api.__all__)
