"""The exercises of notebooks/01_loading_mnist.ipynb: the size of an IDX file and of a label file, the mean
image of each digit, the two most similar digits. Each has a check, a hint and a solution (see
``utils.exercise``); the solutions are the functions below.
"""

import functools
import gzip
import itertools
import struct

import numpy as np

import utils
from utils.exercise import Exercise, WrongAnswer, call, pair, progress_of, whole_number
from utils.exercise import mnist as shipped_mnist


def _no_variables():
    """The notebook variables the solution of q1 takes: none, the answer comes from the IDX format."""
    return {}


def _mnist_variables():
    """The notebook variable the solutions of q2 and q4 take: ``mnist``, the shipped split."""
    return {"mnist": shipped_mnist()}


# ----------------------------------------------------------------------------- 1. the size of an IDX file
def images_file_size():
    size = 16 + 10_000 * 28 * 28  # header: 4 integers x 4 bytes; then one byte per pixel
    # Check against the file itself:
    with gzip.open(utils.DATA_DIR / "t10k-images-idx3-ubyte.gz", "rb") as f:
        assert len(f.read()) == size
    return size


def _check_q1(answer):
    right = images_file_size()
    pixels = 10_000 * 28 * 28  # what the header announces: 10,000 images of 28 x 28 pixels
    if isinstance(answer, (float, np.floating)) and np.isfinite(answer) and answer != int(answer):
        if abs(answer * 2**20 - right) < 2**20 / 100:
            raise WrongAnswer("that is mebibytes (MiB, 2**20 bytes); give the number of bytes.")
        if abs(answer * 1e6 - right) < 1e4:
            raise WrongAnswer("that looks like megabytes; give the number of bytes.")
    size = whole_number(answer, "the number of bytes")
    known = {
        pixels: "that is the pixels only: the file starts with a 16-byte header "
        "(magic number, count, rows, columns: four 4-byte integers).",
        pixels + 8: "the header holds four 4-byte integers (magic, count, rows, columns): 16 bytes, not 8.",
        pixels + 4: "the header holds four 4-byte integers (magic, count, rows, columns): 16 bytes, not 4.",
        4 * pixels + 16: "4 bytes per pixel is float32, the loader's dtype after scaling; "
        "the file stores one unsigned byte per pixel (type code 0x08).",
        4 * pixels: "4 bytes per pixel is float32, the loader's dtype; the file stores one byte per pixel "
        "(type code 0x08), after a 16-byte header.",
        8 * pixels + 16: "8 bytes per pixel is float64 or int64; the file stores one byte per pixel.",
        60_000 * 28 * 28
        + 16: "that is the training-images file (60,000 images); this one holds the 10,000 test images.",
        1_616_508: "that is the compressed .gz file; the question is about the decompressed IDX file.",
        10_000 * 28 + 16: "an image has 28 × 28 pixels, one byte each, not 28.",
        10_000 * 28 * 28 * 28 + 16: "an image has 28 × 28 pixels, not 28 × 28 × 28.",
    }
    if size in known:
        raise WrongAnswer(known[size])
    if size == round(right / 1e6) or size == round(right / 2**20):
        raise WrongAnswer("that looks like megabytes, rounded; give the exact number of bytes.")
    if size != right:
        raise WrongAnswer(
            f"{size:,} bytes is not it: count the header's bytes, then one byte per pixel of every image."
        )


q1 = Exercise(
    _check_q1,
    solution=images_file_size,
    inputs=_no_variables,
    correct="16 header bytes + 10,000 × 28 × 28 pixel bytes = 7,840,016. Knowing the exact size of a file "
    "from its header is how a loader spots a truncated download.",
    nudge="The file is a header, then one value per pixel of every image: count the bytes of both.",
    hint="The header of an idx3 file is four big-endian 4-byte integers (magic, count, rows, columns). "
    "Each pixel is one unsigned byte (type code 0x08).",
)


# ----------------------------------------------------------------------------- 2. the size of a label file
def labels_file_size(mnist):
    size = 8 + 10_000  # header: magic number and count, 2 x 4 bytes; then one byte per label
    # Check against the file itself, and read the header as in the lesson:
    with gzip.open(utils.DATA_DIR / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">2I", data[:8])
    assert (magic, count) == (0x00000801, 10_000)  # unsigned bytes, one dimension; 10,000 labels
    assert data[8] == mnist.y_test[0]  # the first test label
    assert len(data) == size
    return size


def _check_q2(answer):
    right = labels_file_size(**_mnist_variables())
    labels = 10_000  # what the header announces
    if (
        isinstance(answer, (float, np.floating))
        and np.isfinite(answer)
        and answer != int(answer)
        and abs(answer * 1e6 - right) < 100
    ):
        raise WrongAnswer("that looks like megabytes; give the number of bytes.")
    size = whole_number(answer, "the number of bytes")
    known = {
        labels + 16: "a label file has one dimension (idx1): its header is the magic number and the count, "
        "2 × 4 = 8 bytes; the 16-byte header is the image files' (idx3: three sizes).",
        labels: "that is the labels only: the file starts with a header (magic number and count).",
        labels + 4: "the header has two 4-byte integers, the magic number and the count: 8 bytes, not 4.",
        8 * labels
        + 8: "8 bytes per label is int64, the loader's dtype; the file stores one unsigned byte per label.",
        8 * labels: "8 bytes per label is int64, the loader's dtype; the file stores one byte per label, "
        "after an 8-byte header.",
        4 * labels + 8: "4 bytes per label is int32 or float32; the file stores one byte per label.",
        60_008: "that is the training-labels file (60,000 labels); this one holds the 10,000 test labels.",
        4_517: "that is the compressed .gz file; the question is about the decompressed IDX file.",
        10 * labels + 8: "that is one-hot (10 values per label); the file stores one byte per label.",
    }
    if size in known:
        raise WrongAnswer(known[size])
    if size != right:
        raise WrongAnswer(f"{size:,} bytes is not it: count the header's bytes, then one byte per label.")


q2 = Exercise(
    _check_q2,
    solution=labels_file_size,
    inputs=_mnist_variables,
    correct="8 header bytes (magic 0x00000801 and the count) + 10,000 label bytes = 10,008. One byte per "
    "label on disk; the loader widens them to int64 (8 bytes each) in memory.",
    nudge="The same reasoning as question 1, for a file that holds one number per image.",
    hint="A label file is idx1: one dimension, so its header has the magic number and a single size. "
    "Each label is one unsigned byte.",
)


# ----------------------------------------------------------------------------- 3. the mean image of each digit
def mean_images(images, labels):
    return np.stack([images[labels == digit].mean(axis=0) for digit in range(10)])


def _check_q3(student_mean_images):
    mnist = shipped_mnist()
    images, labels = mnist.x_train[:3000], mnist.y_train[:3000]
    # copies: the function may change its input
    result = call(student_mean_images, images.copy(), labels.copy())
    try:
        means = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError) as problem:
        raise WrongAnswer(f"the result is not an array of numbers ({problem}).") from None
    expected = mean_images(images, labels)
    shape_messages = {
        (28, 28, 10): "the digits are on the last axis; put them first: means[d] is digit d's mean image, "
        "shape (10, 28, 28).",
        (28, 28): "that is a single image: the mean of all images, whatever their label. "
        "Average the images of each digit separately.",
        (10,): "one number per digit: you averaged over the pixels too; average over the images only "
        "(axis=0), so each digit keeps a 28 × 28 image.",
        (10, 784): "the images are flattened; keep them 28 × 28 (or reshape to (10, 28, 28)).",
        (10, 28): "you averaged over an image axis too; average over the images only (axis=0).",
    }
    if means.shape in shape_messages:
        raise WrongAnswer(shape_messages[means.shape])
    if means.shape != (10, 28, 28):
        raise WrongAnswer(f"expected shape (10, 28, 28), one mean image per digit; got {means.shape}.")
    if np.allclose(means, expected, atol=1e-5):
        return
    if np.allclose(means, expected.transpose(0, 2, 1), atol=1e-5):
        raise WrongAnswer(
            "the images are transposed (rows and columns swapped): means[d][r, c] must be row r, column c."
        )
    counts = np.bincount(labels, minlength=10)[:, None, None]
    if np.allclose(means, expected * counts, atol=1e-3):
        raise WrongAnswer(
            "these are sums, not means: divide by the number of images of each digit (or .mean)."
        )
    order = [int(np.argmin(np.abs(expected - mean).sum(axis=(1, 2)))) for mean in means]
    if sorted(order) == list(range(10)) and np.allclose(means, expected[order], atol=1e-5):
        raise WrongAnswer(
            f"the right means in the wrong order (digits {order}): means[d] must be the mean of digit d."
        )
    wrong = [digit for digit in range(10) if not np.allclose(means[digit], expected[digit], atol=1e-5)]
    raise WrongAnswer(f"means[d] is not the mean of the images labelled d, for d in {wrong}.")


q3 = Exercise(
    _check_q3,
    solution=mean_images,
    correct="means[d] is the average of digit d's images, shape (10, 28, 28), as in the figure above. "
    "A boolean mask picks a class's images; mean(axis=0) averages over images, not pixels.",
    nudge="A boolean mask picks one digit's images; average them, then do it for all ten digits.",
    hint="For each digit d, labels == d is a boolean mask; images[labels == d] are that digit's images, "
    "shape (count, 28, 28). Average them over axis 0 and stack the ten results (np.stack).",
)


# ----------------------------------------------------------------------------- 4. the two most similar digits
def closest_pair(mnist):
    means = np.stack([mnist.x_train[mnist.y_train == d].mean(axis=0) for d in range(10)])
    return min(
        itertools.combinations(range(10), 2),
        key=lambda digits: np.linalg.norm(means[digits[0]] - means[digits[1]]),
    )


@functools.cache
def _closest_pair():
    """The solution's pair, in increasing order, computed once per session."""
    return tuple(sorted(int(digit) for digit in closest_pair(**_mnist_variables())))


@functools.cache
def _class_mean_distances():
    """The 10 x 10 Euclidean distances between the mean training images, for the messages."""
    mnist = shipped_mnist()
    means = mean_images(mnist.x_train, mnist.y_train)
    return np.linalg.norm((means[:, None] - means[None]).reshape(10, 10, -1), axis=2)


def _check_q4(answer):
    distances = _class_mean_distances()
    farthest = tuple(sorted(int(i) for i in np.unravel_index(np.argmax(distances), distances.shape)))
    if isinstance(answer, (int, np.integer)) and 0 <= answer < 10:
        raise WrongAnswer("give the two digits as a pair, e.g. (1, 2).")
    if isinstance(answer, (int, np.integer)) and 10 <= answer < 100:
        raise WrongAnswer(
            "one number: that looks like a position in the flattened 10 × 10 distance matrix; "
            "np.unravel_index turns it into (row, column), i.e. the two digits."
        )
    a, b = sorted(pair(answer, "the two digits"))
    if not (0 <= a <= 9 and 0 <= b <= 9):
        raise WrongAnswer("the digits are 0 to 9.")
    if a == b:
        raise WrongAnswer(
            "a digit's mean is at distance 0 from itself: leave out the diagonal (compare different digits only)."
        )
    if (a, b) == farthest:
        raise WrongAnswer(
            f"{a} and {b} are the most different pair (the largest distance); look for the smallest."
        )
    if (a, b) != _closest_pair():
        raise WrongAnswer(
            f"the means of {a} and {b} are {distances[a, b]:.2f} apart; another pair is closer "
            "(compare every pair of different digits)."
        )


q4 = Exercise(
    _check_q4,
    solution=closest_pair,
    inputs=_mnist_variables,
    correct="4 and 9 have the closest mean images (7 and 9 come next): a 4 closed at the top looks like "
    "a 9. Pairs that look alike on average are the pairs to watch in a confusion matrix (notebook 03).",
    nudge="Compare the mean images of every pair of different digits with a distance, and keep the closest pair.",
    hint="Use your mean_images on mnist.x_train, mnist.y_train. For every pair of different digits i < j, "
    "np.linalg.norm(means[i] - means[j]) is their Euclidean distance; keep the smallest.",
)

progress = progress_of(__name__)  # ex.progress(): which questions pass
