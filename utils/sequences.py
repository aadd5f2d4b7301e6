"""Images as sequences of rows: truncated inputs, another reading order, and the ``tf.data`` pipeline.

An MNIST image of shape (28, 28) is read as 28 time steps, each a 28-pixel row. A batch of images,
shape (n, rows, cols), is therefore already a batch of sequences in Keras's batch-major layout
(batch, steps, features). The three array functions only rearrange that view; they take numpy
arrays of any batch size (and anything ``np.asarray`` accepts, e.g. eager tensors).

Every function here is taught in notebooks/02_rows_as_a_sequence.ipynb, in cells marked
``# @save utils.sequences``; this module keeps the same code (tests/test_notebook_code.py checks it)
for the code that imports it from notebook 03 on.
"""

import numpy as np

import utils

utils.silence_tensorflow()

import tensorflow as tf


# Taught in notebooks/02_rows_as_a_sequence.ipynb; the same code as there (tests/test_notebook_code.py).
def front_pad_rows(images, k):
    """The first ``k`` rows of every image, after ``rows - k`` rows of zeros: same shape as ``images``.

    The original tutorial's way of feeding "only k rows" to its 28-step model (the digit moves down).
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(
            f"front_pad_rows: expected a batch (n, rows, cols), got shape {images.shape}; "
            "for one image pass image[None]"
        )
    rows = images.shape[1]
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= rows):
        raise ValueError(f"front_pad_rows: k must be a whole number of rows from 1 to {rows}, got {k!r}")
    return np.pad(images[:, :k], [(0, 0), (rows - k, 0), (0, 0)])


# Taught in notebooks/02_rows_as_a_sequence.ipynb; the same code as there (tests/test_notebook_code.py).
def first_rows(images, k):
    """The first ``k`` rows of every image and nothing else: a shorter sequence, shape (n, k, cols)."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(
            f"first_rows: expected a batch (n, rows, cols), got shape {images.shape}; "
            "for one image pass image[None]"
        )
    rows = images.shape[1]
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= rows):
        raise ValueError(f"first_rows: k must be a whole number of rows from 1 to {rows}, got {k!r}")
    return images[:, :k].copy()


# Taught in notebooks/02_rows_as_a_sequence.ipynb; the same code as there (tests/test_notebook_code.py).
def columns_as_sequence(images):
    """Read every image column by column, left to right: step t is column t. Shape (n, cols, rows)."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(
            f"columns_as_sequence: expected a batch (n, rows, cols), got shape {images.shape}; "
            "for one image pass image[None]"
        )
    return np.ascontiguousarray(images.transpose(0, 2, 1))


# Taught in notebooks/02_rows_as_a_sequence.ipynb; the same code as there (tests/test_notebook_code.py).
def make_dataset(images, labels, batch_size=128, shuffle=True, seed=None, augment=None):
    """A ``tf.data`` pipeline of (images, labels) batches: shuffle -> batch -> augment -> prefetch.

    images: floats in [0, 1], shape (n, steps, features); labels: integer class ids, shape (n,).
    shuffle: a new order every epoch, repeatable with ``seed`` (None: it follows
    ``keras.utils.set_random_seed``). The last batch keeps the remainder. augment: an optional
    function applied to each batch of images (never to the labels), anew in every epoch.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(f"make_dataset: images must be floats in [0, 1], got {images.dtype}; divide by 255")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"make_dataset: labels must be a 1-D array of integer class ids, got {labels.dtype} "
            f"of shape {labels.shape}; for one-hot labels pass labels.argmax(axis=1)"
        )
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(
            f"make_dataset: got {len(images)} images and {len(labels)} labels; "
            "they must pair up one to one, at least one of each"
        )
    dataset = tf.data.Dataset.from_tensor_slices((images.astype("float32"), labels.astype("int64")))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:  # one call at a time, so the random draws follow the seed
        dataset = dataset.map(lambda x, y: (augment(x), y))
    return dataset.prefetch(tf.data.AUTOTUNE)


__all__ = ["front_pad_rows", "first_rows", "columns_as_sequence", "make_dataset"]
