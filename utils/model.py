"""The row-LSTM classifier: the original tutorial's architecture in Keras 3.

Used by notebooks 03 (build, train, inspect), 04 (load the shipped weights) and the benchmarks.

    rows (batch, 28, 28) -> Dense(128) linear "input_projection"
                         -> LSTM(128) "lstm" (last output only)
                         -> Dense(10) linear "logits"
"""

from pathlib import Path

import numpy as np

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


def row_lstm_layer(model, name, where):
    """``model.get_layer(name)``, or a clear error naming ``where`` it was needed and the model expected.

    Used here and by ``utils.inspection``, which both need the layers of ``build_row_lstm``.
    """
    try:
        return model.get_layer(name)
    except ValueError:
        names = [layer.name for layer in model.layers]
        raise ValueError(
            f"{where}: the model has no layer named {name!r} (it has {names}); "
            "pass a model built by utils.model.build_row_lstm or load_row_lstm"
        ) from None


def build_inspection_model(model):
    """Wrap a row-LSTM classifier in a model that returns every intermediate tensor, as a dict.

    The inspection model *shares* the classifier's layers and weights (no copies): its LSTM is a
    ``keras.layers.RNN`` around the very same ``LSTMCell``, but with ``return_sequences=True`` and
    ``return_state=True``. Its outputs, for a batch of shape (batch, steps, features):

    * ``"rows"``          the input rows X, (batch, steps, features)
    * ``"projected"``     the linear input layer's output H, (batch, steps, units)
    * ``"lstm_outputs"``  the LSTM's output h_t at every step, (batch, steps, units)
    * ``"final_h"``       the final hidden state (= the last output), (batch, units)
    * ``"final_c"``       the final cell state, (batch, units)
    * ``"logits"``        the classifier's output O, (batch, num_classes) -- the same as ``model(x)``

    Used by notebook 03 (printing the original tutorial's tensors).
    """
    for name in ("input_projection", "lstm", "logits"):
        row_lstm_layer(model, name, "build_inspection_model")
    lstm = model.get_layer("lstm")
    rows = keras.Input(shape=model.input_shape[1:], name="rows")
    projected = model.get_layer("input_projection")(rows)
    every_step = keras.layers.RNN(lstm.cell, return_sequences=True, return_state=True, name="lstm_every_step")
    lstm_outputs, final_h, final_c = every_step(projected)
    logits = model.get_layer("logits")(final_h)
    outputs = {
        "rows": rows,
        "projected": projected,
        "lstm_outputs": lstm_outputs,
        "final_h": final_h,
        "final_c": final_c,
        "logits": logits,
    }
    return keras.Model(rows, outputs, name=f"{model.name}_inspection")


def original_tensor_views(tensors):
    """The original TF 0.x tutorial's view of the tensors of ``build_inspection_model``, with descriptions.

    The original worked *time-major*: it transposed the batch to (steps, batch, features), flattened it
    to (steps * batch, features) for the input layer, and split the result into a Python list of
    ``steps`` tensors of shape (batch, units), one per time step, for its LSTM. This rebuilds those views
    from ``tensors`` (the inspection model's output dict, as numpy arrays or tensors) and returns a list
    of ``(name, value, description)`` triples, in the order the data flows. ``value`` is an array or,
    for the per-step lists, a list of arrays. Print it with ``tensor_table``.
    Used by notebook 03.
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

    A list of equally shaped arrays is shown as ``28 x (5, 128)``. Used by notebook 03.
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


def cudnn_eligible(lstm_layer):
    """Whether Keras would run ``lstm_layer`` with the fused cuDNN kernel on a GPU (TensorFlow backend).

    Asks Keras's own test (``keras.src.backend.tensorflow.rnn``: tanh activation, sigmoid recurrent
    activation, ``unroll=False``, ``use_bias=True``) without its "is a GPU present" part, and adds the
    two conditions ``keras.layers.LSTM`` checks itself before taking that path: no recurrent dropout
    and ``use_cudnn`` left at "auto" (or True). Used by notebook 03 and tests/test_model.py.
    """
    from keras.src.backend.tensorflow.rnn import _do_lstm_arguments_support_cudnn

    if not isinstance(lstm_layer, keras.layers.LSTM):
        raise TypeError(f"cudnn_eligible: expected a keras.layers.LSTM, got {type(lstm_layer).__name__}")
    cell = lstm_layer.cell
    arguments_ok = _do_lstm_arguments_support_cudnn(
        activation=cell.activation,
        recurrent_activation=cell.recurrent_activation,
        unroll=lstm_layer.unroll,
        use_bias=cell.use_bias,
    )
    return bool(arguments_ok and not cell.recurrent_dropout and lstm_layer.use_cudnn in ("auto", True))
