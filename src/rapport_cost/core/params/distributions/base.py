"""The interface of a fitted scalar distribution, and the checks and numerics the families share."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from rapport_cost.arrays import FloatArray
from rapport_cost.errors import ModelError


def _fmt(x: float) -> str:
    """Six significant figures, without a trailing ``.0`` (``25.0`` → ``25``)."""
    return f"{x:.6g}"


def _require(ok: bool, family: str, what: str, values: dict[str, float]) -> None:
    """Raise :class:`ModelError` unless ``ok``; the message names the family and values."""
    if not ok:
        got = ", ".join(f"{k}={v!r}" for k, v in values.items())
        msg = f"{family}: {what}, got {got}"
        raise ModelError(msg)


def _finite(*xs: float) -> bool:
    return all(math.isfinite(x) for x in xs)


def _exp(x: float) -> float:
    """``math.exp`` that overflows to ``inf`` instead of raising."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _as_float_array(x: object) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


class Distribution(ABC):
    """A fitted univariate distribution of one PSA parameter.

    Subclasses are frozen dataclasses holding the native parameters; build them with
    :func:`from_spec` or directly.
    """

    __slots__ = ()

    #: Family name used by :meth:`describe`, e.g. ``"gamma"``.
    family: ClassVar[str]

    @abstractmethod
    def mean(self) -> float:
        """Return the expected value."""

    @abstractmethod
    def var(self) -> float:
        """Return the variance."""

    @abstractmethod
    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF, vectorised.

        Parameters
        ----------
        u : ndarray of shape (n,)
            Probabilities in [0, 1]. Samplers clip them to [1e-12, 1 - 1e-12] first (M-45).

        Returns
        -------
        ndarray of shape (n,)
            The quantiles, float64.
        """

    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``n`` values directly from NumPy's generator (no inverse CDF).

        Parameters
        ----------
        n : int
            Number of draws.
        rng : numpy.random.Generator
            Source of randomness; it is advanced.

        Returns
        -------
        ndarray of shape (n,)
        """

    @abstractmethod
    def params(self) -> dict[str, float]:
        """Native parameters for a CHEERS parameter table, e.g. ``{"shape": 25, "scale": 40}``."""

    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value (``±inf`` when unbounded)."""

    def sd(self) -> float:
        """Return the standard deviation, ``sqrt(var())``."""
        return math.sqrt(self.var())

    def describe(self) -> str:
        """Short text such as ``gamma(shape=25, scale=40)``."""
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params().items())
        return f"{self.family}({args})"
