"""An LSTM cell written out by hand in numpy, matching ``keras.layers.LSTM`` exactly.

``lstm_step`` and ``lstm_unroll`` are taught in notebook 03 (the cell marked ``# @save utils.lstm``; this is
the same code, checked by tests/test_notebook_code.py); notebook 04 runs them with the trained weights.
``lstm_weights`` reads those weights out of a Keras layer.

Keras stores the four gates side by side in one matrix, in the order **i, f, c, o**
(input gate, forget gate, cell candidate -- called ``g`` here -- and output gate)::

    kernel            (input_dim, 4 * units)   columns [i | f | g | o]
    recurrent_kernel  (units,     4 * units)   columns [i | f | g | o]
    bias              (4 * units,)             [i | f | g | o]

One step, with sigma the logistic sigmoid::

    z   = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i   = sigma(z_i)      f = sigma(z_f)      g = tanh(z_g)      o = sigma(z_o)
    c_t = f * c_prev + i * g
    h_t = o * tanh(c_t)

The arithmetic runs in float64 by default, so the hand-written cell is a *more* precise reference than
Keras's float32 kernel; the two agree to well below 1e-5.
"""

import numpy as np

# Taught in notebooks/03_lstm_classifier.ipynb; the same code as there (tests/test_notebook_code.py).
GATE_ORDER = ("i", "f", "g", "o")  # Keras stacks the four gates' weights side by side in this order


# Taught in notebooks/03_lstm_classifier.ipynb; the same code as there (tests/test_notebook_code.py).
def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), written with tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# Taught in notebooks/03_lstm_classifier.ipynb; the same code as there (tests/test_notebook_code.py).
def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM time step, as ``keras.layers.LSTM`` computes it. Returns ``(h_t, c_t, gates)``.

    x_t (batch, input_dim); h_prev, c_prev (batch, units); kernel (input_dim, 4 * units);
    recurrent_kernel (units, 4 * units); bias (4 * units,); gates: a dict of (batch, units) arrays.
    """
    input_dim, units = np.shape(kernel)[0], np.shape(recurrent_kernel)[0]
    if np.shape(x_t)[1:] != (input_dim,) or np.shape(h_prev)[1:] != (units,):
        raise ValueError(
            f"lstm_step: expected x_t (batch, {input_dim}) and h_prev, c_prev (batch, {units}), "
            f"got {np.shape(x_t)} and {np.shape(h_prev)}"
        )
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias  # (batch, 4 * units): blocks [i | f | g | o]
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)  # input, forget, output gate: between 0 and 1
    g = np.tanh(z_g)  # candidate values for the cell: between -1 and 1
    c_t = f * c_prev + i * g  # keep part of the old memory, write part of the new
    h_t = o * np.tanh(c_t)  # show part of the memory as the output
    return h_t, c_t, {"i": i, "f": f, "g": g, "o": o}


# Taught in notebooks/03_lstm_classifier.ipynb; the same code as there (tests/test_notebook_code.py).
def lstm_unroll(x, kernel, recurrent_kernel, bias, h0=None, c0=None, *, dtype=np.float64):
    """Run ``lstm_step`` over whole sequences x (batch, steps, input_dim), from zero states by default.

    Returns a dict of (batch, steps, units) arrays: "h" (the output at every step), "c" (the cell
    state) and the gates "i", "f", "g", "o". ``dtype=np.float32`` halves the memory for big batches.
    """
    x, kernel, recurrent_kernel, bias = (np.asarray(a, dtype) for a in (x, kernel, recurrent_kernel, bias))
    if x.ndim != 3:
        raise ValueError(f"lstm_unroll: x must be (batch, steps, input_dim), got shape {x.shape}")
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units), dtype) if h0 is None else np.asarray(h0, dtype)
    c = np.zeros((batch, units), dtype) if c0 is None else np.asarray(c0, dtype)
    history = {name: [] for name in ("h", "c", *GATE_ORDER)}
    for t in range(steps):
        h, c, gates = lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias)
        for name, value in {"h": h, "c": c, **gates}.items():
            history[name].append(value)
    return {name: np.stack(values, axis=1) for name, values in history.items()}


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


__all__ = ["GATE_ORDER", "sigmoid", "lstm_step", "lstm_unroll", "lstm_weights"]
