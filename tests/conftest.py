"""Fixtures shared by the unit tests of the training recipes and of the benchmark."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def small_data():
    """300 training and 100 validation 'images' with a learnable signal (class = bright row)."""
    rng = np.random.default_rng(0)

    def make(n):
        y = rng.integers(0, 10, size=n)
        x = rng.uniform(0, 0.2, size=(n, 28, 28)).astype("float32")
        x[np.arange(n), 2 * y + 4, :] = 1.0
        return x, y.astype("int64")

    return (*make(300), *make(100))
