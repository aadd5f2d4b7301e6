"""Notebook 01's exercises (utils/loading_mnist/exercises.py): every typical mistake gets its message.

What every exercise must do (its solution passes its check, placeholders, answers of the wrong kind) is
tested for all notebooks at once, in tests/test_exercises.py.
"""

import gzip
import warnings

import numpy as np
import pytest
from exercise_checks import assert_wrong, run_check

import utils
from utils.loading_mnist import exercises as ex


def test_answers_match_the_real_files(capsys):
    with gzip.open(utils.DATA_DIR / "t10k-images-idx3-ubyte.gz", "rb") as f:
        assert run_check(ex.q1, len(f.read()), capsys)[0] is True
    with gzip.open(utils.DATA_DIR / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        assert run_check(ex.q2, len(f.read()), capsys)[0] is True


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (7_840_000, "16-byte header"),  # forgot the header
        (7_840_008, "16 bytes, not 8"),
        (31_360_016, "float32"),  # 4 bytes per pixel
        (31_360_000, "float32"),
        (62_720_016, "float64 or int64"),
        (7.840016, "megabytes"),  # bytes vs MB
        (7.84, "megabytes"),
        (7.48, "mebibytes"),
        (8, "megabytes, rounded"),
        (47_040_016, "training-images file"),
        (1_616_508, "compressed .gz"),
        (280_016, "28 × 28 pixels"),
        (7_840_017, "7,840,017 bytes is not it"),
        ("7840016", "as one number"),
        (float("nan"), "not a whole number"),
    ],
)
def test_q1_file_size_mistakes(answer, fragment, capsys):
    assert_wrong(ex.q1, answer, fragment, capsys)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (10_016, "header is the magic number and the count"),  # the images' 16-byte header
        (10_000, "labels only"),
        (10_004, "8 bytes, not 4"),
        (80_008, "int64"),  # 8 bytes per label
        (80_000, "int64"),
        (40_008, "int32 or float32"),
        (60_008, "training-labels file"),
        (4_517, "compressed .gz"),
        (100_008, "one-hot"),
        (0.010008, "megabytes"),
        (float("inf"), "not a whole number"),
    ],
)
def test_q2_label_file_mistakes(answer, fragment, capsys):
    assert_wrong(ex.q2, answer, fragment, capsys)


def _means(images, labels):
    return np.stack([images[labels == d].mean(axis=0) for d in range(10)])


@pytest.mark.parametrize(
    ("function", "fragment"),
    [
        (lambda x, y: _means(x, y).transpose(0, 2, 1), "transposed"),
        (lambda x, y: _means(x, y).transpose(1, 2, 0), "digits are on the last axis"),
        (lambda x, y: x.mean(axis=0), "a single image"),
        (lambda x, y: _means(x, y).mean(axis=(1, 2)), "averaged over the pixels too"),
        (lambda x, y: _means(x, y).mean(axis=1), "averaged over an image axis too"),
        (lambda x, y: _means(x, y).reshape(10, -1), "flattened"),
        (lambda x, y: np.stack([x[y == d].sum(axis=0) for d in range(10)]), "sums, not means"),
        (lambda x, y: _means(x, y)[::-1], "wrong order"),
        (
            lambda x, y: np.stack([x[y == d].mean(axis=0) for d in range(1, 11)]),
            "not the mean of the images labelled d",
        ),  # digits 1-10
        (lambda x, y: np.stack([x[y == d][1:].mean(axis=0) for d in range(10)]), "not the mean"),
        (
            lambda x, y: 1 / 0,
            "<lambda>(an array of shape (3000, 28, 28), an array of shape (3000,)) raised ZeroDivisionError: division by zero",
        ),
        (lambda x, y: None, "Not answered yet"),
    ],
)
def test_q3_mean_image_mistakes(function, fragment, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty class (digit 10) is nan
        assert_wrong(ex.q3, function, fragment, capsys)


def test_q3_a_function_that_changes_its_input_does_not_spoil_later_checks(capsys):
    def scaling_in_place(images, labels):
        images *= 255
        return None

    run_check(ex.q3, scaling_in_place, capsys)
    verdict, out = run_check(ex.q3, _means, capsys)
    assert verdict is True, out


def test_q3_the_placeholder_function_is_not_answered_yet(capsys):
    def mean_images(images, labels): ...

    verdict, out = run_check(ex.q3, mean_images, capsys)
    assert verdict is False and out.startswith("✗ Not answered yet: mean_images returns None"), out
    assert_wrong(ex.q3, mean_images(1, 2) or 3, "pass the function itself", capsys)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ((4, 4), "distance 0 from itself"),  # the diagonal was not left out
        ((0, 1), "most different pair"),  # argmax instead of argmin
        ((7, 9), "another pair is closer"),
        (49, "flattened 10 × 10"),  # a flat index from argmin
        (4, "as a pair"),
        ((4, 10), "0 to 9"),
        ((4, 9, 7), "as a pair"),
    ],
)
def test_q4_closest_pair_mistakes(answer, fragment, capsys):
    assert_wrong(ex.q4, answer, fragment, capsys)


def test_q4_accepts_either_order_and_numpy_ints(capsys):
    assert run_check(ex.q4, (9, 4), capsys)[0] is True
    assert run_check(ex.q4, np.array([4, 9]), capsys)[0] is True
