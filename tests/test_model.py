"""The row-LSTM classifier (utils.lstm_classifier.taught and .helpers): architecture, variable length, cuDNN eligibility, inspection model."""

import numpy as np
import pytest

import utils

utils.silence_tensorflow()

import keras

from utils.lstm_classifier.figures import original_tensor_views, tensor_table
from utils.lstm_classifier.taught import build_inspection_model, build_row_lstm, cudnn_eligible


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return build_row_lstm()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 1, size=(5, 28, 28)).astype("float32")


def test_architecture_is_the_originals(model):
    assert [layer.name for layer in model.layers] == ["rows", "input_projection", "lstm", "logits"]
    assert model.input_shape == (None, 28, 28)
    assert model.output_shape == (None, 10)
    # 28*128+128 (input layer) + 4*(128*128+128*128+128) (LSTM) + 128*10+10 (output layer)
    assert model.count_params() == 3_712 + 131_584 + 1_290 == 136_586
    projection, lstm, logits = (model.get_layer(n) for n in ("input_projection", "lstm", "logits"))
    assert projection.activation.__name__ == "linear" and logits.activation.__name__ == "linear"
    assert lstm.units == 128 and not lstm.return_sequences


def test_any_length_model_shares_the_weights(model, images):
    any_length = build_row_lstm(steps=None)
    assert any_length.input_shape == (None, None, 28)
    any_length.set_weights(model.get_weights())  # same variables, whatever the length
    np.testing.assert_allclose(
        any_length.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6
    )
    for k in (1, 7, 25):
        assert any_length.predict(images[:, :k], verbose=0).shape == (5, 10)
    # Different lengths give different answers (the model really reads only k rows).
    assert not np.allclose(any_length.predict(images[:, :7], verbose=0), model.predict(images, verbose=0))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"steps": 0}, "steps must be a positive int or None"),
        ({"steps": 2.5}, "steps must be a positive int or None"),
        ({"units": -1}, "units must be a positive int"),
        ({"num_classes": 0}, "num_classes must be a positive int"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_row_lstm(**kwargs)


def test_lstm_is_cudnn_eligible(model):
    assert cudnn_eligible(model.get_layer("lstm")) is True


@pytest.mark.parametrize(
    "kwargs",
    [
        {"recurrent_dropout": 0.1},
        {"unroll": True},
        {"activation": "relu"},
        {"recurrent_activation": "hard_sigmoid"},
        {"use_bias": False},
        {"use_cudnn": False},
    ],
)
def test_non_default_lstm_is_not_cudnn_eligible(kwargs):
    assert cudnn_eligible(keras.layers.LSTM(8, **kwargs)) is False


def test_cudnn_eligible_rejects_other_layers():
    with pytest.raises(TypeError, match="expected a keras.layers.LSTM"):
        cudnn_eligible(keras.layers.GRU(8))


def test_inspection_model_exposes_every_tensor(model, images):
    inspection = build_inspection_model(model)
    # It shares the classifier's variables instead of copying them.
    assert {id(w) for w in inspection.weights} == {id(w) for w in model.weights}
    out = inspection.predict(images, verbose=0)
    shapes = {name: value.shape for name, value in out.items()}
    assert shapes == {
        "rows": (5, 28, 28),
        "projected": (5, 28, 128),
        "lstm_outputs": (5, 28, 128),
        "final_h": (5, 128),
        "final_c": (5, 128),
        "logits": (5, 10),
    }
    np.testing.assert_allclose(out["logits"], model.predict(images, verbose=0), atol=1e-6)
    np.testing.assert_allclose(out["rows"], images)
    np.testing.assert_allclose(out["lstm_outputs"][:, -1], out["final_h"], atol=1e-7)
    projection = model.get_layer("input_projection")
    np.testing.assert_allclose(
        out["projected"], images @ projection.kernel.numpy() + projection.bias.numpy(), atol=1e-5
    )


def test_inspection_model_follows_training(images):
    """Shared weights: after the classifier changes, the inspection model sees the change."""
    keras.utils.set_random_seed(1)
    classifier = build_row_lstm()
    inspection = build_inspection_model(classifier)
    classifier.get_layer("logits").bias.assign(np.arange(10, dtype="float32"))
    np.testing.assert_allclose(
        inspection.predict(images, verbose=0)["logits"], classifier.predict(images, verbose=0), atol=1e-6
    )


def test_inspection_model_needs_the_row_lstm_layers():
    plain = keras.Sequential([keras.Input((28, 28)), keras.layers.LSTM(4), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="input_projection"):
        build_inspection_model(plain)


def test_original_time_major_views(model, images):
    out = build_inspection_model(model).predict(images, verbose=0)
    views = {name: value for name, value, _ in original_tensor_views(out)}
    assert list(views) == ["X", "H", "H split", "outputs", "h", "c", "O"]
    assert views["X"].shape == (140, 28) and views["H"].shape == (140, 128)
    # Time-major: line t*5 + b is row t of image b.
    np.testing.assert_array_equal(views["X"][3 * 5 + 2], images[2, 3])
    np.testing.assert_array_equal(views["H"][27 * 5 + 4], out["projected"][4, 27])
    assert len(views["H split"]) == 28 and all(v.shape == (5, 128) for v in views["H split"])
    np.testing.assert_array_equal(views["H split"][6], out["projected"][:, 6])
    assert len(views["outputs"]) == 28
    np.testing.assert_array_equal(views["outputs"][-1], out["final_h"])
    assert views["O"].shape == (5, 10)

    table = tensor_table(original_tensor_views(out))
    lines = table.splitlines()
    assert lines[0].split() == ["tensor", "shape", "what", "it", "is"]
    assert "(140, 28)" in lines[2] and "28 x (5, 128)" in lines[5] and "(5, 10)" in lines[-1]
    with pytest.raises(ValueError, match=r"missing \['final_c'\]"):
        original_tensor_views({k: v for k, v in out.items() if k != "final_c"})
