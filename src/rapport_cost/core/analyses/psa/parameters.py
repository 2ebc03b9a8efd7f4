"""Tables of the parameters (CHEERS item 22) and of the correlations achieved."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapport_cost.config import Dirichlet, Fixed
from rapport_cost.core.analyses.psa.simulation import PsaOutputs
from rapport_cost.core.params.distributions import (
    DirichletDistribution,
    Distribution,
    from_spec,
)
from rapport_cost.core.params.parameters import ParameterTable


def _native(dist: Distribution | DirichletDistribution) -> str:
    return ", ".join(f"{k}={v:.6g}" for k, v in dist.params().items())


PARAMETER_COLUMNS = [
    "name",
    "label",
    "kind",
    "value",
    "unit",
    "distribution",
    "parameters",
    "given_as",
    "mean",
    "sd",
    "low",
    "high",
    "price_year",
    "factor",
    "source",
    "used_by",
]


def parameter_table(table: ParameterTable) -> pd.DataFrame:
    """Table ``psa_parameters``: every number of the costing, its distribution (CHEERS item 22).

    Every column of Θ: named parameters, inline parameters and plain numbers (``kind``),
    each with its unit, its value at full precision and where the config uses it.

    Columns: ``name``, ``label``, ``kind`` (``named``, ``inline`` or ``literal``),
    ``value`` (the base value, in the target price year), ``unit`` (``£ an hour``…),
    ``distribution`` (the family, ``fixed`` when the parameter does not vary),
    ``parameters`` (its native parameters, of the value before the price-year factor),
    ``given_as`` (the distribution as the config states it), ``mean`` and ``sd`` of the
    draws (after the factor), ``low``, ``high``, ``price_year`` (the year the value is
    in when it is not the target), ``factor`` (the price-year factor every draw is
    multiplied by), ``source`` and ``used_by`` (the config paths that use it, ``; ``-joined).
    """
    rows = []
    for spec in table.specs:
        dist = spec.dist
        given = "" if dist is None else dist.describe()
        if dist is None or isinstance(dist, Fixed):
            family, native, mean, sd = "fixed", f"value={spec.value:.6g}", spec.value, 0.0
        elif isinstance(dist, Dirichlet):
            d = from_spec(dist)
            k = d.categories.index(spec.category or "")
            family, native = d.family, _native(d)
            mean, sd = float(d.mean()[k]), float(np.sqrt(d.var()[k]))
        else:
            fitted = from_spec(dist)
            family, native = fitted.family, _native(fitted)
            mean, sd = fitted.mean() * spec.factor, fitted.sd() * spec.factor
        rows.append(
            {
                "name": spec.name,
                "label": spec.label,
                "kind": spec.kind,
                "value": spec.value,
                "unit": spec.unit,
                "distribution": family,
                "parameters": native,
                "given_as": given,
                "mean": mean,
                "sd": sd,
                "low": spec.low,
                "high": spec.high,
                "price_year": spec.price_year,
                "factor": spec.factor,
                "source": spec.source,
                "used_by": "; ".join(spec.used_by),
            }
        )
    return pd.DataFrame(rows, columns=PARAMETER_COLUMNS)


def correlation_table(outputs: PsaOutputs) -> pd.DataFrame:
    """Table ``psa_correlations``: each correlation's Spearman target and the one achieved.

    The achieved correlation is computed on the first draws (at most
    :data:`CORRELATION_SAMPLE`), pooled across chunks.
    """
    rows = [
        {
            "parameter_a": p.a,
            "parameter_b": p.b,
            "target": p.target,
            "achieved": achieved,
            "draws": used,
        }
        for p, achieved, used in outputs.achieved_spearman()
    ]
    return pd.DataFrame(rows, columns=["parameter_a", "parameter_b", "target", "achieved", "draws"])
