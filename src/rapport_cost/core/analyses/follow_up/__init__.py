"""Mean cost per woman within a horizon under incomplete follow-up (METHODS §9).

Pure numerics on arrays. Modules: :mod:`.observation` (times, intervals, Kaplan–Meier curves,
the checks of the horizon), :mod:`.layout` (cost lines cut and split into pieces),
:mod:`.censoring`, :mod:`.estimators` and :mod:`.variance` (the estimators as METHODS writes
them, with ccostr's analytic SEs), :mod:`.weights` (every estimator as a linear form in the
line costs, for the PSA), :mod:`.bootstrap` (women resampled, the curves refitted in each
resample) and :mod:`.history` (a ccostr cost history as women and lines).
"""
