"""The row-LSTM classifier: the original tutorial's architecture in Keras 3.

``build_row_lstm``, ``build_inspection_model`` and ``cudnn_eligible`` are taught in notebook 03 (this is
the same code, checked by tests/test_notebook_code.py); ``load_row_lstm`` loads the shipped weights
(notebook 04), and the two table helpers print the original tutorial's tensors (notebook 03).

    rows (batch, 28, 28) -> Dense(128) linear "input_projection"
                         -> LSTM(128) "lstm" (last output only)
                         -> Dense(10) linear "logits"
"""

from pathlib import Path

import numpy as np

import utils

utils.silence_tensorflow()

import keras

#: The trained weights that ship with the repo (see README for the command that makes them).
WEIGHTS_PATH = utils.MODELS_DIR / "row_lstm.weights.h5"


# Taught in notebooks/03_lstm_classifier.ipynb; the same code as there (tests/test_notebook_code.py).
def build_row_lstm(steps=28, features=28, units=128, num_classes=10):
    """The original tutorial's model: a linear Dense(units) on every row, an LSTM(units) over the rows,
    and a linear Dense(num_classes) on its last output. It outputs logits (use ``from_logits=True``).

    ``steps=None`` accepts sequences of any length; the weights do not depend on it.
    """
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise ValueError(f"build_row_lstm: steps must be a positive int or None (any length), got {steps!r}")
    rows = keras.Input(shape=(steps, features), name="rows")  # (batch, steps, features)
    projected = keras.layers.Dense(units, name="input_projection")(rows)  # X W_in + b_in, row by row
    last_output = keras.layers.LSTM(units, name="lstm")(projected)  # h after the last row only
    logits = keras.layers.Dense(num_classes, name="logits")(last_output)  # h W_out + b_out
    return keras.Model(rows, logits, name="row_lstm")


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


# Taught in notebooks/03_lstm_classifier.ipynb; the same code as there (tests/test_notebook_code.py).
def build_inspection_model(model):
    """A model that returns every intermediate tensor of a row-LSTM classifier, as a dict.

    It shares the classifier's layers and weights: its LSTM is a ``keras.layers.RNN`` around the very
    same ``LSTMCell``, asked for the output at every step and the final states.
    """
    rows = keras.Input(shape=model.input_shape[1:], name="rows")
    projected = model.get_layer("input_projection")(rows)
    every_step = keras.layers.RNN(model.get_layer("lstm").cell, return_sequences=True, return_state=True)
    lstm_outputs, final_h, final_c = every_step(projected)
    logits = model.get_layer("logits")(final_h)
    outputs = {
        "rows": rows,  # X (batch, steps, features)
        "projected": projected,  # H = X W_in + b_in (batch, steps, units)
        "lstm_outputs": lstm_outputs,  # h_t after every row (batch, steps, units)
        "final_h": final_h,  # h after the last row = lstm_outputs[:, -1] (batch, units)
        "final_c": final_c,  # the cell state (memory) after the last row (batch, units)
        "logits": logits,  # O = h W_out + b_out (batch, classes), the same as model(X)
    }
    return keras.Model(rows, outputs, name="inspection")


def original_tensor_views(tensors):
    """The original TF 0.x tutorial's view of the tensors of ``build_inspection_model``, with descriptions.

    The original worked *time-major*: it transposed the batch to (steps, batch, features), flattened it
    to (steps * batch, features) for the input layer, and split the result into a Python list of
    ``steps`` tensors of shape (batch, units), one per time step, for its LSTM. This rebuilds those views
    from ``tensors`` (the inspection model's output dict, as numpy arrays or tensors) and returns a list
    of ``(name, value, description)`` triples, in the order the data flows. ``value`` is an array or,
    for the per-step lists, a list of arrays. Print it with ``tensor_table``.
    """
    needed = ("rows", "projected", "lstm_outputs", "final_h", "final_c", "logits")
    missing = [key for key in needed if key not in tensors]
    if missing:
        raise ValueError(
            f"original_tensor_views: missing {missing}; pass the dict returned by the model of "
            "build_inspection_model(model)"
        )
    t = {key: np.asarray(tensors[key]) for key in needed}
    batch, steps, features = t["rows"].shape
    units = t["projected"].shape[-1]

    def time_major_flat(x):  # (batch, steps, d) -> (steps, batch, d) -> (steps * batch, d)
        return np.transpose(x, (1, 0, 2)).reshape(steps * batch, x.shape[-1])

    x_flat = time_major_flat(t["rows"])
    h_flat = time_major_flat(t["projected"])
    return [
        (
            "X",
            x_flat,
            f"input rows, time-major: line t*{batch}+b is row t of image b ({steps} steps x {batch} images)",
        ),
        ("H", h_flat, f"input layer output X @ W_in + b_in, time-major ({features} -> {units} features)"),
        (
            "H split",
            np.split(h_flat, steps),
            f"H split into one (batch, {units}) tensor per time step: the LSTM's input",
        ),
        (
            "outputs",
            list(np.transpose(t["lstm_outputs"], (1, 0, 2))),
            f"LSTM output h_t after each of the {steps} steps, one (batch, {units}) tensor per step",
        ),
        ("h", t["final_h"], "final hidden state h_T (= the last output)"),
        ("c", t["final_c"], "final cell state c_T (the LSTM's memory)"),
        ("O", t["logits"], "logits: output layer applied to h_T, one score per digit"),
    ]


def tensor_table(views):
    """Format ``(name, value, description)`` triples as one plain-text table: name | shape | what it is.

    A list of equally shaped arrays is shown as ``28 x (5, 128)``.
    """
    lines = []
    for name, value, description in views:
        if isinstance(value, (list, tuple)):
            shapes = {tuple(np.shape(v)) for v in value}
            shape = f"{len(value)} x {shapes.pop()}" if len(shapes) == 1 else f"list of {len(value)}"
        else:
            shape = str(tuple(np.shape(value)))
        lines.append((name, shape, description))
    header = ("tensor", "shape", "what it is")
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(2)]
    fmt = f"{{:<{widths[0]}}}  {{:<{widths[1]}}}  {{}}"
    rule = fmt.format("-" * widths[0], "-" * widths[1], "-" * len(header[2]))
    return "\n".join([fmt.format(*header), rule, *(fmt.format(*row) for row in lines)])


# Taught in notebooks/03_lstm_classifier.ipynb; the same code as there (tests/test_notebook_code.py).
def cudnn_eligible(lstm):
    """Whether a ``keras.layers.LSTM`` can run on the fused cuDNN kernel when a GPU is present (TensorFlow
    backend): the conditions listed in the ``keras.layers.LSTM`` documentation, checked one by one."""
    if not isinstance(lstm, keras.layers.LSTM):
        raise TypeError(f"cudnn_eligible: expected a keras.layers.LSTM, got {type(lstm).__name__}")
    conditions = {
        "activation is tanh": keras.activations.serialize(lstm.activation) == "tanh",
        "recurrent_activation is sigmoid": keras.activations.serialize(lstm.recurrent_activation)
        == "sigmoid",
        "recurrent_dropout is 0": lstm.recurrent_dropout == 0,
        "unroll is False": not lstm.unroll,
        "use_bias is True": lstm.use_bias,
        "use_cudnn is 'auto' or True": lstm.use_cudnn in ("auto", True),
    }
    return all(conditions.values())
