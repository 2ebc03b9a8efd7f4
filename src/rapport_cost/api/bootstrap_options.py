"""The options of ``bootstrap``, checked together, with the config's ``bootstrap:`` section."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from rapport_cost.api.base import (
    choice,
    whole_number,
)
from rapport_cost.config import BootstrapSettings
from rapport_cost.core.analyses import bootstrap as core
from rapport_cost.errors import (
    Problem,
    UsageError,
)

if TYPE_CHECKING:
    pass


#: ``method="all"``: every interval of M-53, in its order.
ALL: Literal["all"] = "all"
Asked = Literal["normal", "percentile", "basic", "studentized", "bca", "all"]
"""What ``--method`` may ask for: one interval method or all of them."""
ASKED: tuple[Asked, ...] = get_args(Asked)
#: Intervals defined in joint mode: BCa and the studentized interval need a jackknife or a
#: per-resample SE over women, which have no counterpart for the parameter draws.
JOINT_METHODS: tuple[core.Method, ...] = ("normal", "percentile", "basic")
# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    """Every option of a bootstrap run, checked (:func:`options_of`)."""

    scheme: core.Scheme
    method: Asked
    """As asked: a method or ``all``."""
    methods: tuple[core.Method, ...]
    resamples: int | None
    """Resamples of the bootstrap; ``None`` in joint mode (one per draw)."""
    level: float
    ties: core.Ties
    fallback: bool
    by: tuple[str, ...]
    with_psa: bool
    draws: int | None
    """PSA draws in joint mode, else ``None``."""

    @property
    def n_replicates(self) -> int:
        """Replicates per row: resamples, or draws in joint mode."""
        n = self.draws if self.with_psa else self.resamples
        assert n is not None
        return n

    @property
    def primary(self) -> core.Method:
        """The interval marked on the histogram."""
        if self.method != ALL:
            return self.method
        return "percentile" if self.with_psa else "bca"


def options_of(
    settings: BootstrapSettings,
    psa_draws: int,
    *,
    scheme: str | None,
    method: str | None,
    resamples: int | None,
    level: float | None,
    ties: str | None,
    fallback: bool,
    by: Sequence[str],
    with_psa: bool,
    draws: int | None,
    costs: object,
    notes: list[str],
) -> Options:
    """Every option checked, with the config's ``bootstrap:`` section as defaults."""
    chosen_scheme = choice(settings.scheme if scheme is None else scheme, "--scheme", core.SCHEMES)
    asked = choice(settings.method if method is None else method, "--method", ASKED)
    lvl = settings.level if level is None else level
    if (
        isinstance(lvl, bool)
        or not isinstance(lvl, int | float)
        or not math.isfinite(lvl)
        or not 0 < lvl < 1
    ):
        msg = f"--level must be a number between 0 and 1 (exclusive), e.g. 0.95; got {lvl!r}"
        raise UsageError(msg, [Problem(msg)])
    chosen_ties = choice(settings.ties if ties is None else ties, "--ties", get_args(core.Ties))
    if isinstance(by, str):
        by = [by]
    n_resamples: int | None = whole_number(
        settings.resamples if resamples is None else resamples, "--resamples", 1
    )
    methods: tuple[core.Method, ...] = core.METHODS if asked == ALL else (asked,)
    n_draws: int | None = None
    if not with_psa:
        if draws is not None:
            msg = "--draws sets the PSA draws of --with-psa; without it, use --resamples"
            raise UsageError(msg, [Problem(msg)])
    else:
        _check_joint(costs, chosen_scheme, resamples)
        n_resamples = None
        n_draws = whole_number(psa_draws if draws is None else draws, "--draws", 1)
        asked, methods = _joint_methods(asked, method, notes)
    return Options(
        scheme=chosen_scheme,
        method=asked,
        methods=methods,
        resamples=n_resamples,
        level=float(lvl),
        ties=chosen_ties,
        fallback=bool(fallback),
        by=tuple(by),
        with_psa=bool(with_psa),
        draws=n_draws,
    )


def _check_joint(costs: object, scheme: str, resamples: int | None) -> None:
    """The options that joint mode (``--with-psa``) cannot take."""
    if costs is not None:
        msg = (
            "--with-psa reprices every woman's resource use at each PSA draw, so it needs "
            "a config and its activity logs, not --costs"
        )
        raise UsageError(msg, [Problem(msg)])
    if scheme not in ("ordinary", "stratified"):
        msg = f"--with-psa supports --scheme ordinary or stratified; got {scheme!r}"
        raise UsageError(msg, [Problem(msg)])
    if resamples is not None:
        msg = (
            "--with-psa pairs one bootstrap resample with each PSA draw: set their number "
            "with --draws, not --resamples"
        )
        raise UsageError(msg, [Problem(msg)])


def _joint_methods(
    asked: Asked, given: str | None, notes: list[str]
) -> tuple[Asked, tuple[core.Method, ...]]:
    """The intervals of joint mode: the asked one if defined there, else percentile."""
    if asked == ALL:
        return asked, JOINT_METHODS
    if asked in JOINT_METHODS:
        return asked, (asked,)  # a joint method, not "all" (returned above)
    if given is not None:
        msg = (
            f"--with-psa reports the {', '.join(JOINT_METHODS)} intervals; the {asked} "
            "interval needs a jackknife or a standard error over women that the PSA "
            "draws do not have"
        )
        raise UsageError(msg, [Problem(msg)])
    notes.append(
        f"bootstrap.method is {asked}, which joint mode cannot compute; the percentile "
        "interval is reported (M-47)"
    )
    return "percentile", ("percentile",)
