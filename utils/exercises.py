"""The exercises at the end of notebooks 01-04: each with a check, a hint and a solution.

In the style of Kaggle Learn's ``learntools``. In a notebook::

    from utils.exercises import notebook_01 as ex  # or: ex = exercises("01")

    answer = ...  # your answer
    ex.q1.check(answer)  # prints "✓ Correct: ..." or "✗ <what is wrong>"; the verdict is in ex.q1.passed
    ex.q1.hint()  # prints a hint
    ex.q1.solution()  # prints the reference solution, as code

``check`` never raises for a wrong answer: an unanswered placeholder (``...`` or ``None``, or a function
that still returns ``None``) gives "✗ Not answered yet", a typical mistake gets a message about that
mistake, and an exception raised inside a student's function is reported by name. The solutions live
here, not in the notebooks, so that nobody reads one by accident. ``tests/test_exercises.py`` runs every
solution through its own check and every typical mistake through the message written for it.

Each ``Exercise`` keeps the name its solution defines (``answer_name``: ``answer`` or the function's
name); the checks that need the real data load MNIST with ``utils.data.load_mnist`` (once, < 1 s); notebook
04's checks also load the shipped model (``utils.model.load_row_lstm``) and compute its references (hidden
states, settle steps, gates of the validation images) once per session, a few seconds at most.
"""

import functools
import types

import numpy as np

from utils.data import load_mnist


class WrongAnswer(Exception):
    """Raised by a check function: the answer is wrong, the message says how."""


class NotAnswered(WrongAnswer):
    """Raised by a check function: the answer is still the placeholder."""


class Exercise:
    """One exercise: ``check(answer)``, ``hint()``, ``solution()``.

    checker: a function of the answer that returns when it is right (optionally a sentence on what it
    measured, printed before ``correct``) and raises ``WrongAnswer`` (or ``NotAnswered``) with a specific
    message when it is not. correct: one line on why the result
    matters, printed after "✓ Correct:". solution: the reference solution as code; it defines
    ``answer_name``.
    """

    def __init__(self, checker, *, correct, hint, solution, answer_name="answer"):
        self.checker, self.correct, self.answer_name = checker, correct, answer_name
        self.passed = None  # True / False after check(): was the last answer right?
        self.hint_text, self.solution_code = hint.strip(), solution.strip()

    def check(self, answer):
        """Print whether ``answer`` is right ("✓ Correct: ...") or what is wrong ("✗ ...").

        The verdict is kept in ``passed`` (True / False); ``check`` itself returns nothing, so a notebook
        cell shows only the message.
        """
        self.passed = False
        try:
            if answer is ... or answer is None:
                what = "answer" if self.answer_name == "answer" else f"function {self.answer_name}"
                raise NotAnswered(f"replace the `...` with your {what}.")
            measured = self.checker(answer)  # a check may return what it measured, to show with the verdict
        except NotAnswered as problem:
            print(f"✗ Not answered yet: {problem}")
            return
        except WrongAnswer as problem:
            print(f"✗ {problem}")
            return
        except Exception as problem:  # an answer of a kind the check did not foresee: still no traceback
            print(f"✗ This answer could not be checked ({type(problem).__name__}: {problem}).")
            return
        print(f"✓ Correct: {measured + ' ' if isinstance(measured, str) else ''}{self.correct}")
        self.passed = True

    def hint(self):
        """Print a hint."""
        print(f"Hint: {self.hint_text}")

    def solution(self):
        """Print the reference solution, as code to read or paste."""
        print(f"Solution:\n\n{self.solution_code}")


def exercises(notebook):
    """The exercises of a notebook, e.g. ``exercises("01").q1``: a namespace with ``q1``, ``q2``, ..."""
    try:
        return NOTEBOOKS[str(notebook).zfill(2)]
    except KeyError:
        raise ValueError(
            f"exercises: no exercises for notebook {notebook!r}; choose one of {sorted(NOTEBOOKS)}"
        )


@functools.cache
def _mnist():
    return load_mnist()


def _whole_number(answer, what):
    """``answer`` as an int, or WrongAnswer when it is not one number."""
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        raise WrongAnswer(f"give {what} as one number (an int), not a {type(answer).__name__}.")
    if not np.isfinite(answer) or answer != int(answer):
        raise WrongAnswer(f"{answer} is not a whole number; {what} is.")
    return int(answer)


def _pair(answer, what):
    """``answer`` as a tuple of two ints, or WrongAnswer."""
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 2:
        raise WrongAnswer(f"give {what} as a pair of numbers, e.g. (1, 2).")
    return tuple(_whole_number(value, "each of the two numbers") for value in answer)


def _call(function, *args, returns="the array", **kwargs):
    """Call a student's function; an exception becomes a WrongAnswer naming it, None a NotAnswered
    (``returns``: what the function should return, for that message)."""
    name = getattr(function, "__name__", "your function")
    if not callable(function):
        raise WrongAnswer(
            f"pass the function itself (its name, no parentheses), not a {type(function).__name__}."
        )
    shown = ", ".join([f"an array of shape {a.shape}" if hasattr(a, "shape") else repr(a) for a in args])
    shown += "".join(f", {key}={value!r}" for key, value in kwargs.items())
    try:
        result = function(*args, **kwargs)
    except Exception as problem:
        raise WrongAnswer(f"{name}({shown}) raised {type(problem).__name__}: {problem}") from None
    if result is None:
        raise NotAnswered(f"{name} returns None; write its body so that it returns {returns}.")
    return result


# ---------------------------------------------------------------------------------------------------
# Notebook 01: loading MNIST


def _check_01_q1(answer):
    pixels = 10_000 * 28 * 28
    if isinstance(answer, (float, np.floating)) and answer != int(answer):
        if abs(answer * 2**20 - (pixels + 16)) < 2**20 / 100:
            raise WrongAnswer("that is mebibytes (MiB, 2**20 bytes); give the number of bytes.")
        if abs(answer * 1e6 - (pixels + 16)) < 1e4:
            raise WrongAnswer("that looks like megabytes; give the number of bytes.")
    size = _whole_number(answer, "the number of bytes")
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
    if size == round((pixels + 16) / 1e6) or size == round((pixels + 16) / 2**20):
        raise WrongAnswer("that looks like megabytes, rounded; give the exact number of bytes.")
    if size != pixels + 16:
        raise WrongAnswer(
            f"{size:,} bytes is not it: count the header's bytes, then one byte per pixel of every image."
        )


def _check_01_q2(answer):
    labels = 10_000
    if (
        isinstance(answer, (float, np.floating))
        and answer != int(answer)
        and abs(answer * 1e6 - 10_008) < 100
    ):
        raise WrongAnswer("that looks like megabytes; give the number of bytes.")
    size = _whole_number(answer, "the number of bytes")
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
    if size != labels + 8:
        raise WrongAnswer(f"{size:,} bytes is not it: count the header's bytes, then one byte per label.")


def _reference_mean_images(images, labels):
    return np.stack([images[labels == digit].mean(axis=0) for digit in range(10)])


def _check_01_q3(mean_images):
    mnist = _mnist()
    images, labels = mnist.x_train[:3000], mnist.y_train[:3000]
    result = _call(mean_images, images.copy(), labels.copy())  # copies: the function may change its input
    try:
        means = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError) as problem:
        raise WrongAnswer(f"the result is not an array of numbers ({problem}).") from None
    expected = _reference_mean_images(images, labels)
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


@functools.cache
def _class_mean_distances():
    mnist = _mnist()
    means = _reference_mean_images(mnist.x_train, mnist.y_train)
    return np.linalg.norm((means[:, None] - means[None]).reshape(10, 10, -1), axis=2)


def _check_01_q4(answer):
    distances = _class_mean_distances()
    off_diagonal = distances + np.diag(np.full(10, np.inf))
    best = tuple(sorted(np.unravel_index(np.argmin(off_diagonal), distances.shape)))
    farthest = tuple(sorted(np.unravel_index(np.argmax(distances), distances.shape)))
    if isinstance(answer, (int, np.integer)) and 0 <= answer < 10:
        raise WrongAnswer("give the two digits as a pair, e.g. (1, 2).")
    if isinstance(answer, (int, np.integer)) and 10 <= answer < 100:
        raise WrongAnswer(
            "one number: that looks like a position in the flattened 10 × 10 distance matrix; "
            "np.unravel_index turns it into (row, column), i.e. the two digits."
        )
    a, b = sorted(_pair(answer, "the two digits"))
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
    if (a, b) != best:
        raise WrongAnswer(
            f"the means of {a} and {b} are {distances[a, b]:.2f} apart; another pair is closer "
            "(compare every pair of different digits)."
        )


_NOTEBOOK_01 = {
    "q1": Exercise(
        _check_01_q1,
        correct="16 header bytes + 10,000 × 28 × 28 pixel bytes = 7,840,016. Knowing the exact size of a file "
        "from its header is how a loader spots a truncated download.",
        hint="The header of an idx3 file is four big-endian 4-byte integers (magic, count, rows, columns). "
        "Each pixel is one unsigned byte (type code 0x08).",
        solution="""
answer = 16 + 10_000 * 28 * 28  # header: 4 integers x 4 bytes; then one byte per pixel

# Check against the file itself:
import gzip

import utils

with gzip.open(utils.DATA_DIR / "t10k-images-idx3-ubyte.gz", "rb") as f:
    assert len(f.read()) == answer
""",
    ),
    "q2": Exercise(
        _check_01_q2,
        correct="8 header bytes (magic 0x00000801 and the count) + 10,000 label bytes = 10,008. One byte per "
        "label on disk; the loader widens them to int64 (8 bytes each) in memory.",
        hint="A label file is idx1: one dimension, so its header has the magic number and a single size. "
        "Each label is one unsigned byte.",
        solution="""
answer = 8 + 10_000  # header: magic number and count, 2 x 4 bytes; then one byte per label

# Check against the file itself, and read the header as in the lesson:
import gzip
import struct

import utils

with gzip.open(utils.DATA_DIR / "t10k-labels-idx1-ubyte.gz", "rb") as f:
    data = f.read()
magic, count = struct.unpack(">2I", data[:8])
print(f"magic 0x{magic:08x}, count {count:,}, first test label {data[8]}")
assert len(data) == answer
""",
    ),
    "q3": Exercise(
        _check_01_q3,
        correct="means[d] is the average of digit d's images, shape (10, 28, 28), as in the figure above. "
        "A boolean mask picks a class's images; mean(axis=0) averages over images, not pixels.",
        hint="For each digit d, labels == d is a boolean mask; images[labels == d] are that digit's images, "
        "shape (count, 28, 28). Average them over axis 0 and stack the ten results (np.stack).",
        answer_name="mean_images",
        solution="""
import numpy as np


def mean_images(images, labels):
    return np.stack([images[labels == digit].mean(axis=0) for digit in range(10)])
""",
    ),
    "q4": Exercise(
        _check_01_q4,
        correct="4 and 9 have the closest mean images (7 and 9 come next): a 4 closed at the top looks like "
        "a 9. Pairs that look alike on average are the pairs to watch in a confusion matrix (notebook 03).",
        hint="Use your mean_images on mnist.x_train, mnist.y_train. For every pair of different digits i < j, "
        "np.linalg.norm(means[i] - means[j]) is their Euclidean distance; keep the smallest.",
        solution="""
import itertools

import numpy as np

means = np.stack([mnist.x_train[mnist.y_train == d].mean(axis=0) for d in range(10)])
answer = min(itertools.combinations(range(10), 2), key=lambda pair: np.linalg.norm(means[pair[0]] - means[pair[1]]))
print(answer)
""",
    ),
}


# ---------------------------------------------------------------------------------------------------
# Notebook 02: rows as a sequence


def _check_02_q1(answer):
    if not isinstance(answer, (str, bytes)) and not hasattr(answer, "__len__"):
        raise WrongAnswer(
            "give both counts, as a pair: (batches at batch size 128, batches at batch size 256)."
        )
    if len(answer) == 2 and all(isinstance(n, (float, np.floating)) and n != int(n) for n in answer):
        raise WrongAnswer("a number of batches is a whole number: the last, smaller batch counts as one.")
    at_128, at_256 = _pair(answer, "(batches at batch size 128, batches at batch size 256)")
    if (at_128, at_256) == (215, 430):
        raise WrongAnswer("the two counts are swapped: bigger batches make fewer of them.")
    if (at_128, at_256) == (429, 214):
        raise WrongAnswer(
            "that rounds down: make_dataset keeps the last, smaller batch (the remainder), so round up."
        )
    if (at_128, at_256) in [(469, 235), (468, 234)]:
        raise WrongAnswer(
            "that is for all 60,000 images of the training file; the training set is 55,000 "
            "(the last 5,000 are the validation set)."
        )
    if (at_128, at_256) in [(79, 40), (78, 39)]:
        raise WrongAnswer(
            "that is for the 10,000 test images; the question is about the 55,000 training images."
        )
    for count, batch, right in [(at_128, 128, 430), (at_256, 256, 215)]:
        if count == right - 1:
            raise WrongAnswer(f"at batch size {batch}: that rounds down; the last, smaller batch counts too.")
        if count == right + 1:
            raise WrongAnswer(f"at batch size {batch}: one batch too many.")
        if count != right:
            raise WrongAnswer(f"at batch size {batch}: {count} batches is not it; divide and round up.")


_SHAPES_02_Q2 = {
    "X_time_major": (28, 32, 28),
    "X_stacked": (896, 28),
    "H": (896, 64),
    "H_steps[0]": (32, 64),
}


def _check_02_q2(answer):
    if not isinstance(answer, dict):
        raise WrongAnswer(f"give a dict with the keys {list(_SHAPES_02_Q2)}, as in the cell.")
    missing = [key for key in _SHAPES_02_Q2 if key not in answer]
    if missing:
        raise WrongAnswer(f"the dict has no {missing}: keep the keys {list(_SHAPES_02_Q2)}.")
    empty = [key for key in _SHAPES_02_Q2 if answer[key] is ... or answer[key] is None]
    if len(empty) == len(_SHAPES_02_Q2):
        raise NotAnswered("replace each `...` with a shape, a tuple such as (5, 28, 28).")
    if empty:
        raise NotAnswered(f"still `...` for {empty}.")
    shapes = {}
    for key in _SHAPES_02_Q2:
        try:
            shapes[key] = tuple(int(n) for n in answer[key])
        except (TypeError, ValueError):
            raise WrongAnswer(f"{key}: give a shape as a tuple of whole numbers, e.g. (5, 28, 28).") from None
    mistakes = {
        ("X_time_major", (32, 28, 28)): "that is the batch-major input X; "
        "transpose(X, [1, 0, 2]) swaps the first two axes: (steps, batch, input).",
        ("X_time_major", (28, 28, 32)): "the permutation [1, 0, 2] keeps the feature axis last: "
        "(steps, batch, input).",
        ("X_stacked", (896, 64)): "the reshape keeps the 28 features of a row; only the input layer turns "
        "them into n_hidden = 64.",
        ("X_stacked", (32, 784)): "reshape(..., [-1, 28]) keeps 28 numbers per line, one row of one image: "
        "(steps × batch, 28).",
        ("X_stacked", (28, 896)): "the -1 is the first axis: one line per row of every image, "
        "(steps × batch, 28).",
        ("H", (896, 128)): "n_hidden is 64 in this exercise, not 128.",
        ("H", (896, 28)): "the input layer maps each row's 28 features to n_hidden = 64 numbers.",
        ("H", (32, 28, 64)): "the input layer acts on X_stacked, 2-D: one line per row of every image.",
        ("H_steps[0]", (28, 64)): "each element of the list is one time step, for every image of the batch: "
        "(batch, n_hidden).",
        ("H_steps[0]", (32, 128)): "n_hidden is 64 in this exercise, not 128.",
        ("H_steps[0]", (1, 64)): "each element holds one step of all 32 images, not of one image.",
        ("H_steps[0]", (64,)): "each element holds one step of all 32 images: 2-D, (batch, n_hidden).",
    }
    for key, expected in _SHAPES_02_Q2.items():
        if (key, shapes[key]) in mistakes:
            raise WrongAnswer(f"{key}: {mistakes[key, shapes[key]]}")
        if shapes[key] != expected:
            raise WrongAnswer(
                f"{key}: {shapes[key]} is not it; follow the table above with batch 32 and n_hidden 64."
            )


def _back_pad_reference(images, k):
    return np.pad(images[:, :k], [(0, 0), (0, images.shape[1] - k), (0, 0)])


def _front_pad_reference(images, k):
    return np.pad(images[:, :k], [(0, 0), (images.shape[1] - k, 0), (0, 0)])


def _check_02_q3(back_pad_rows):
    rng = np.random.default_rng(0)
    cases = [(rng.uniform(0.1, 1, size=(3, 28, 28)).astype("float32"), k) for k in (25, 14, 1, 28)]
    cases.append((rng.uniform(0.1, 1, size=(2, 6, 4)).astype("float32"), 3))  # not MNIST-sized
    for images, k in cases:
        original = images.copy()
        result = _call(back_pad_rows, images, k)
        n, rows, cols = images.shape
        where = f"back_pad_rows(images of shape {images.shape}, k={k})"
        try:
            result = np.asarray(result)
        except (TypeError, ValueError) as problem:
            raise WrongAnswer(f"{where} did not return an array ({problem}).") from None
        if not np.array_equal(images, original):
            raise WrongAnswer(
                f"{where} changed the caller's images in place; build a new array (np.pad or np.zeros_like)."
            )
        if result.shape == (n, k, cols) and k != rows:
            raise WrongAnswer(
                f"{where} returned shape {result.shape}: that is first_rows, a shorter sequence. "
                f"Back padding keeps all {rows} steps: add {rows} - k rows of zeros after the first k."
            )
        if result.shape != images.shape:
            if rows != 28 and result.shape[1] == 28:
                raise WrongAnswer(
                    f"{where} returned shape {result.shape}: it only works for 28 rows; "
                    "use images.shape[1] for the number of rows."
                )
            raise WrongAnswer(
                f"{where} returned shape {result.shape}; expected the shape of images, {images.shape}."
            )
        expected = _back_pad_reference(images, k)
        if np.allclose(result, expected):
            continue
        if np.allclose(result, _front_pad_reference(images, k)):
            raise WrongAnswer(
                f"{where}: that is front padding (zeros first, the digit moves down). "
                "Back padding keeps the first k rows where they are and puts the zeros after them."
            )
        for off in (-1, 1):
            if 1 <= k + off <= rows and np.allclose(result, _back_pad_reference(images, k + off)):
                raise WrongAnswer(
                    f"{where}: off by one, you kept {k + off} rows instead of {k}. "
                    "Rows 1..k are images[:, :k] (Python indices 0..k-1)."
                )
        if not np.allclose(result[:, :k], images[:, :k]):
            raise WrongAnswer(f"{where}: the first k rows must be the images' first k rows, unchanged.")
        raise WrongAnswer(f"{where}: the rows after the first k must all be zeros.")


def _first_ink_steps():
    digit = _mnist().x_test[0]
    return (
        int(np.flatnonzero(digit.any(axis=1))[0]) + 1,  # rows that hold ink, numbered from 1
        int(np.flatnonzero(digit.any(axis=0))[0]) + 1,  # columns
    )


def _check_02_q4(answer):
    row, column = _first_ink_steps()
    given = _pair(answer, "(first step with ink reading by rows, first step with ink reading by columns)")
    if given == (row, column):
        return
    if given == (row - 1, column - 1):
        raise WrongAnswer(
            "those are Python indices, counted from 0; the steps are numbered from 1 (step t is index t - 1)."
        )
    if given == (column, row):
        raise WrongAnswer("swapped: the first number is for the reading by rows, the second by columns.")
    if given[0] == row - 1 or given[1] == column - 1:
        raise WrongAnswer(
            "one of them is a Python index, counted from 0; steps are numbered from 1 (step t is index t - 1)."
        )
    if given[0] != row:
        raise WrongAnswer(
            f"reading by rows: step {given[0]} is not the first row with ink (a row holds ink if any of its "
            "pixels is > 0)."
        )
    raise WrongAnswer(
        f"reading by columns: step {given[1]} is not the first column with ink; step t is column t, "
        "columns_as_sequence(digit[None])[0, t - 1]."
    )


_NOTEBOOK_02 = {
    "q1": Exercise(
        _check_02_q1,
        correct="ceil(55,000 / 128) = 430 batches (the last one of 88 images) and ceil(55,000 / 256) = 215 "
        "(the last of 216): twice the batch size, half the steps per epoch, the trade notebook 03's better "
        "recipe makes.",
        hint="make_dataset keeps the remainder as a last, smaller batch, so divide and round up. "
        "In Python, -(-n // b) rounds up without floats; math.ceil(n / b) too.",
        solution="""
n = len(mnist.x_train)  # 55,000: the last 5,000 images of the training file are the validation set
answer = (-(-n // 128), -(-n // 256))  # ceiling division: the last, smaller batch counts
print(answer, "last batches:", n % 128, n % 256)
""",
    ),
    "q2": Exercise(
        _check_02_q2,
        correct="(28, 32, 28) -> (896, 28) -> (896, 64) -> 28 × (32, 64). The batch size and n_hidden move, "
        "the 28 steps and 28 features stay: the time-major plumbing only reorders the same rows.",
        hint="Follow the table above, replacing the batch of 5 by 32 and 128 by 64: the transpose puts the "
        "steps first, the reshape makes one line per row of every image (28 × 32 of them), the input layer "
        "changes the last axis, and the split cuts the lines back into 28 steps.",
        solution="""
answer = {
    "X_time_major": (28, 32, 28),  # (steps, batch, input)
    "X_stacked": (28 * 32, 28),  # one line per row of every image: (896, 28)
    "H": (28 * 32, 64),  # the input layer: 28 features -> n_hidden = 64
    "H_steps[0]": (32, 64),  # one of 28 elements: one time step of every image
}

# Or let TensorFlow tell you:
import keras
import numpy as np
import tensorflow as tf

X = np.zeros((32, 28, 28), dtype="float32")
X_time_major = tf.transpose(X, [1, 0, 2])
X_stacked = tf.reshape(X_time_major, [-1, 28])
H = keras.layers.Dense(64)(X_stacked)
H_steps = tf.split(H, 28, axis=0)
assert answer == {
    "X_time_major": tuple(X_time_major.shape),
    "X_stacked": tuple(X_stacked.shape),
    "H": tuple(H.shape),
    "H_steps[0]": tuple(H_steps[0].shape),
}
""",
    ),
    "q3": Exercise(
        _check_02_q3,
        correct="the first k rows stay at steps 1..k and the zeros come after, so nothing moves; unlike "
        "front padding, the model then reads rows of blank 'paper' below the digit before it answers.",
        hint="images[:, :k] are the first k rows of every image. np.pad adds zeros: its second argument says "
        "how many before and after, for each axis; here (0, rows - k) on the rows axis, rows = images.shape[1]. "
        "front_pad_rows above does the mirror image.",
        answer_name="back_pad_rows",
        solution="""
import numpy as np


def back_pad_rows(images, k):
    images = np.asarray(images)
    rows = images.shape[1]
    return np.pad(images[:, :k], [(0, 0), (0, rows - k), (0, 0)])  # zeros after the first k rows
""",
    ),
    "q4": Exercise(
        _check_02_q4,
        correct="read by rows, the 7's first ink arrives at step 8 (its bar); read by columns, at step 7. "
        "Same pixels, a different order in time, and the LSTM sees a different sequence.",
        hint="digit.any(axis=1) says for each row whether it holds ink; np.flatnonzero(...)[0] is the first "
        "such Python index. For columns, use columns_as_sequence(digit[None])[0] (or digit.any(axis=0)). "
        "Then add 1: steps are numbered from 1.",
        solution="""
import numpy as np

from utils.rows_as_a_sequence.taught import columns_as_sequence

digit = mnist.x_test[0]
by_rows = digit  # step t is row t
by_columns = columns_as_sequence(digit[None])[0]  # step t is column t
answer = (
    int(np.flatnonzero(by_rows.any(axis=1))[0]) + 1,  # + 1: steps are numbered from 1
    int(np.flatnonzero(by_columns.any(axis=1))[0]) + 1,
)
print(answer)
""",
    ),
}


# ---------------------------------------------------------------------------------------------------
# Notebook 03: other recurrent layers, and masking. Keras is imported only when one of these checks runs.

#: The class-sized budget of exercise 2: the first 10,000 training images, 3 epochs of fit_original
#: (batch 128: 79 steps an epoch), under a minute per model on 2 CPU cores.
EXERCISE_03_IMAGES, EXERCISE_03_EPOCHS = 10_000, 3
_STEPS_03_Q2 = EXERCISE_03_EPOCHS * -(-EXERCISE_03_IMAGES // 128)
#: What that budget reached here (seed 42, 2 CPU cores), and the floor a check accepts on any machine.
_MEASURED_03_Q2 = {"SimpleRNN": 0.891, "GRU": 0.923, "LSTM": 0.928}
_FLOOR_03_Q2 = {"SimpleRNN": 0.85, "GRU": 0.89, "LSTM": 0.89}
_RECURRENT_NAMES = ("SimpleRNN", "GRU", "LSTM")


def _keras():
    import keras

    return keras


def _reference_row_model(recurrent_layer, units=128):
    keras = _keras()
    rows = keras.Input(shape=(28, 28), name="rows")
    projected = keras.layers.Dense(units, name="input_projection")(rows)
    last_output = recurrent_layer(units, name="recurrent")(projected)
    return keras.Model(rows, keras.layers.Dense(10, name="logits")(last_output))


def _recurrent_layers(model):
    keras = _keras()
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]


def _check_03_q1(build_row_model):
    keras = _keras()
    for name in _RECURRENT_NAMES:
        layer_class = getattr(keras.layers, name)
        model = _call(build_row_model, layer_class, returns="the model")
        where = f"build_row_model(keras.layers.{name})"
        if not isinstance(model, keras.Model):
            raise WrongAnswer(f"{where} returned a {type(model).__name__}; return a keras.Model.")
        recurrent = _recurrent_layers(model)
        if not recurrent:
            raise WrongAnswer(
                f"{where} has no recurrent layer: call the class you are given, recurrent_layer(128)."
            )
        kinds = [type(layer).__name__ for layer in recurrent]
        if kinds != [name]:
            raise WrongAnswer(
                f"{where} contains {', '.join(kinds)}: use the recurrent_layer argument, not a fixed layer class."
            )
        if recurrent[0].units != 128:
            raise WrongAnswer(f"{where}: the {name} has {recurrent[0].units} units; the series uses 128.")
        if tuple(model.input_shape[1:]) != (28, 28):
            raise WrongAnswer(
                f"{where}: the input is {model.input_shape}; expected (None, 28, 28), 28 rows of 28."
            )
        if tuple(model.output_shape) == (None, 28, 10):
            raise WrongAnswer(
                f"{where}: the output is (None, 28, 10), an answer after every row; keep return_sequences=False "
                "(the default), so that only the last output reaches the classifier."
            )
        if tuple(model.output_shape) != (None, 10):
            raise WrongAnswer(
                f"{where}: the output is {model.output_shape}; expected (None, 10), ten logits."
            )
        last = model.layers[-1]
        if getattr(last, "activation", None) is not None and last.activation.__name__ != "linear":
            raise WrongAnswer(
                f"{where}: the last layer applies {last.activation.__name__}; give logits (no activation), since "
                "fit_original's loss has from_logits=True."
            )
        before = model.layers[: model.layers.index(recurrent[0])]
        if not any(isinstance(layer, keras.layers.Dense) for layer in before):
            raise WrongAnswer(
                f"{where}: the rows go straight into the {name}, without the input projection; put Dense(128) "
                "on the rows first, as build_row_lstm does, so that only the recurrent layer differs."
            )
        expected = _reference_row_model(layer_class).count_params()
        if model.count_params() != expected:
            raise WrongAnswer(f"{where}: {model.count_params():,} parameters, expected {expected:,}.")


def _test_accuracy_03(model, images=None, labels=None):
    mnist = _mnist()
    images = mnist.x_test if images is None else images
    labels = mnist.y_test if labels is None else labels
    return float(np.mean(np.argmax(model.predict(images, batch_size=1000, verbose=0), axis=1) == labels))


def _check_03_q2(models):
    keras = _keras()
    if not isinstance(models, dict):
        raise WrongAnswer(
            'give a dict of the three trained models: {"SimpleRNN": ..., "GRU": ..., "LSTM": ...}.'
        )
    missing = [name for name in _RECURRENT_NAMES if name not in models]
    if missing:
        raise WrongAnswer(f"the dict lacks {', '.join(missing)}; its keys are SimpleRNN, GRU and LSTM.")
    for name in _RECURRENT_NAMES:  # the models and their budget first: cheap, and the likelier mistakes
        model = models[name]
        if not isinstance(model, keras.Model):
            raise WrongAnswer(f'models["{name}"] is a {type(model).__name__}, not a trained keras.Model.')
        kinds = [type(layer).__name__ for layer in _recurrent_layers(model)]
        if kinds != [name]:
            raise WrongAnswer(
                f'models["{name}"] holds {", ".join(kinds) or "no recurrent layer"}, not a {name}.'
            )
        optimizer = getattr(model, "optimizer", None)  # None until the model is compiled
        steps = int(optimizer.iterations) if optimizer is not None else 0
        if steps == 0:
            raise NotAnswered(f'models["{name}"] is not trained yet; train it with fit_original.')
        if steps != _STEPS_03_Q2:
            raise WrongAnswer(
                f'models["{name}"] took {steps} training steps; the comparison is fair only with the same '
                f"budget: {EXERCISE_03_EPOCHS} epochs of fit_original on the first {EXERCISE_03_IMAGES:,} "
                f"training images ({_STEPS_03_Q2} steps of 128), each model built and trained once."
            )
    accuracies = {}
    for name in _RECURRENT_NAMES:
        accuracies[name] = _test_accuracy_03(models[name])
        if accuracies[name] < _FLOOR_03_Q2[name]:
            raise WrongAnswer(
                f'models["{name}"]: test accuracy {accuracies[name]:.3f}, below what this budget reaches (about '
                f"{_MEASURED_03_Q2[name]:.2f} here). Train it with fit_original (Adam 1e-3, logits with "
                "from_logits=True) after keras.utils.set_random_seed(SEED), on x_train[:10_000]."
            )
    return (
        "Your test accuracies: "
        + ", ".join(f"{name} {accuracies[name]:.3f}" for name in _RECURRENT_NAMES)
        + "."
    )


def _masked_reference(model):
    keras = _keras()
    rows = keras.Input(shape=(None, 28))
    masked = keras.layers.Masking(mask_value=0.0)(rows)
    last_output = model.get_layer("lstm")(model.get_layer("input_projection")(masked))
    return keras.Model(rows, model.get_layer("logits")(last_output))


@functools.cache
def _masking_inputs():
    from utils.rows_as_a_sequence.taught import front_pad_rows

    images = _mnist().x_test[:300]
    return {
        "front-padded 25 rows": front_pad_rows(images, 25),
        "back-padded 25 rows": _back_pad_reference(images, 25),
        "whole images": images,
    }


def _check_03_q3(masked_row_lstm):
    keras = _keras()
    shipped = _row_lstm()
    masked = _call(masked_row_lstm, shipped, returns="the model")
    if not isinstance(masked, keras.Model):
        raise WrongAnswer(f"masked_row_lstm(model) returned a {type(masked).__name__}; return a keras.Model.")
    reference = _masked_reference(shipped)
    for what, images in _masking_inputs().items():
        try:
            given = masked.predict(images, verbose=0)
        except Exception as problem:
            raise WrongAnswer(
                f"the masked model cannot read {what} ({type(problem).__name__}); give it keras.Input(shape=(None, 28))"
                " or (28, 28)."
            ) from None
        if np.allclose(given, reference.predict(images, verbose=0), atol=1e-4):
            continue
        if np.allclose(given, shipped.predict(images, verbose=0), atol=1e-4):
            raise WrongAnswer(
                f"on {what} it answers exactly as the model without a mask: no mask reaches the LSTM. Put "
                "keras.layers.Masking(mask_value=0.0) right after the input, then the trained layers (Dense "
                "passes the mask on to the LSTM)."
            )
        raise WrongAnswer(
            f"on {what} its answers differ from the trained model's with a mask: reuse the trained layers "
            '(model.get_layer("input_projection"), "lstm", "logits"), not new ones, and mask the value 0.0.'
        )


@functools.cache
def _masked_accuracies():
    from utils.rows_as_a_sequence.taught import front_pad_rows

    mnist = _mnist()
    shipped, masked = _row_lstm(), _masked_reference(_row_lstm())
    images = mnist.x_test
    inputs = (front_pad_rows(images, 25), _back_pad_reference(images, 25), images)
    return {
        "masked": tuple(_test_accuracy_03(masked, x) for x in inputs),
        "unmasked": tuple(_test_accuracy_03(shipped, x) for x in inputs),
    }


def _check_03_q4(answer):
    what = "(front-padded 25 rows, back-padded 25 rows, whole images)"
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 3:
        raise WrongAnswer(f"give three accuracies, {what}, e.g. (0.9, 0.9, 0.9).")
    given = tuple(_share(value, "each accuracy") for value in answer)
    if any(value > 1 for value in given):
        raise WrongAnswer("an accuracy is a share between 0 and 1, not a percentage.")
    reference = _masked_accuracies()

    def close(a, b):  # the same three accuracies, to within 5 test images in 10,000
        return all(abs(x - y) < 5e-4 for x, y in zip(a, b))

    if close(given, reference["masked"]):
        return
    if close(given, reference["unmasked"]):
        raise WrongAnswer("these are the model's accuracies without the mask; use masked_row_lstm(model).")
    if close(given, (reference["masked"][1], reference["masked"][0], reference["masked"][2])):
        raise WrongAnswer(f"the first two are swapped; the order is {what}.")
    wrong = [
        label for label, x, y in zip(what[1:-1].split(", "), given, reference["masked"]) if abs(x - y) >= 5e-4
    ]
    raise WrongAnswer(
        f"not what the masked model gets on {', '.join(wrong)}: use all 10,000 test images, front_pad_rows(x, 25), "
        "back_pad_rows(x, 25) (notebook 02's exercise: the first 25 rows, then zeros) and the images as they are."
    )


_NOTEBOOK_03 = {
    "q1": Exercise(
        _check_03_q1,
        correct="LSTM 136,586 parameters, GRU 104,074, SimpleRNN 37,898. Each gate is one block of weights "
        "(input, recurrent and bias): the LSTM has four (i, f, g, o), the GRU three (update, reset, candidate; "
        "Keras gives it a second bias per block), the SimpleRNN one. Everything else is the same model.",
        hint="Copy build_row_lstm and change one line: where it calls keras.layers.LSTM(units, ...), call "
        "recurrent_layer(units) instead. A class is a value in Python: build_row_model(keras.layers.GRU) "
        "passes the class, and recurrent_layer(128) makes a layer of it.",
        answer_name="build_row_model",
        solution="""
import keras


def build_row_model(recurrent_layer, units=128):
    rows = keras.Input(shape=(28, 28), name="rows")
    projected = keras.layers.Dense(units, name="input_projection")(rows)
    last_output = recurrent_layer(units, name="recurrent")(projected)  # LSTM, GRU or SimpleRNN
    logits = keras.layers.Dense(10, name="logits")(last_output)
    return keras.Model(rows, logits)
""",
    ),
    "q2": Exercise(
        _check_03_q2,
        correct="with the same budget the SimpleRNN ends clearly lowest (0.891 here, against 0.923 for the GRU and "
        "0.928 for the LSTM, seed 42). A SimpleRNN squashes its whole state through tanh at every step: the "
        "gradient that reaches the early rows shrinks at each of the 28 steps, so it learns mostly from the last "
        "rows. The GRU's and the LSTM's gates let the state, and its gradient, pass through a step almost "
        "unchanged. The GRU nearly matches the LSTM with a quarter fewer weights; a gap of half a point is within "
        "what another seed changes.",
        hint="For each name in ('SimpleRNN', 'GRU', 'LSTM'): keras.utils.set_random_seed(SEED), then "
        "model = build_row_model(getattr(keras.layers, name)), then fit_original(model, x_train[:10_000], "
        "y_train[:10_000], (mnist.x_val, mnist.y_val), epochs=3), and keep the model in a dict under its name.",
        solution="""
import keras

from utils.lstm_classifier.taught import fit_original  # taught above; build_row_model is your answer to exercise 1

models = {}
for name in ("SimpleRNN", "GRU", "LSTM"):
    keras.utils.set_random_seed(SEED)
    models[name] = build_row_model(getattr(keras.layers, name))
    fit_original(models[name], mnist.x_train[:10_000], mnist.y_train[:10_000], (mnist.x_val, mnist.y_val),
                 epochs=3, verbose=0)
answer = models
""",
    ),
    "q3": Exercise(
        _check_03_q3,
        correct="a Masking layer marks every all-zero row, Dense passes the mark on, and the LSTM skips those "
        "steps: its state goes through them unchanged. So front and back padding become the same input: the "
        "digit's rows that hold ink, in order.",
        hint="keras.Input(shape=(None, 28)), then keras.layers.Masking(mask_value=0.0), then the trained layers "
        'of the model you are given, in order: model.get_layer("input_projection"), model.get_layer("lstm"), '
        'model.get_layer("logits"). Calling a layer again on a new input reuses its weights.',
        answer_name="masked_row_lstm",
        solution="""
import keras


def masked_row_lstm(model):
    rows = keras.Input(shape=(None, 28))
    masked = keras.layers.Masking(mask_value=0.0)(rows)  # all-zero rows are skipped from here on
    projected = model.get_layer("input_projection")(masked)  # Dense passes the mask on
    last_output = model.get_layer("lstm")(projected)
    return keras.Model(rows, model.get_layer("logits")(last_output))
""",
    ),
    "q4": Exercise(
        _check_03_q4,
        correct="with the mask, the first 25 rows front-padded and back-padded give the same accuracy (0.975 "
        "here): the padding is gone either way. But whole images fall from 0.991 to 0.975 too. The mask "
        "cannot tell padding from the digit's own blank rows (8.2 per test image on average), and this model was "
        "trained to read them: it finishes its decision on the blank rows at the bottom (the truncation curve). "
        "Mask a value that cannot occur in the data (e.g. -1 for padding), or train with the mask.",
        hint="masked = masked_row_lstm(shipped_model); for each input, np.mean(np.argmax(masked.predict(x, "
        "batch_size=1000, verbose=0), axis=1) == mnist.y_test). Back padding is your back_pad_rows from notebook "
        "02: np.pad(x[:, :25], [(0, 0), (0, 3), (0, 0)]).",
        solution="""
import numpy as np

from utils.rows_as_a_sequence.taught import front_pad_rows

masked = masked_row_lstm(shipped_model)  # your answer to exercise 3, around the shipped weights
x, y = mnist.x_test, mnist.y_test
inputs = (front_pad_rows(x, 25), np.pad(x[:, :25], [(0, 0), (0, 3), (0, 0)]), x)
answer = tuple(float(np.mean(np.argmax(masked.predict(i, batch_size=1000, verbose=0), axis=1) == y)) for i in inputs)
print(answer)
""",
    ),
}


# ---------------------------------------------------------------------------------------------------
# Notebook 04: inside the LSTM. The references come from the shipped model, computed once per session.


@functools.cache
def _row_lstm():
    from utils.lstm_classifier.helpers import (
        load_row_lstm,  # imports TensorFlow: only when a notebook-04 check runs
    )

    return load_row_lstm()


@functools.cache
def _hidden_states(split):
    """h_t after every row, (images, 28, 128), of the shipped model on the validation or test images."""
    from utils.lstm_classifier.taught import build_inspection_model

    images = {"val": _mnist().x_val, "test": _mnist().x_test}[split]
    return build_inspection_model(_row_lstm()).predict(images, batch_size=1000, verbose=0)["lstm_outputs"]


@functools.cache
def _settle_steps(split):
    from utils.inside_the_lstm.taught import settle_step, step_probabilities

    probabilities = step_probabilities(_row_lstm().get_layer("logits"), _hidden_states(split))
    return settle_step(probabilities.argmax(axis=-1))


def _labels(split):
    return {"val": _mnist().y_val, "test": _mnist().y_test}[split]


def _share(answer, what):
    """``answer`` as one float, or WrongAnswer when it is not one number."""
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        if np.ndim(answer) == 0 and isinstance(np.asarray(answer).item(), (int, float)):
            return float(np.asarray(answer).item())  # a 0-d array, e.g. np.mean(...) kept as an array
        raise WrongAnswer(f"give {what} as one number (a float), not a {type(answer).__name__}.")
    if not np.isfinite(answer):
        raise WrongAnswer(f"{answer} is not a share; {what} is a number between 0 and 1.")
    return float(answer)


_TOLERANCE_04_Q1 = 0.005  # about 2.6 of the 530 validation 1s


def _check_04_q1(answer):
    share = _share(answer, "the share of validation 1s whose answer never changes")
    settle, labels = _settle_steps("val"), _labels("val")
    ones = labels == 1
    expected = np.mean(settle[ones] == 1)
    if abs(share - expected) <= _TOLERANCE_04_Q1:
        return
    if share > 1:
        if abs(share - 100 * expected) <= 100 * _TOLERANCE_04_Q1:
            raise WrongAnswer("that is a percentage; give the share as a number between 0 and 1.")
        if share == int(share) and share == np.sum(settle[ones] == 1):
            raise WrongAnswer(
                f"that is a count: divide by the number of 1s in the validation set ({np.sum(ones)})."
            )
        raise WrongAnswer("a share is a number between 0 and 1.")
    test_settle, test_labels = _settle_steps("test"), _labels("test")
    known = [
        (
            np.mean(test_settle[test_labels == 1] == 1),
            "that is the test set's share (the notebook's 50 %): compute the hidden states of the validation "
            "images, mnist.x_val, and use their labels, mnist.y_val.",
        ),
        (
            1 - expected,
            "that is the share of 1s whose answer does change (settle step > 1); the question asks for "
            "those that never change.",
        ),
        (
            np.mean(settle == 1),
            "that is the share among all validation images; keep only the 1s (mnist.y_val == 1).",
        ),
        (
            np.mean(test_settle == 1),
            "that is the share among all test images; keep only the validation 1s.",
        ),
        (
            0.0,
            "settle_step numbers rows from 1: an answer that never changes has settle step 1, not 0.",
        ),
    ]
    for value, message in known:
        if abs(share - value) <= _TOLERANCE_04_Q1 / 2:
            raise WrongAnswer(message)
    raise WrongAnswer(
        f"{share:.3f} is not it (within ±{_TOLERANCE_04_Q1}): the settle step of every validation image, "
        "then the share of the 1s whose settle step is 1."
    )


@functools.cache
def _top_units(split, rows="last"):
    """The most selective unit of each class, (10,), from the final (or the mean over rows) h_t."""
    from utils.inside_the_lstm.taught import selectivity

    h = _hidden_states(split)
    states = h[:, -1] if rows == "last" else h.mean(axis=1)
    labels = _labels(split)
    class_means = np.stack([states[labels == digit].mean(axis=0) for digit in range(10)])
    return selectivity(class_means).argmax(axis=1), class_means.argmax(axis=1)


def _check_04_q2(answer):
    if isinstance(answer, (str, bytes, dict)) or np.ndim(answer) == 0:
        raise WrongAnswer("give an array of 10 unit numbers, one per class: answer[d] is class d's unit.")
    units = np.asarray(answer)
    if units.shape == (128,):
        raise WrongAnswer(
            "128 numbers: that is each unit's preferred class (argmax over the classes, axis=0); "
            "the most selective unit of each class is the argmax over the units, axis=1."
        )
    if units.shape == (10, 128):
        raise WrongAnswer("that is the whole selectivity table; take the argmax over the units (axis=1).")
    if units.shape != (10,):
        raise WrongAnswer(f"expected 10 unit numbers, one per class (shape (10,)); got shape {units.shape}.")
    if not np.issubdtype(units.dtype, np.number) or not np.all(units == np.round(units)):
        raise WrongAnswer("unit numbers are whole numbers, 0 to 127 (Python indices).")
    units = units.astype(int)
    expected, most_active = _top_units("val")
    if np.array_equal(units, expected):
        return
    if np.array_equal(units, expected + 1):
        raise WrongAnswer(
            "the units are numbered from 1; use Python indices (0 to 127), as the notebook does."
        )
    if np.any(units < 0) or np.any(units > 127):
        raise WrongAnswer("the 128 units are numbered 0 to 127 (Python indices).")
    if np.array_equal(units, _top_units("test")[0]):
        raise WrongAnswer(
            "that is the test set's top_units from the notebook; recompute the class means and the "
            "selectivity on the validation images (mnist.x_val, mnist.y_val)."
        )
    if np.array_equal(units, most_active):
        raise WrongAnswer(
            "those are the most active units of each class (argmax of the class means); the most selective "
            "unit subtracts the other classes' average first: selectivity(class_means)."
        )
    if np.array_equal(units, _top_units("val", rows="mean")[0]):
        raise WrongAnswer(
            "that averages h_t over all 28 rows; selectivity is measured on the final state h_28 (h[:, -1])."
        )
    wrong = [digit for digit in range(10) if units[digit] != expected[digit]]
    raise WrongAnswer(
        f"not the most selective unit for the classes {wrong}: class means of the validation images' "
        "final states h_28, selectivity, argmax over the units."
    )


def _first_confident_reference(probabilities, threshold):
    confident = probabilities.max(axis=-1) > threshold  # (n, steps)
    return np.where(confident.any(axis=1), confident.argmax(axis=1) + 1, 0)


def _stays_confident_reference(probabilities, threshold):
    """The row from which on the largest probability stays above the threshold (a typical misreading)."""
    confident = probabilities.max(axis=-1) > threshold
    steps, doubtful = confident.shape[1], ~confident
    last_doubtful = np.where(doubtful.any(axis=1), steps - 1 - np.argmax(doubtful[:, ::-1], axis=1), -1)
    return np.where(confident[:, -1], last_doubtful + 2, 0)


def _confidence_cases():
    """Hand-made (probabilities, threshold) cases: 4 images, 5 rows, 3 classes (so the axes differ)."""
    largest = np.array(
        [
            [0.40, 0.60, 0.95, 0.50, 0.99],  # confident at row 3, drops at row 4, confident again at row 5
            [0.40, 0.50, 0.60, 0.70, 0.80],  # never above 0.9
            [0.95, 0.96, 0.97, 0.98, 0.99],  # confident from row 1
            [0.50, 0.90, 0.60, 0.92, 0.95],  # exactly 0.9 at row 2 is not above it
        ]
    )
    probabilities = np.empty(largest.shape + (3,))
    probabilities[..., 1] = largest  # the largest class is class 1, not class 0
    probabilities[..., 0] = (1 - largest) * 0.4
    probabilities[..., 2] = (1 - largest) * 0.6
    rng = np.random.default_rng(0)
    longer = rng.dirichlet(np.full(10, 0.3), size=(6, 28))  # MNIST-sized: 28 rows, 10 classes
    return [(probabilities, 0.9), (probabilities, 0.55), (longer, 0.8), (probabilities[2:3], 0.9)]


def _check_04_q3(first_confident_row):
    for probabilities, threshold in _confidence_cases():
        original = probabilities.copy()
        result = _call(first_confident_row, probabilities.copy(), threshold)
        n, steps, classes = probabilities.shape
        where = f"first_confident_row(probabilities of shape {probabilities.shape}, {threshold})"
        try:
            rows = np.asarray(result, dtype=float)
        except (TypeError, ValueError) as problem:
            raise WrongAnswer(f"{where} did not return an array of numbers ({problem}).") from None
        if rows.shape == (n, classes) and classes != steps:
            raise WrongAnswer(
                f"{where} returned shape {rows.shape}, one number per class: the largest probability of a "
                "row is the max over the classes, the last axis (axis=-1), not over the rows."
            )
        if rows.shape == (n, steps):
            raise WrongAnswer(
                f"{where} returned shape {rows.shape}, one value per row: reduce over the rows to one row "
                "number per image."
            )
        if rows.shape != (n,):
            raise WrongAnswer(
                f"{where} returned shape {rows.shape}; expected one row number per image, ({n},)."
            )
        expected = _first_confident_reference(original, threshold)
        if np.array_equal(rows, expected):
            continue
        confident = expected > 0
        never = ~confident
        if np.array_equal(rows[confident], expected[confident] - 1):
            raise WrongAnswer(
                f"{where}: those are Python indices, counted from 0; rows are numbered from 1 (row t is "
                "index t - 1)."
            )
        if np.array_equal(rows[confident], expected[confident]) and never.any():
            raise WrongAnswer(
                f"{where}: an image whose largest probability is never above the threshold must give 0 "
                f"(you gave {rows[never].astype(int).tolist()}); np.argmax of an all-False row is 0, like a "
                "True in the first row, so check .any(axis=1) first."
            )
        if np.array_equal(rows, _first_confident_reference(original, threshold - 1e-9)):
            raise WrongAnswer(
                f"{where}: a probability exactly equal to the threshold is not above it; use >, not >=."
            )
        if threshold != 0.9 and np.array_equal(rows, _first_confident_reference(original, 0.9)):
            raise WrongAnswer(f"{where}: that is for threshold 0.9; use the threshold argument.")
        if np.array_equal(rows, _stays_confident_reference(original, threshold)):
            raise WrongAnswer(
                f"{where}: that is the row from which on it stays above the threshold; the question asks "
                "for the first row above it, even if it drops again later."
            )
        over_rows = original.max(axis=1) > threshold  # (n, classes): the max over the wrong axis
        if np.array_equal(rows, np.where(over_rows.any(axis=1), over_rows.argmax(axis=1) + 1, 0)):
            raise WrongAnswer(
                f"{where}: that takes the max over the rows (axis=1) and then finds a class; the largest "
                "probability of a row is the max over the classes, axis=-1, then find the first row."
            )
        class_zero = original[..., 0] > threshold
        if np.array_equal(rows, np.where(class_zero.any(axis=1), class_zero.argmax(axis=1) + 1, 0)):
            raise WrongAnswer(f"{where}: that follows class 0; use the largest probability of each row.")
        raise WrongAnswer(f"{where} returned {rows.astype(int).tolist()}; expected {expected.tolist()}.")


@functools.cache
def _gate_open_shares(split, digit=None):
    """Per gate ("i", "f", "o"): each unit's share of (image, row) pairs in which it is > 0.9, (128,).

    Computed with notebook 03's hand-written LSTM, as notebook 04's states_and_gates does; digit=None: all
    the images of the split, else only that class.
    """
    from utils.inside_the_lstm.taught import gate_saturation
    from utils.lstm_classifier.helpers import lstm_weights
    from utils.lstm_classifier.taught import lstm_unroll

    model = _row_lstm()
    images = {"val": _mnist().x_val, "test": _mnist().x_test}[split]
    if digit is not None:
        images = images[_labels(split) == digit]
    projection_kernel, projection_bias = model.get_layer("input_projection").get_weights()
    kernel, recurrent_kernel, bias = lstm_weights(model.get_layer("lstm"))
    sums = {gate: np.zeros(kernel.shape[1] // 4) for gate in "ifo"}
    for start in range(0, len(images), 1000):
        projected = images[start : start + 1000] @ projection_kernel + projection_bias
        states = lstm_unroll(projected, kernel, recurrent_kernel, bias, dtype=np.float32)
        for gate in "ifo":
            sums[gate] += gate_saturation(states[gate])[1] * len(projected)
    return {gate: total / len(images) for gate, total in sums.items()}


def _check_04_q4(answer):
    if isinstance(answer, (float, np.floating)) and 0 < answer < 1:
        raise WrongAnswer("that looks like a share of the units; give the number of units (a count).")
    count = _whole_number(answer, "the number of units")
    shares = _gate_open_shares("val", 8)
    expected = int(np.sum(shares["f"] > 0.5))
    if count == expected:
        return
    if not 0 <= count <= 128:
        raise WrongAnswer("the LSTM has 128 units: the count is between 0 and 128.")
    known = [
        (128 - expected, "that counts the other units, whose forget gate is open half the time or less."),
        (
            int(np.sum(_gate_open_shares("test", 8)["f"] > 0.5)),
            "that is for the test set's 8s; use the validation 8s (mnist.x_val[mnist.y_val == 8]).",
        ),
        (
            int(np.sum(_gate_open_shares("val")["f"] > 0.5)),
            "that is for all validation digits; keep only the 8s (mnist.y_val == 8).",
        ),
        (int(np.sum(shares["i"] > 0.5)), "that is the input gate (i); the forget gate is f."),
        (int(np.sum(shares["o"] > 0.5)), "that is the output gate (o); the forget gate is f."),
        (
            int(np.sum(_gate_open_shares("test")["f"] > 0.5)),
            "that is the notebook's count, for all test digits; compute it for the validation 8s.",
        ),
    ]
    for value, message in known:
        if count == value:
            raise WrongAnswer(message)
    raise WrongAnswer(
        f"{count} units is not it: the forget gates of the validation 8s, gate_saturation, then count the "
        "units whose share of time open (> 0.9) is more than 0.5."
    )


_NOTEBOOK_04 = {
    "q1": Exercise(
        _check_04_q1,
        correct="39 % of the 530 validation 1s (208) are answered '1' from row 1 on, against 50 % of the test "
        "1s: the finding holds, but its size depends on the sample (the validation 1s settle after a median "
        "of 8 rows, the test 1s after 1). Check a number on fresh data before you quote it.",
        hint="Compute h_t for mnist.x_val as for the test set (states_and_gates(model, mnist.x_val, "
        'keep=("h",)) or build_inspection_model(model)), then step_probabilities and settle_step, as in '
        "section 3. Keep the validation 1s (mnist.y_val == 1) and take the mean of settle == 1.",
        solution="""
import numpy as np

from utils.inside_the_lstm.taught import settle_step, step_probabilities
from utils.lstm_classifier.taught import build_inspection_model

inspection = build_inspection_model(model)  # notebook 03's: every intermediate tensor
val_h = inspection.predict(mnist.x_val, batch_size=1000, verbose=0)["lstm_outputs"]  # h_t: (5000, 28, 128)
val_probabilities = step_probabilities(model.get_layer("logits"), val_h)  # (5000, 28, 10)
val_settle = settle_step(val_probabilities.argmax(axis=-1))  # rows 1..28
answer = np.mean(val_settle[mnist.y_val == 1] == 1)  # settle step 1: the answer never changes
print(f"{answer:.1%} of {np.sum(mnist.y_val == 1)} validation 1s")
""",
    ),
    "q2": Exercise(
        _check_04_q2,
        correct="on the validation set, 9 of the 10 classes keep the most selective unit they have on the test "
        "set; the 2's is unit 29 instead of 15 (its lead over the runner-up is small on both sets). The "
        "shared units stay shared: 117 for 0 and 5, 72 for 4 and 9.",
        hint="As in section 5, with the validation images: the final states h_28 (h[:, -1]) of mnist.x_val, "
        "their mean per class with mnist.y_val, shape (10, 128), then selectivity(class_means) and the argmax "
        "over the units (axis=1).",
        solution="""
import numpy as np

from utils.inside_the_lstm.taught import selectivity
from utils.lstm_classifier.taught import build_inspection_model

inspection = build_inspection_model(model)  # notebook 03's: every intermediate tensor
val_final = inspection.predict(mnist.x_val, batch_size=1000, verbose=0)["final_h"]  # h_28: (5000, 128)
val_class_means = np.stack([val_final[mnist.y_val == digit].mean(axis=0) for digit in range(10)])  # (10, 128)
answer = selectivity(val_class_means).argmax(axis=1)  # the most selective unit of each class
print(answer)
""",
    ),
    "q3": Exercise(
        _check_04_q3,
        correct="the first row at which the model is confident, 0 when it never is. Applied to the test set, "
        "first_confident_row(probabilities, 0.9) says how early the readout commits, a number to set beside "
        "the settle step (it can come earlier, when a confident guess is later revised).",
        hint="probabilities.max(axis=-1) is the largest probability after every row, shape (n, steps); "
        "compare it with the threshold (>), then np.argmax(..., axis=1) finds the first True, as a Python "
        "index: add 1, and use np.where with .any(axis=1) to give 0 to the images that are never confident.",
        answer_name="first_confident_row",
        solution="""
import numpy as np


def first_confident_row(probabilities, threshold=0.9):
    confident = np.asarray(probabilities).max(axis=-1) > threshold  # (n, steps): largest class above it?
    return np.where(confident.any(axis=1), confident.argmax(axis=1) + 1, 0)  # rows from 1; 0 = never
""",
    ),
    "q4": Exercise(
        _check_04_q4,
        correct="29 units keep their forget gate open more than half the time while the validation 8s are "
        "read, against 7 over all validation digits (8 over all test digits in the notebook): an 8, two "
        "stacked loops, makes far more units hold on to what they have stored. A saturation plot over all "
        "digits averages such differences away.",
        hint="Select the validation 8s, images = mnist.x_val[mnist.y_val == 8], and compute their gates as in "
        'section 2: states_and_gates(model, images, keep=("f",))["f"], shape (8s, 28, 128). gate_saturation '
        "returns (closed, open) per unit; count the units whose open share is > 0.5.",
        solution="""
import numpy as np

from utils.inside_the_lstm.taught import gate_saturation
from utils.lstm_classifier.helpers import lstm_weights
from utils.lstm_classifier.taught import lstm_unroll

eights = mnist.x_val[mnist.y_val == 8]
# What states_and_gates(model, eights, keep=("f",)) does in the notebook: the hand-written LSTM, trained weights.
projection_kernel, projection_bias = model.get_layer("input_projection").get_weights()
kernel, recurrent_kernel, bias = lstm_weights(model.get_layer("lstm"))
states = lstm_unroll(eights @ projection_kernel + projection_bias, kernel, recurrent_kernel, bias, dtype=np.float32)
closed, open_ = gate_saturation(states["f"])  # (128,) each: share of (image, row) pairs < 0.1 / > 0.9
answer = int(np.sum(open_ > 0.5))
print(answer, "units")
""",
    ),
}


#: Every notebook's exercises, by notebook number; ``exercises("01")`` looks one up.
NOTEBOOKS = {
    "01": types.SimpleNamespace(**_NOTEBOOK_01),
    "02": types.SimpleNamespace(**_NOTEBOOK_02),
    "03": types.SimpleNamespace(**_NOTEBOOK_03),
    "04": types.SimpleNamespace(**_NOTEBOOK_04),
}
notebook_01 = NOTEBOOKS["01"]
notebook_02 = NOTEBOOKS["02"]
notebook_03 = NOTEBOOKS["03"]
notebook_04 = NOTEBOOKS["04"]
