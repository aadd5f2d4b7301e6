"""Notebook 02's exercises (utils/rows_as_a_sequence/exercises.py): every typical mistake gets its message.

What every exercise must do (its solution passes its check, placeholders, answers of the wrong kind) is
tested for all notebooks at once, in tests/test_exercises.py.
"""

import numpy as np
import pytest
from exercise_checks import assert_wrong, run_check

from utils.data import load_mnist
from utils.rows_as_a_sequence import exercises as ex
from utils.rows_as_a_sequence.taught import front_pad_rows


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ((429, 214), "rounds down"),
        ((429.6875, 214.84375), "whole number"),
        ((469, 235), "60,000 images"),
        ((215, 430), "swapped"),
        ((79, 40), "10,000 test images"),
        ((430, 214), "at batch size 256: that rounds down"),
        ((431, 215), "at batch size 128: one batch too many"),
        ((430, 860), "at batch size 256: 860 batches is not it"),
        (430, "give both counts"),
        ((float("nan"), 215), "not a whole number"),
    ],
)
def test_q1_batch_count_mistakes(answer, fragment, capsys):
    assert_wrong(ex.q1, answer, fragment, capsys)


def test_q1_accepts_the_datasets_own_counts(capsys):
    """``dataset.cardinality()`` gives each count as a 0-d tensor: the right numbers, so the right answer."""
    import tensorflow as tf

    x, y = np.zeros((55_000, 28, 28), np.float32), np.zeros(55_000, np.int64)
    ds128 = tf.data.Dataset.from_tensor_slices((x, y)).batch(128)
    ds256 = tf.data.Dataset.from_tensor_slices((x, y)).batch(256)
    verdict, out = run_check(ex.q1, (ds128.cardinality(), ds256.cardinality()), capsys)
    assert verdict is True and out.startswith("✓ Correct"), out
    assert_wrong(ex.q1, (ds128.cardinality(), tf.constant(214.5)), "214.5 is not a whole number", capsys)
    assert_wrong(ex.q1, (ds128.cardinality(), ds256), "not a BatchDataset", capsys)


RIGHT_SHAPES = {"X_time_major": (28, 32, 28), "X_stacked": (896, 28), "H": (896, 64), "H_steps[0]": (32, 64)}


def test_q2_the_shapes_are_tensorflows():
    """The solution works the shapes out by hand; TensorFlow, running the old code's steps, agrees."""
    import tensorflow as tf

    X = np.zeros((32, 28, 28), dtype="float32")
    X_time_major = tf.transpose(X, [1, 0, 2])
    X_stacked = tf.reshape(X_time_major, [-1, 28])
    H = tf.matmul(X_stacked, tf.zeros([28, 64])) + tf.zeros([64])  # the input layer, n_hidden = 64
    H_steps = tf.split(H, 28, axis=0)
    by_tensorflow = {
        "X_time_major": tuple(X_time_major.shape),
        "X_stacked": tuple(X_stacked.shape),
        "H": tuple(H.shape),
        "H_steps[0]": tuple(H_steps[0].shape),
    }
    assert ex.q2.reference_answer() == by_tensorflow == RIGHT_SHAPES


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"X_time_major": (32, 28, 28)}, "X_time_major: that is the batch-major input"),
        ({"X_stacked": (896, 64)}, "X_stacked: the reshape keeps the 28 features"),
        ({"X_stacked": (32, 784)}, "X_stacked: reshape(..., [-1, 28]) keeps 28 numbers"),
        ({"H": (896, 128)}, "H: n_hidden is 64"),
        ({"H_steps[0]": (28, 64)}, "H_steps[0]: each element of the list is one time step"),
        ({"H_steps[0]": (32, 128)}, "H_steps[0]: n_hidden is 64"),
        ({"H": (890, 64)}, "H: (890, 64) is not it"),
        ({"H": "896 x 64"}, "H: give a shape as a tuple"),
        ({"H": ...}, "Not answered yet: still `...` for ['H']"),
    ],
)
def test_q2_time_major_shape_mistakes(changes, fragment, capsys):
    assert_wrong(ex.q2, {**RIGHT_SHAPES, **changes}, fragment, capsys)


def test_q2_placeholder_dict_and_missing_keys(capsys):
    assert_wrong(ex.q2, dict.fromkeys(RIGHT_SHAPES, ...), "Not answered yet: replace each", capsys)
    assert_wrong(ex.q2, {"H": (896, 64)}, "the dict has no", capsys)
    assert_wrong(ex.q2, [(28, 32, 28)], "give a dict", capsys)
    lists = {key: list(shape) for key, shape in RIGHT_SHAPES.items()}
    assert run_check(ex.q2, lists, capsys)[0] is True  # lists are fine


def _pad(images, k, before, after):
    return np.pad(images[:, :k], [(0, 0), (before, after), (0, 0)])


def _in_place(images, k):
    images[:, k:] = 0
    return images


@pytest.mark.parametrize(
    ("function", "fragment"),
    [
        (lambda x, k: _pad(x, k, x.shape[1] - k, 0), "that is front padding"),
        (lambda x, k: _pad(x, k + 1, 0, x.shape[1] - k - 1), "off by one, you kept 26 rows instead of 25"),
        (lambda x, k: _pad(x, k - 1, 0, x.shape[1] - k + 1), "off by one, you kept 24 rows instead of 25"),
        (lambda x, k: x[:, :k], "that is first_rows"),
        (lambda x, k: _pad(x, k, 0, 28 - k), "only works for 28 rows"),
        (lambda x, k: np.zeros_like(x), "the first k rows must be the images' first k rows"),
        (lambda x, k: x.copy(), "the rows after the first k must all be zeros"),
        (_in_place, "changed the caller's images in place"),
        (lambda x, k: x[:, ::-1][:, :k], "returned shape (3, 25, 28)"),
        (lambda x, k: x[0], "expected the shape of images"),
        (lambda x, k: undefined_name, "raised NameError"),  # noqa: F821
        (lambda x, k: None, "Not answered yet: <lambda> returns None"),
    ],
)
def test_q3_back_padding_mistakes(function, fragment, capsys):
    assert_wrong(ex.q3, function, fragment, capsys)


def test_q3_back_pad_rows_is_public_and_mirrors_front_padding():
    """Notebook 03's checks import the solution, ``back_pad_rows``: the first k rows, then zeros."""
    images = np.arange(2 * 6 * 3, dtype="float32").reshape(2, 6, 3) + 1
    back = ex.back_pad_rows(images, 4)
    assert back.shape == images.shape and not back[:, 4:].any()
    np.testing.assert_array_equal(back[:, :4], front_pad_rows(images, 4)[:, 2:])


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ((7, 6), "Python indices, counted from 0"),  # 0-based
        ((7, 7), "one of them is a Python index"),
        ((7, 8), "swapped"),
        ((8, 8), "reading by columns: step 8"),
        ((27, 22), "reading by rows: step 27"),
        (8, "as a pair"),
    ],
)
def test_q4_first_ink_mistakes(answer, fragment, capsys):
    assert_wrong(ex.q4, answer, fragment, capsys)


def test_q4_answer_is_the_first_test_digit(capsys):
    digit = load_mnist().x_test[0]
    answer = (int(digit.any(axis=1).argmax()) + 1, int(digit.any(axis=0).argmax()) + 1)
    assert run_check(ex.q4, answer, capsys)[0] is True
