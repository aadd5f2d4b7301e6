"""The row-LSTM's shipped weights, its LSTM weights as numpy arrays, and the pieces of the command that trains
them (``python tools/make_weights.py``), for notebook 03 and the notebooks, tests and scripts after it.

The model and the recipes themselves are taught in notebook 03 (``utils.lstm_classifier.taught``).
"""

from pathlib import Path

import numpy as np

import utils

utils.silence_tensorflow()

import keras

from utils.lstm_classifier.taught import (
    RECOMMENDED_BATCH_SIZE,
    SHIFT_PIXELS,
    build_row_lstm,
    fit_original,
    fit_recommended,
    random_shift,
)
from utils.rows_as_a_sequence.taught import make_dataset

#: The trained weights that ship with the repo (see README for the command that makes them).
WEIGHTS_PATH = utils.MODELS_DIR / "row_lstm.weights.h5"


def load_row_lstm(path=None, steps=28):
    """Build the model and load trained weights (default: the shipped ``models/row_lstm.weights.h5``)."""
    path = WEIGHTS_PATH if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No trained weights at {path}. The repo ships models/row_lstm.weights.h5; "
            "restore it with `git checkout -- models/` or retrain it (benchmarks/README.md, 'Trained weights')."
        )
    model = build_row_lstm(steps=steps)
    model.load_weights(path)
    return model


def lstm_weights(layer):
    """Return ``(kernel, recurrent_kernel, bias)`` of a Keras LSTM as numpy arrays, gate order i, f, c, o.

    ``layer`` is a built ``keras.layers.LSTM`` (or its ``LSTMCell``) with the default activations
    (tanh / sigmoid) and ``use_bias=True`` -- the only configuration this hand-written cell reproduces.
    """
    cell = getattr(layer, "cell", layer)
    name = getattr(layer, "name", type(layer).__name__)
    if not hasattr(cell, "recurrent_activation") or not hasattr(cell, "units"):
        raise TypeError(f"lstm_weights: expected a keras.layers.LSTM or LSTMCell, got {type(layer).__name__}")
    if not getattr(cell, "built", False) or not hasattr(cell, "recurrent_kernel"):
        raise ValueError(
            f"lstm_weights: layer {name!r} has no weights yet; call it on an input (or build its model) first"
        )
    if not getattr(cell, "use_bias", True):
        raise ValueError(f"lstm_weights: layer {name!r} has use_bias=False; this cell needs a bias vector")
    for attr, expected in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
        fn = getattr(cell, attr, None)
        if getattr(fn, "__name__", expected) != expected:
            raise ValueError(
                f"lstm_weights: layer {name!r} uses {attr}={fn.__name__!r}; "
                f"the hand-written cell implements only {attr}={expected!r}"
            )
    kernel = np.asarray(cell.kernel.numpy())
    recurrent_kernel = np.asarray(cell.recurrent_kernel.numpy())
    bias = np.asarray(cell.bias.numpy())
    _check_weights(kernel, recurrent_kernel, bias, where="lstm_weights")
    return kernel, recurrent_kernel, bias


def _check_weights(kernel, recurrent_kernel, bias, where):
    """Validate the three weight arrays against each other; return ``(input_dim, units)``."""
    if recurrent_kernel.ndim != 2 or recurrent_kernel.shape[1] != 4 * recurrent_kernel.shape[0]:
        raise ValueError(
            f"{where}: recurrent_kernel must have shape (units, 4 * units), got {recurrent_kernel.shape}"
        )
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != 4 * units:
        raise ValueError(
            f"{where}: kernel must have shape (input_dim, 4 * units) = (input_dim, {4 * units}), "
            f"got {kernel.shape}"
        )
    if bias.shape != (4 * units,):
        raise ValueError(f"{where}: bias must have shape ({4 * units},), got {bias.shape}")
    return kernel.shape[0], units


RECIPES = ("original", "recommended")


def train(
    model,
    recipe,
    x_train,
    y_train,
    validation_data,
    *,
    epochs=None,
    shifts=True,
    averaging=True,
    callbacks=(),
    verbose=2,
):
    """Train ``model`` with ``recipe`` ("original" or "recommended") on numpy arrays, as notebook 03 does;
    ``epochs=None`` is the recipe's own (5 or 12). Returns the Keras ``History``. For scripts and tests.

    ``shifts=False`` / ``averaging=False`` leave the random shifts / the average of the weights out of the
    recommended recipe (the benchmark's ablations).
    """
    if recipe not in RECIPES:
        raise ValueError(f"train: unknown recipe {recipe!r}; choose one of {RECIPES}")
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise ValueError(f"train: epochs must be a positive int or None (the recipe's own), got {epochs!r}")
    if recipe == "original":
        return fit_original(
            model, x_train, y_train, validation_data, epochs=epochs or 5, callbacks=callbacks, verbose=verbose
        )
    train_ds = make_dataset(
        x_train,
        y_train,
        batch_size=RECOMMENDED_BATCH_SIZE,
        augment=(lambda images: random_shift(images, SHIFT_PIXELS)) if shifts else None,
    )
    return fit_recommended(
        model,
        train_ds,
        validation_data,
        epochs=epochs or 12,
        ema_momentum=0.99 if averaging else None,
        callbacks=callbacks,
        verbose=verbose,
    )


def test_accuracy(model, x_test, y_test, batch_size=1000):
    """Fraction of ``x_test`` the model classifies correctly (argmax of the logits)."""
    logits = model.predict(np.asarray(x_test), batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(logits, axis=-1) == np.asarray(y_test)))


test_accuracy.__test__ = False  # not a pytest test, despite its name


def save_weights_atomically(model, path):
    """Write ``model``'s weights to ``path`` (must end in ``.weights.h5``) via a temp file + rename,
    so an interrupted run never leaves a half-written file behind. Returns the Path."""
    path = Path(path)
    suffix = ".weights.h5"
    if not path.name.endswith(suffix):
        raise ValueError(f"Weights file name must end with {suffix!r} (Keras requires it), got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Save the layers' weights only: a compiled model would also write its optimizer state
    # (three times the size), which nobody loading the weights for inference needs.
    bare = keras.Model.from_config(model.get_config())  # same layers, never compiled
    bare.set_weights(model.get_weights())
    with utils.atomic_path(path, keep_suffix=suffix) as tmp:
        bare.save_weights(tmp)
    return path
