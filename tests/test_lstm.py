"""The hand-written LSTM cell (utils.lstm_classifier.taught) reproduces keras.layers.LSTM to 1e-5."""

import numpy as np
import pytest

import utils

utils.silence_tensorflow()

import keras

from utils.lstm_classifier.helpers import lstm_weights
from utils.lstm_classifier.taught import GATE_ORDER, lstm_step, lstm_unroll

UNITS, STEPS, FEATURES, BATCH = 128, 28, 28, 16
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def lstm_and_inputs():
    """A Keras LSTM(128) with non-trivial weights, plus a batch of MNIST-like rows in [0, 1].

    Glorot/orthogonal initial weights give pre-activations near 0, so every gate sits near 0.5 and a
    mix-up of gate order or activation could go unnoticed. Doubling the weights and drawing a random
    bias spreads the gates over (0, 1) while keeping |c| small enough for float32 Keras to stay exact
    to ~1e-6.
    """
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    layer = keras.layers.LSTM(UNITS, return_sequences=True, return_state=True)
    x = rng.uniform(0.0, 1.0, size=(BATCH, STEPS, FEATURES)).astype("float32")
    layer(x[:, :1])  # build
    kernel, recurrent_kernel, bias = lstm_weights(layer)
    layer.set_weights([2 * kernel, 2 * recurrent_kernel, rng.normal(size=bias.shape).astype("float32")])
    return layer, x


def test_weights_have_keras_layout(lstm_and_inputs):
    layer, _ = lstm_and_inputs
    kernel, recurrent_kernel, bias = lstm_weights(layer)
    assert kernel.shape == (FEATURES, 4 * UNITS)
    assert recurrent_kernel.shape == (UNITS, 4 * UNITS)
    assert bias.shape == (4 * UNITS,)
    assert GATE_ORDER == ("i", "f", "g", "o")
    np.testing.assert_array_equal(kernel, layer.cell.kernel.numpy())


def test_one_step_by_hand_equals_keras(lstm_and_inputs):
    layer, x = lstm_and_inputs
    one_step_lstm = keras.layers.LSTM(UNITS)  # plain LSTM(128): returns the last (here: only) output
    one_step_lstm(x[:, :1])
    one_step_lstm.set_weights(layer.get_weights())
    keras_h = np.asarray(one_step_lstm(x[:, :1]))

    zeros = np.zeros((BATCH, UNITS))
    h, c, gates = lstm_step(x[:, 0], zeros, zeros, *lstm_weights(layer))
    assert h.shape == c.shape == (BATCH, UNITS)
    assert set(gates) == {"i", "f", "g", "o"}
    # The check is only meaningful if the gates are really spread out, not all ~0.5.
    assert min(np.std(gates[name]) for name in GATE_ORDER) > 0.1
    assert np.max(np.abs(h - keras_h)) < TOLERANCE


def test_one_step_from_nonzero_state_equals_keras(lstm_and_inputs):
    layer, x = lstm_and_inputs
    rng = np.random.default_rng(2)
    h0 = rng.uniform(-1, 1, size=(BATCH, UNITS)).astype("float32")
    c0 = rng.normal(size=(BATCH, UNITS)).astype("float32")
    _, keras_h, keras_c = (np.asarray(a) for a in layer(x[:, :1], initial_state=[h0, c0]))
    h, c, _ = lstm_step(x[:, 0], h0, c0, *lstm_weights(layer))
    assert np.max(np.abs(h - keras_h)) < TOLERANCE
    assert np.max(np.abs(c - keras_c)) < TOLERANCE


def test_full_unroll_equals_keras_sequences_and_states(lstm_and_inputs):
    layer, x = lstm_and_inputs
    keras_sequence, keras_h, keras_c = (np.asarray(a) for a in layer(x))
    states = lstm_unroll(x, *lstm_weights(layer))
    assert set(states) == {"h", "c", "i", "f", "g", "o"}
    for name, value in states.items():
        assert value.shape == (BATCH, STEPS, UNITS), name
    assert np.max(np.abs(states["h"] - keras_sequence)) < TOLERANCE
    assert np.max(np.abs(states["h"][:, -1] - keras_h)) < TOLERANCE
    assert np.max(np.abs(states["c"][:, -1] - keras_c)) < TOLERANCE
    # Gate activations lie in their activation's range; the forget gate is not stuck at 0.5.
    for name in ("i", "f", "o"):
        assert states[name].min() >= 0 and states[name].max() <= 1
    assert np.abs(states["g"]).max() <= 1
    assert np.std(states["f"]) > 0.1


def test_unroll_agrees_with_repeated_steps(lstm_and_inputs):
    layer, x = lstm_and_inputs
    weights = lstm_weights(layer)
    states = lstm_unroll(x[:4, :5], *weights)  # computes in float64 by default
    x64, weights64 = x.astype(np.float64), [w.astype(np.float64) for w in weights]
    h = c = np.zeros((4, UNITS))
    for t in range(5):
        h, c, gates = lstm_step(x64[:4, t], h, c, *weights64)
        np.testing.assert_allclose(states["h"][:, t], h, atol=1e-12)
        np.testing.assert_allclose(states["i"][:, t], gates["i"], atol=1e-12)


def test_float32_option_is_close_and_smaller(lstm_and_inputs):
    layer, x = lstm_and_inputs
    weights = lstm_weights(layer)
    exact = lstm_unroll(x, *weights)
    single = lstm_unroll(x, *weights, dtype=np.float32)
    assert single["h"].dtype == np.float32
    assert np.max(np.abs(single["h"] - exact["h"])) < TOLERANCE


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            {"x_t": np.zeros((2, 27))},
            r"expected x_t \(batch, 28\) and h_prev, c_prev \(batch, 128\), got \(2, 27\)",
        ),
        (
            {"x_t": np.zeros((2, 28, 28))},
            r"expected x_t \(batch, 28\).*got \(2, 28, 28\)",
        ),  # a whole sequence
        ({"h_prev": np.zeros((2, 64))}, r"h_prev, c_prev \(batch, 128\), got \(2, 28\) and \(2, 64\)"),
    ],
)
def test_step_rejects_bad_shapes(lstm_and_inputs, bad, message):
    layer, x = lstm_and_inputs
    kernel, recurrent_kernel, bias = lstm_weights(layer)
    args = {
        "x_t": x[:2, 0],
        "h_prev": np.zeros((2, UNITS)),
        "c_prev": np.zeros((2, UNITS)),
        "kernel": kernel,
        "recurrent_kernel": recurrent_kernel,
        "bias": bias,
    }
    args.update(bad)
    with pytest.raises(ValueError, match=message):
        lstm_step(**args)


def test_unroll_rejects_bad_shapes(lstm_and_inputs):
    layer, x = lstm_and_inputs
    weights = lstm_weights(layer)
    with pytest.raises(ValueError, match=r"x must be \(batch, steps, input_dim\), got shape \(16, 28\)"):
        lstm_unroll(x[:, 0], *weights)
    with pytest.raises(ValueError, match=r"expected x_t \(batch, 28\).*got \(16, 14\)"):
        lstm_unroll(x[:, :, :14], *weights)
    with pytest.raises(ValueError):
        lstm_unroll(x, *weights, c0=np.zeros((BATCH, 3)))


def test_lstm_weights_rejects_what_it_cannot_reproduce():
    with pytest.raises(ValueError, match="no weights yet"):
        lstm_weights(keras.layers.LSTM(4))
    with pytest.raises(TypeError, match="expected a keras.layers.LSTM"):
        lstm_weights(keras.layers.Dense(4))
    relu_lstm = keras.layers.LSTM(4, activation="relu")
    relu_lstm(np.zeros((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match="activation='relu'"):
        lstm_weights(relu_lstm)
