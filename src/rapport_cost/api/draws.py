"""Seeds, random streams and the PSA's loop over chunks of draws, shared by every command.

One seed gives the same parameter draws in ``psa``, joint ``bootstrap --with-psa``,
``scale-up --draws`` and the follow-up and subgroup analyses: ``SeedSequence(seed)`` is
spawned into the streams of :data:`STREAMS` in that order (M-3), and every command
draws Θ through :func:`psa_chunks`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rapport_cost.api.base import Built
from rapport_cost.core.analyses import psa as core
from rapport_cost.core.params.sampling import CorrelationMethod, ParameterSampler, Sampling
from rapport_cost.errors import ConfigError, RapportWarning

#: Streams spawned from ``SeedSequence(seed)`` (M-3), in this order.
STREAMS = ("psa", "bootstrap", "scores")


@dataclass(frozen=True)
class Streams:
    """The random streams of one run.

    Parameters
    ----------
    seed
        The seed, or the entropy drawn when none was given (record it: it repeats the run).
    given
        Whether the seed was given.
    psa, bootstrap, scores
        The spawned streams: PSA draws, bootstrap resamples, copula scores.
    """

    seed: int
    given: bool
    psa: np.random.SeedSequence
    bootstrap: np.random.SeedSequence
    scores: np.random.SeedSequence


def streams(seed: int | None) -> Streams:
    """The streams of :data:`STREAMS` from ``SeedSequence(seed)`` (fresh entropy if None)."""
    root = np.random.SeedSequence(seed)
    psa, bootstrap, scores = root.spawn(len(STREAMS))
    return Streams(int(root.entropy), seed is not None, psa, bootstrap, scores)  # type: ignore[arg-type]


def psa_sampler(
    built: Built, *, sampling: Sampling, streams: Streams, n_draws: int
) -> tuple[core.PsaDesign, ParameterSampler, list[str]]:
    """The PSA design of a built model and its sampler, with the warnings they raise.

    Raises
    ------
    ConfigError
        If the correlations are not valid, located in the config file.
    """
    cfg = built.config
    method: CorrelationMethod = cfg.psa.correlation_method
    try:
        design = core.psa_design(built.prep.terms.table, cfg.correlations,
                                 correlation_method=method)  # fmt: skip
    except ConfigError as exc:
        raise built.prep.loaded.error(exc.problems) from None
    notes = list(design.notes) + core.bound_warnings(design)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RapportWarning)
        sampler = core.make_sampler(
            design,
            sampling=sampling,
            correlation_method=method,
            rng=np.random.default_rng(streams.psa),
            score_rng=np.random.default_rng(streams.scores),
            n_draws=n_draws,
        )
    for w in caught:
        if issubclass(w.category, RapportWarning):
            notes.append(str(w.message))
        else:  # pragma: no cover - passed on unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return design, sampler, notes


def psa_chunks(
    built: Built,
    *,
    streams: Streams,
    n_draws: int,
    sampling: Sampling | None = None,
    chunk_size: int | None = None,
) -> tuple[core.PsaDesign, Iterator[core.PsaChunk], list[str]]:
    """The PSA's draws of Θ, costed by the engine a chunk at a time.

    Parameters
    ----------
    built
        The model.
    streams
        From :func:`streams`.
    n_draws
        Draws in all.
    sampling, chunk_size
        Override the config's ``psa:`` section.

    Returns
    -------
    (design, chunks, notes)
        The design, an iterator of :class:`~rapport_cost.core.analyses.psa.PsaChunk` in
        draw order (each carrying the engine's costs of its draws), and the warnings
        the design raised.
    """
    cfg = built.config
    design, sampler, notes = psa_sampler(
        built, sampling=sampling or cfg.psa.sampling, streams=streams, n_draws=n_draws
    )
    chunks = core.simulate(
        design,
        sampler,
        built.prep.terms,
        built.usage,
        cfg.perspective,
        n_draws=n_draws,
        chunk_size=cfg.psa.chunk_size if chunk_size is None else chunk_size,
    )
    return design, chunks, notes
