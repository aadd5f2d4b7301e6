"""Tests for utils.rows_as_a_sequence.taught (notebook 02's taught code): truncated inputs, column reading and the tf.data pipeline."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import utils

utils.silence_tensorflow()

import keras
import tensorflow as tf

from utils.rows_as_a_sequence.taught import columns_as_sequence, first_rows, front_pad_rows, make_dataset


def numbered_images(n=2, rows=4, cols=3):
    """Images whose every pixel is distinct (1, 2, 3, ...), so any misplaced value shows up."""
    return np.arange(1, n * rows * cols + 1, dtype=np.float32).reshape(n, rows, cols)


# ---------------------------------------------------------------- front_pad_rows


def test_front_pad_rows_exact_values():
    images = numbered_images(n=1, rows=4, cols=3)  # rows [1 2 3] [4 5 6] [7 8 9] [10 11 12]
    padded = front_pad_rows(images, 2)
    expected = np.array([[[0, 0, 0], [0, 0, 0], [1, 2, 3], [4, 5, 6]]], dtype=np.float32)
    np.testing.assert_array_equal(padded, expected)


def test_front_pad_rows_keeps_shape_and_dtype_for_every_k():
    images = numbered_images(n=3, rows=5, cols=2).astype(np.uint8)
    for k in range(1, 6):
        padded = front_pad_rows(images, k)
        assert padded.shape == images.shape
        assert padded.dtype == images.dtype
        assert not padded[:, : 5 - k].any(), "the first rows - k rows must be zeros"
        np.testing.assert_array_equal(padded[:, 5 - k :], images[:, :k])


def test_front_pad_rows_with_all_rows_is_the_identity_and_a_copy():
    images = numbered_images()
    padded = front_pad_rows(images, images.shape[1])
    np.testing.assert_array_equal(padded, images)
    padded[0, 0, 0] = -1
    assert images[0, 0, 0] == 1, "front_pad_rows must not write into its input"


def test_front_pad_rows_k1_keeps_only_the_first_row_at_the_bottom():
    images = numbered_images(n=2, rows=4, cols=3)
    padded = front_pad_rows(images, 1)
    np.testing.assert_array_equal(padded[:, -1], images[:, 0])
    assert not padded[:, :-1].any()


def test_front_pad_rows_on_mnist_sized_batch_with_numpy_int_k():
    images = np.random.default_rng(0).random((7, 28, 28), dtype=np.float32)
    padded = front_pad_rows(images, np.int64(25))
    assert padded.shape == (7, 28, 28)
    np.testing.assert_array_equal(padded[:, 3:], images[:, :25])
    assert not padded[:, :3].any()


# ---------------------------------------------------------------- first_rows


def test_first_rows_exact_values_and_shape():
    images = numbered_images(n=2, rows=4, cols=3)
    short = first_rows(images, 3)
    assert short.shape == (2, 3, 3)
    np.testing.assert_array_equal(short[0], [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(short[1], [[13, 14, 15], [16, 17, 18], [19, 20, 21]])


def test_first_rows_edges_and_independence_from_input():
    images = numbered_images(n=2, rows=4, cols=3)
    one = first_rows(images, 1)
    assert one.shape == (2, 1, 3)
    np.testing.assert_array_equal(one[:, 0], images[:, 0])
    full = first_rows(images, 4)
    np.testing.assert_array_equal(full, images)
    full[0, 0, 0] = -1
    assert images[0, 0, 0] == 1, "first_rows must return a copy, not a view"


def test_first_rows_equals_the_end_of_front_pad_rows():
    images = np.random.default_rng(1).random((4, 28, 28))
    for k in (1, 7, 25, 28):
        np.testing.assert_array_equal(front_pad_rows(images, k)[:, 28 - k :], first_rows(images, k))


# ---------------------------------------------------------------- columns_as_sequence


def test_columns_as_sequence_exact_values():
    images = numbered_images(n=1, rows=2, cols=3)  # [[1 2 3] [4 5 6]]
    columns = columns_as_sequence(images)
    assert columns.shape == (1, 3, 2)  # 3 steps (columns) of 2 features (rows)
    np.testing.assert_array_equal(columns[0], [[1, 4], [2, 5], [3, 6]])
    assert columns.flags["C_CONTIGUOUS"]


def test_columns_as_sequence_twice_is_the_identity():
    images = np.random.default_rng(2).random((5, 28, 28), dtype=np.float32)
    columns = columns_as_sequence(images)
    assert columns.shape == (5, 28, 28) and columns.dtype == np.float32
    np.testing.assert_array_equal(columns_as_sequence(columns), images)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "func", [lambda x: front_pad_rows(x, 1), lambda x: first_rows(x, 1), columns_as_sequence]
)
@pytest.mark.parametrize("shape", [(28, 28), (28,), (2, 1, 28, 28)])
def test_wrong_number_of_dimensions_is_rejected_with_the_single_image_hint(func, shape):
    with pytest.raises(ValueError, match=r"expected a batch \(n, rows, cols\), got shape .*image\[None\]"):
        func(np.zeros(shape))


def test_error_names_the_function_and_the_shape():
    with pytest.raises(ValueError, match=r"^first_rows: .*got shape \(28, 28\);"):
        first_rows(np.zeros((28, 28)), 5)


@pytest.mark.parametrize("func", [front_pad_rows, first_rows])
@pytest.mark.parametrize("k", [0, -1, 29, 2.5, 3.0, "3", None])
def test_k_that_is_not_a_row_count_from_1_to_rows_is_rejected(func, k):
    with pytest.raises(ValueError, match=rf"k must be a whole number of rows from 1 to 28, got {k!r}"):
        func(np.zeros((2, 28, 28)), k)


def test_k_limit_follows_the_number_of_rows():
    with pytest.raises(ValueError, match="from 1 to 5, got 6"):
        front_pad_rows(np.zeros((1, 5, 3)), 6)
    assert first_rows(np.zeros((1, 5, 3)), 5).shape == (1, 5, 3)


# ---------------------------------------------------------------- make_dataset


def small_set(n=10, steps=28, features=28):
    rng = np.random.default_rng(3)
    images = rng.random((n, steps, features), dtype=np.float32)
    labels = np.arange(n, dtype=np.int64) % 10
    return images, labels


def marked_set(n=50, size=12):
    """Blank images with one dot in the middle whose value, (i + 1) / 100, tells which image it is.

    Labels are the ids 0..n-1, so a label and the image it travels with can always be matched up,
    and the dot's position shows how far an augmentation moved the image.
    """
    images = np.zeros((n, size, size), np.float32)
    images[:, size // 2, size // 2] = (np.arange(n) + 1) / 100
    return images, np.arange(n, dtype=np.int64)


def collect(dataset):
    """All (images, labels) of one pass over the dataset, concatenated, plus the batch sizes."""
    xs, ys, sizes = [], [], []
    for x, y in dataset:
        xs.append(x.numpy())
        ys.append(y.numpy())
        sizes.append(len(y))
    return np.concatenate(xs), np.concatenate(ys), sizes


def dot_ids_and_positions(images):
    """For every image of ``marked_set``: its id (from the dot's value) and the dot's (row, col)."""
    flat = images.reshape(len(images), -1)
    where = flat.argmax(axis=1)
    ids = np.rint(flat.max(axis=1) * 100).astype(int) - 1
    return ids, np.stack(np.unravel_index(where, images.shape[1:]), axis=1)


def test_make_dataset_batch_shapes_and_dtypes():
    images, labels = small_set(n=10)
    dataset = make_dataset(images, labels, batch_size=4)
    assert isinstance(dataset, tf.data.Dataset)
    assert dataset.element_spec[0].shape.as_list() == [None, 28, 28]
    assert dataset.element_spec[0].dtype == tf.float32
    assert dataset.element_spec[1].shape.as_list() == [None]
    assert dataset.element_spec[1].dtype == tf.int64
    x, y, sizes = collect(dataset)
    assert sizes == [4, 4, 2], "the last batch keeps the remainder"
    assert x.shape == (10, 28, 28) and y.shape == (10,)


def test_make_dataset_without_shuffle_keeps_order_and_values():
    images, labels = small_set(n=7)
    x, y, _ = collect(make_dataset(images, labels, batch_size=3, shuffle=False))
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)


def test_make_dataset_shuffles_pairs_together():
    images, labels = marked_set(n=50)
    x, y, _ = collect(make_dataset(images, labels, batch_size=16, seed=0))
    assert not np.array_equal(y, labels), "a 50-element shuffle left everything in place"
    assert sorted(y.tolist()) == list(range(50)), "every example appears exactly once"
    np.testing.assert_array_equal(dot_ids_and_positions(x)[0], y)


def test_make_dataset_is_deterministic_with_a_seed():
    images, labels = marked_set(n=64)
    first = make_dataset(images, labels, batch_size=8, seed=7)
    second = make_dataset(images, labels, batch_size=8, seed=7)
    other = make_dataset(images, labels, batch_size=8, seed=8)
    epoch1 = collect(first)[1]
    np.testing.assert_array_equal(epoch1, collect(second)[1])
    assert not np.array_equal(epoch1, collect(other)[1]), "a different seed should give another order"
    epoch2 = collect(first)[1]
    assert not np.array_equal(epoch1, epoch2), "each epoch is reshuffled"
    np.testing.assert_array_equal(epoch2, collect(second)[1])


def test_make_dataset_without_a_seed_follows_keras_set_random_seed():
    images, labels = marked_set(n=64)
    orders = {}
    for name, global_seed in [("a", 1), ("b", 1), ("c", 2)]:
        keras.utils.set_random_seed(global_seed)
        dataset = make_dataset(images, labels, batch_size=8)  # seed=None, the default
        orders[name] = [collect(dataset)[1], collect(dataset)[1]]  # two epochs
    np.testing.assert_array_equal(orders["a"][0], orders["b"][0])
    np.testing.assert_array_equal(orders["a"][1], orders["b"][1])
    assert not np.array_equal(orders["a"][0], orders["a"][1]), "each epoch is reshuffled"
    assert not np.array_equal(orders["a"][0], orders["c"][0]), "another global seed, another order"


def test_make_dataset_accepts_uint8_labels_and_float64_images():
    images, labels = small_set(n=5)
    dataset = make_dataset(images.astype(np.float64), labels.astype(np.uint8), batch_size=5)
    x, y = next(iter(dataset))
    assert x.dtype == tf.float32 and y.dtype == tf.int64


# ---------------------------------------------------------------- make_dataset's augment


def test_augment_gets_each_batch_of_images_and_leaves_the_labels_alone():
    images, labels = small_set(n=10)
    batch_shapes = []

    def flip_rows(batch):
        batch_shapes.append(tuple(batch.shape))  # recorded once, when tf.data traces the function
        return tf.reverse(batch, axis=[1])  # every image upside down

    x, y, sizes = collect(make_dataset(images, labels, batch_size=4, shuffle=False, augment=flip_rows))
    np.testing.assert_array_equal(x, images[:, ::-1])
    np.testing.assert_array_equal(y, labels)
    assert sizes == [4, 4, 2]
    assert batch_shapes == [(None, 28, 28)], "augment works on batches (n, steps, features)"


def test_augment_with_random_shifts_keeps_pairs_and_draws_anew_each_epoch():
    from utils.lstm_classifier.taught import random_shift  # how the recommended recipe calls make_dataset

    images, labels = marked_set(n=50)
    keras.utils.set_random_seed(0)  # as the notebooks and the benchmark do before training
    dataset = make_dataset(images, labels, batch_size=16, augment=lambda batch: random_shift(batch, 2))
    shifts = []
    for _ in range(2):  # two epochs
        x, y, _ = collect(dataset)
        ids, positions = dot_ids_and_positions(x)
        np.testing.assert_array_equal(ids, y)  # each shifted image still carries its own label
        offsets = positions - 6  # the dot started in the middle, (6, 6)
        assert np.abs(offsets).max() <= 2 and np.abs(offsets).max() > 0
        shifts.append(offsets[np.argsort(y)])  # in id order, to compare image by image
    moved_differently = np.any(shifts[0] != shifts[1], axis=1).mean()
    assert moved_differently > 0.8, f"only {moved_differently:.0%} of the images got a new shift in epoch 2"


def test_augment_is_repeatable_under_the_same_global_seed():
    from utils.lstm_classifier.taught import random_shift

    images, labels = marked_set(n=50)
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        dataset = make_dataset(images, labels, batch_size=16, augment=lambda batch: random_shift(batch, 2))
        runs.append([collect(dataset)[0], collect(dataset)[0]])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


# ---------------------------------------------------------------- make_dataset's input checks

GOOD_IMAGES, GOOD_LABELS = np.zeros((4, 28, 28), np.float32), np.zeros(4, np.int64)


@pytest.mark.parametrize(
    "images, labels, error, match",
    [
        (GOOD_IMAGES, np.zeros(3, np.int64), ValueError, "got 4 images and 3 labels; they must pair up"),
        (np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64), ValueError, "got 0 images and 0 labels"),
        (GOOD_IMAGES, np.zeros((4, 10), np.int64), ValueError, r"1-D array .*shape \(4, 10\).*argmax"),
        (GOOD_IMAGES, np.zeros(4, np.float32), ValueError, "integer class ids, got float32"),
        (
            np.zeros((4, 28, 28), np.uint8),
            GOOD_LABELS,
            TypeError,
            "floats in \\[0, 1\\], got uint8; divide by 255",
        ),
    ],
)
def test_make_dataset_rejects_bad_input(images, labels, error, match):
    with pytest.raises(error, match=match):
        make_dataset(images, labels)


# ---------------------------------------------------------------- properties, any batch size


@st.composite
def batches_and_k(draw):
    n, rows, cols = draw(st.integers(0, 6)), draw(st.integers(1, 30)), draw(st.integers(1, 30))
    images = draw(arrays(np.float32, (n, rows, cols), elements=st.floats(0, 1, width=32)))
    return images, draw(st.integers(1, rows))


@settings(max_examples=60, deadline=None)
@given(batches_and_k())
def test_truncations_agree_for_any_batch(case):
    images, k = case
    n, rows, cols = images.shape
    padded, short = front_pad_rows(images, k), first_rows(images, k)
    assert padded.shape == images.shape and short.shape == (n, k, cols)
    np.testing.assert_array_equal(padded[:, rows - k :], short)
    np.testing.assert_array_equal(short, images[:, :k])
    assert not padded[:, : rows - k].any()
    np.testing.assert_array_equal(columns_as_sequence(columns_as_sequence(images)), images)


def test_helpers_accept_tensorflow_tensors():
    images = tf.constant(numbered_images(n=2, rows=4, cols=3))
    np.testing.assert_array_equal(front_pad_rows(images, 1)[:, -1], images.numpy()[:, 0])
    assert first_rows(images, 2).shape == (2, 2, 3)
    assert columns_as_sequence(images).shape == (2, 3, 4)
