"""An LSTM cell written out by hand in numpy, matching ``keras.layers.LSTM`` exactly.

Used by notebook 03 (one step by hand, checked against Keras) and notebook 04 (gate activity of the
trained model, via ``utils.inspection``).

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

#: Keras's gate order inside the stacked kernel (``g`` is Keras's "c", the cell candidate).
GATE_ORDER = ("i", "f", "g", "o")


def _sigmoid(z):
    # Written with tanh so it never overflows for large |z| (exp(-z) would, in float32).
    return 0.5 * (1.0 + np.tanh(0.5 * z))


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


def _check_state(name, state, batch, units, where):
    if state.shape != (batch, units):
        raise ValueError(
            f"{where}: {name} must have shape (batch, units) = {(batch, units)}, got {state.shape}"
        )


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, *, dtype=np.float64):
    """One LSTM time step, exactly as ``keras.layers.LSTM`` computes it (gate order i, f, c, o).

    Shapes: ``x_t`` (batch, input_dim), ``h_prev`` and ``c_prev`` (batch, units), ``kernel``
    (input_dim, 4*units), ``recurrent_kernel`` (units, 4*units), ``bias`` (4*units,).
    Returns ``(h_t, c_t, gates)`` where ``gates`` is a dict of the activations ``"i"``, ``"f"``,
    ``"g"`` (cell candidate, Keras's "c") and ``"o"``, each (batch, units). Computed in ``dtype``.
    Used by notebook 03 ("one LSTM step by hand") and by ``lstm_unroll``.
    """
    x_t, h_prev, c_prev, kernel, recurrent_kernel, bias = (
        np.asarray(a, dtype=dtype) for a in (x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    )
    input_dim, units = _check_weights(kernel, recurrent_kernel, bias, where="lstm_step")
    if x_t.ndim != 2 or x_t.shape[1] != input_dim:
        raise ValueError(
            f"lstm_step: x_t must have shape (batch, input_dim) = (batch, {input_dim}), got {x_t.shape}"
        )
    batch = x_t.shape[0]
    _check_state("h_prev", h_prev, batch, units, "lstm_step")
    _check_state("c_prev", c_prev, batch, units, "lstm_step")

    z = x_t @ kernel + h_prev @ recurrent_kernel + bias  # (batch, 4*units), blocks [i | f | g | o]
    return _cell_update(z, c_prev)


def _cell_update(z, c_prev):
    """The LSTM's non-linear part: gate activations from pre-activations ``z``, then the new states."""
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
    gates = {"i": _sigmoid(z_i), "f": _sigmoid(z_f), "g": np.tanh(z_g), "o": _sigmoid(z_o)}
    c_t = gates["f"] * c_prev + gates["i"] * gates["g"]
    h_t = gates["o"] * np.tanh(c_t)
    return h_t, c_t, gates


def lstm_unroll(x, kernel, recurrent_kernel, bias, h0=None, c0=None, *, dtype=np.float64):
    """Run the hand-written LSTM over whole sequences ``x`` of shape (batch, steps, input_dim).

    ``h0`` / ``c0`` are the initial states (batch, units), zeros by default (as in Keras).
    Returns a dict of arrays, each (batch, steps, units): ``"h"`` (hidden state = the LSTM's output at
    every step, like ``return_sequences=True``), ``"c"`` (cell state) and the gate activations
    ``"i"``, ``"f"``, ``"g"``, ``"o"``. ``result["h"][:, -1]`` and ``result["c"][:, -1]`` are Keras's final
    states (``return_state=True``). ``dtype`` sets the arithmetic and the returned arrays' precision
    (pass ``np.float32`` to halve the memory for large batches).
    Used by notebook 03 (the 28-step unroll checked against Keras) and notebook 04 (gates of the trained model).
    """
    x = np.asarray(x, dtype=dtype)
    kernel, recurrent_kernel, bias = (np.asarray(a, dtype=dtype) for a in (kernel, recurrent_kernel, bias))
    input_dim, units = _check_weights(kernel, recurrent_kernel, bias, where="lstm_unroll")
    if x.ndim != 3 or x.shape[2] != input_dim:
        raise ValueError(
            f"lstm_unroll: x must have shape (batch, steps, input_dim) = (batch, steps, {input_dim}), "
            f"got {x.shape}"
        )
    batch, steps, _ = x.shape
    if steps < 1:
        raise ValueError("lstm_unroll: x has 0 time steps; pass at least one step")
    h = np.zeros((batch, units), dtype) if h0 is None else np.asarray(h0, dtype=dtype)
    c = np.zeros((batch, units), dtype) if c0 is None else np.asarray(c0, dtype=dtype)
    _check_state("h0", h, batch, units, "lstm_unroll")
    _check_state("c0", c, batch, units, "lstm_unroll")

    out = {name: np.empty((batch, steps, units), dtype) for name in ("h", "c", *GATE_ORDER)}
    # The input part of z does not depend on the recurrence: one big matmul for all steps at once.
    x_proj = x @ kernel + bias  # (batch, steps, 4*units)
    for t in range(steps):
        h, c, gates = _cell_update(x_proj[:, t] + h @ recurrent_kernel, c)
        for name, value in (("h", h), ("c", c), *gates.items()):
            out[name][:, t] = value
    return out


__all__ = ["GATE_ORDER", "lstm_weights", "lstm_step", "lstm_unroll"]
