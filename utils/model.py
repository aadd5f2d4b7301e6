"""The row-LSTM classifier: the original tutorial's architecture in Keras 3.

Used by notebooks 03 (build, train, inspect), 04 (load the shipped weights) and the benchmarks.

    rows (batch, 28, 28) -> Dense(128) linear "input_projection"
                         -> LSTM(128) "lstm" (last output only)
                         -> Dense(10) linear "logits"
"""
from pathlib import Path

import utils

utils.silence_tensorflow()

import keras  # noqa: E402

#: The trained weights that ship with the repo (see README for the command that makes them).
WEIGHTS_PATH = utils.MODELS_DIR / "row_lstm.weights.h5"


def build_row_lstm(steps=28, features=28, units=128, num_classes=10, name="row_lstm"):
    """Build the original tutorial's model: linear input layer, LSTM, linear output layer.

    ``steps=None`` accepts sequences of any length (e.g. only the first k rows); the
    weights do not depend on the length, so they can be copied between the two variants.
    The LSTM keeps Keras's defaults (tanh/sigmoid, no recurrent dropout, ``unroll=False``)
    so that it stays eligible for the fused cuDNN kernel on a GPU.
    The model outputs logits; pair it with ``from_logits=True`` losses.
    """
    for arg, value in {"features": features, "units": units, "num_classes": num_classes}.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"build_row_lstm: {arg} must be a positive int, got {value!r}")
    if steps is not None and (not isinstance(steps, int) or steps < 1):
        raise ValueError(f"build_row_lstm: steps must be a positive int or None, got {steps!r}")
    inputs = keras.Input(shape=(steps, features), name="rows")
    projected = keras.layers.Dense(units, name="input_projection")(inputs)
    last_output = keras.layers.LSTM(units, name="lstm")(projected)
    logits = keras.layers.Dense(num_classes, name="logits")(last_output)
    return keras.Model(inputs, logits, name=name)


def load_row_lstm(path=None, steps=28):
    """Build the model and load trained weights (default: the shipped ``models/row_lstm.weights.h5``)."""
    path = WEIGHTS_PATH if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No trained weights at {path}. The repo ships models/row_lstm.weights.h5; "
            "restore it with `git checkout -- models/` or retrain it (see README, 'Trained weights')."
        )
    model = build_row_lstm(steps=steps)
    model.load_weights(path)
    return model
