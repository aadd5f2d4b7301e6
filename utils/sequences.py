"""Images as sequences of rows: truncated inputs, another reading order, and the ``tf.data`` pipeline.

An MNIST image of shape (28, 28) is read as 28 time steps, each a 28-pixel row. A batch of images,
shape (n, rows, cols), is therefore already a batch of sequences in Keras's batch-major layout
(batch, steps, features). The helpers below only reshape that view; they work on numpy arrays
of any batch size (and on anything ``np.asarray`` accepts, e.g. eager tensors).

Used by notebooks 02 (the ideas, with pictures) and 03 (training, the truncated-input experiment).
TensorFlow is imported only when ``make_dataset`` is called.
"""

import numbers

import numpy as np

import utils

utils.silence_tensorflow()

import tensorflow as tf


def _as_image_batch(images, func):
    """Return ``images`` as a numpy array of shape (n, rows, cols), or raise a ValueError naming ``func``."""
    images = np.asarray(images)
    if images.ndim != 3:
        hint = " For a single image use images[None] (or image[np.newaxis])." if images.ndim == 2 else ""
        raise ValueError(
            f"{func}: expected a batch of images of shape (n, rows, cols), got an array of "
            f"shape {images.shape} ({images.ndim}-D).{hint}"
        )
    return images


def _check_k(k, rows, func):
    """Check that ``k`` is a whole number of rows between 1 and ``rows``."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{func}: k must be an int (a number of rows), got {k!r} of type {type(k).__name__}")
    if not 1 <= k <= rows:
        raise ValueError(f"{func}: k must be between 1 and {rows} (the number of rows), got k={k}")
    return int(k)


def front_pad_rows(images, k):
    """Keep the first ``k`` rows of every image and shift them down, after ``rows - k`` rows of zeros.

    This is how the original TF 0.x tutorial fed "only 25 rows" to its 28-step model: the sequence
    keeps its full length, starts with blank rows, and ends with the image's k-th row.
    Returns an array of the same shape and dtype as ``images``; ``k = rows`` returns a copy.

    >>> front_pad_rows(np.arange(1, 7).reshape(1, 3, 2), 2)[0].tolist()
    [[0, 0], [1, 2], [3, 4]]

    Used by notebooks 02 (picture) and 03 (the truncated-input experiment).
    """
    images = _as_image_batch(images, "front_pad_rows")
    rows = images.shape[1]
    k = _check_k(k, rows, "front_pad_rows")
    padded = np.zeros_like(images)
    padded[:, rows - k :, :] = images[:, :k, :]
    return padded


def first_rows(images, k):
    """Keep only the first ``k`` rows of every image: a shorter sequence, shape (n, k, cols), no padding.

    A model built with ``steps=None`` (see ``utils.model.build_row_lstm``) reads these k steps and
    reports its state right after the k-th row. Returns a new array (not a view).

    Used by notebooks 02 (picture) and 03 (the truncated-input experiment).
    """
    images = _as_image_batch(images, "first_rows")
    k = _check_k(k, images.shape[1], "first_rows")
    return images[:, :k, :].copy()


def columns_as_sequence(images):
    """Read every image column by column, left to right: step t is column t (its pixels top to bottom).

    Returns the transposed images, shape (n, cols, rows), as a new contiguous array; for MNIST
    that is again (n, 28, 28), so the same row-LSTM can be trained on it.

    Used by notebook 02 (picture and exercise).
    """
    images = _as_image_batch(images, "columns_as_sequence")
    return np.ascontiguousarray(np.swapaxes(images, 1, 2))


def make_dataset(images, labels, batch_size=128, shuffle=True, seed=None, augment=None):
    """A ``tf.data`` input pipeline: shuffle -> batch -> (augment) -> prefetch.

    ``images``: float array (n, steps, features) in [0, 1]; ``labels``: integer class ids (n,).
    The whole set is reshuffled every epoch (``seed``: a repeatable order); the last batch may be
    smaller. ``augment``: a function applied to every batch of images, anew in every epoch.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(f"make_dataset: images must be float in [0, 1], got {images.dtype}; divide by 255")
    dataset = tf.data.Dataset.from_tensor_slices((images.astype("float32"), labels.astype("int64")))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:  # one call at a time, so the random draws follow the seed
        dataset = dataset.map(lambda x, y: (augment(x), y))
    return dataset.prefetch(tf.data.AUTOTUNE)


__all__ = ["front_pad_rows", "first_rows", "columns_as_sequence", "make_dataset"]
