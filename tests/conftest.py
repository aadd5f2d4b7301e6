"""Fixtures shared by the unit tests of the training recipes and of the benchmark.

A Keras fit costs seconds of tf.function tracing, however small the data, so the fits on ``small_data`` are
made once per session and serve the checks of both tests/test_training.py and tests/test_benchmarks.py. Every
test that asks for one of them is put in the pytest-xdist group "fits_on_small_data" here, at collection: the
group goes to one process, which makes each fit once.
"""

import importlib.util
import sys
import time
from types import SimpleNamespace

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


SHARED_FITS = ("original_run", "recommended_runs")  # the session's fits, below


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """Tests that read the shared fits run on one pytest-xdist process, whichever file they are in."""
    for item in items:
        if set(SHARED_FITS) & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("fits_on_small_data"))


def load_script(name):
    """``benchmarks/<name>.py`` (a script, not a package), loaded once as the module ``name``."""
    if name not in sys.modules:
        import utils

        spec = importlib.util.spec_from_file_location(name, utils.REPO_ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


@pytest.fixture(scope="session")
def train_speed():
    """benchmarks/train_speed.py, as a module."""
    return load_script("train_speed")


@pytest.fixture(scope="session")
def converged():
    """benchmarks/why_an_lstm_converged.py, as a module."""
    return load_script("why_an_lstm_converged")


@pytest.fixture(scope="session")
def original_run(small_data, train_speed):
    """The original recipe through ``train()``, 3 epochs, watched by the benchmark's clock (two checks per
    epoch) and slowed by 0.4 s at each epoch end (a stand-in for a slow validation). Its model keeps its
    optimizer state. Tests may read the model but must not train it further."""
    import keras

    from utils.lstm_classifier.helpers import train
    from utils.lstm_classifier.taught import build_row_lstm

    class SlowEpochEnd(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(0.4)

    x_train, y_train, x_val, y_val = small_data
    keras.utils.set_random_seed(0)
    model = build_row_lstm()
    clock = train_speed.ValidationClock(x_val, y_val, checks_per_epoch=2)
    started = time.perf_counter()
    history = train(
        model,
        "original",
        x_train,
        y_train,
        (x_val, y_val),
        epochs=3,
        callbacks=[SlowEpochEnd(), clock],
        verbose=0,
    )
    wall = time.perf_counter() - started
    return SimpleNamespace(model=model, history=history, clock=clock, wall=wall)


@pytest.fixture(scope="session")
def recommended_runs(small_data, train_speed):
    """``fit_recommended`` twice from the same seed, batches of 20 (15 steps per epoch, 45 in all), 3 epochs:
    ``bare`` as notebook 03 calls it, ``clocked`` with the benchmark's clock added (two checks per epoch).
    Tests may read the models but must not train them further."""
    import keras

    from utils.lstm_classifier.taught import build_row_lstm, fit_recommended
    from utils.rows_as_a_sequence.taught import make_dataset

    x_train, y_train, x_val, y_val = small_data
    runs = {}
    for name, clock in (
        ("bare", None),
        ("clocked", train_speed.ValidationClock(x_val, y_val, checks_per_epoch=2)),
    ):
        keras.utils.set_random_seed(4)
        model = build_row_lstm()
        train_ds = make_dataset(x_train, y_train, batch_size=20)
        history = fit_recommended(
            model,
            train_ds,
            (x_val, y_val),
            epochs=3,
            peak_learning_rate=4e-3,
            callbacks=[] if clock is None else [clock],
            verbose=0,
        )
        runs[name] = SimpleNamespace(model=model, history=history, clock=clock)
    return SimpleNamespace(**runs)
