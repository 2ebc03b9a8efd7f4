"""``validate``: every check any command would make, in one run.

The config is loaded and compiled, its logs read and validated; then each analysis the
config sets up is run at a small size (the PSA with :data:`PSA_DRAWS` draws, the
bootstrap with :data:`RESAMPLES` resamples, the one-way analysis, scale-up when the
config has a ``scale_up`` section) and its scenarios validated, and the sizes the config
asks for (``psa.draws``, ``bootstrap.resamples``) are checked against the memory they
need. A problem of the config or the logs stops the checks (the analyses need them);
the analyses' problems are listed together. A run that cannot be computed (exit 3 in the
command) is a warning here: it depends on the draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rapport_cost.api.base import Built, ConfigArg, build, load, prepare
from rapport_cost.api.bootstrap import bootstrap
from rapport_cost.api.dsa import dsa
from rapport_cost.api.limits import check_bootstrap, check_psa
from rapport_cost.api.psa import run_psa
from rapport_cost.api.scale_up import scale_up
from rapport_cost.api.scenarios import scenario_configs
from rapport_cost.errors import InputError, ModelError, Problem

#: Draws of the trial PSA (more than Iman–Conover needs for a few correlated parameters).
PSA_DRAWS = 256
#: Resamples of the trial bootstrap.
RESAMPLES = 99
#: Checks of a setting of the config (their problems are located at it).
_SETTINGS = ("psa.draws", "bootstrap.resamples")


def _analyses(built: Built) -> list[tuple[str, Callable[[], object]]]:
    cfg = built.config
    checks: list[tuple[str, Callable[[], object]]] = [
        ("psa", lambda: run_psa(built, draws=PSA_DRAWS, seed=0)),
        ("psa.draws", lambda: check_psa(built, cfg.psa.draws, cfg.psa.chunk_size)),
        ("bootstrap", lambda: bootstrap(built, resamples=RESAMPLES, seed=0)),
        (
            "bootstrap.resamples",
            lambda: check_bootstrap(cfg.bootstrap.resamples, len(built.usage.sites) + 1),
        ),
        ("dsa", lambda: dsa(built)),
    ]
    if cfg.scenarios:
        checks.append(("scenarios", lambda: scenario_configs(built)))
    if cfg.scale_up is not None:
        checks.append(("scale-up", lambda: scale_up(built)))
    return checks


def validate(config: ConfigArg = None) -> list[str]:
    """Run every check of every command on ``config``; return the warnings.

    Returns
    -------
    list of str
        The config's plausibility warnings and those of the trial analyses.

    Raises
    ------
    InputError
        Every problem found: the config's and the logs' (which stop the checks), or
        those of all the analyses together, each located.
    """
    loaded = load(config)
    prep = prepare(loaded)
    warnings = list(loaded.warnings)
    if prep.config.logs is None:
        return warnings
    built = build(prep)
    problems: list[Problem] = []
    for name, check in _analyses(built):
        try:
            check()
        except InputError as exc:
            found = exc.problems or [Problem(str(exc))]
            if name in _SETTINGS:  # a size the config sets: at its line in the config
                found = [loaded.locate(replace(p, field=name)) for p in found]
            problems += [p for p in found if p not in problems]
        except ModelError as exc:
            warnings += [f"{name} (a trial run): {line}" for line in exc.lines()]
    if problems:
        msg = f"{len(problems)} problem(s) in the analyses {loaded.source} sets up"
        raise InputError(msg, problems)
    return warnings
