"""The array types used across the package, named once.

NumPy's type hints say only the element type; the shape is in each docstring. The
names below add what the element type cannot: ``Vector`` and ``Matrix`` are float arrays
of one and two dimensions, ``Theta`` a parameter matrix of shape ``(n_draws, n_params)``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
"""Floats of any shape (money, hours, rates)."""
Vector = npt.NDArray[np.float64]
"""Floats of shape ``(n,)``."""
Matrix = npt.NDArray[np.float64]
"""Floats of shape ``(n_rows, n_columns)``."""
Theta = npt.NDArray[np.float64]
"""A parameter matrix Θ of shape ``(n_draws, n_params)``: one row per draw."""
IntArray = npt.NDArray[np.intp]
"""Indices and codes (positions in another array)."""
Int64Array = npt.NDArray[np.int64]
"""Counts and whole days."""
KeyArray = npt.NDArray[np.uint64]
"""Short text ids packed into 64-bit keys."""
BoolArray = npt.NDArray[np.bool_]
"""Masks."""
StrArray = npt.NDArray[np.str_]
"""Fixed-width text."""
ObjArray = npt.NDArray[np.object_]
"""Python objects (text of any length, mixed cells)."""
DateArray = npt.NDArray[np.datetime64]
"""Dates."""
FloatLike = float | npt.NDArray[np.float64]
"""A float or an array of floats (formulas that run on one value and on draws alike)."""
