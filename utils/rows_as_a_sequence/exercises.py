"""The exercises of notebooks/02_rows_as_a_sequence.ipynb: batches per epoch, the old code's shapes by hand,
padding at the end (``back_pad_rows``, which notebook 03's checks use too), when the ink arrives. Each has a
check, a hint and a solution (see ``utils.exercise``); the solutions are the functions below.
"""

import numpy as np

from utils.exercise import Exercise, NotAnswered, WrongAnswer, call, pair, progress_of
from utils.exercise import mnist as shipped_mnist
from utils.rows_as_a_sequence import taught
from utils.rows_as_a_sequence.taught import columns_as_sequence


def _no_variables():
    """The notebook variables the solution of q2 takes: none, the shapes follow from the table."""
    return {}


def _mnist_variables():
    """The notebook variable the solutions of q1 and q4 take: ``mnist``, the shipped split."""
    return {"mnist": shipped_mnist()}


# ----------------------------------------------------------------------------- 1. batches per epoch
def batches_per_epoch(mnist):
    n = len(mnist.x_train)  # 55,000: the last 5,000 images of the training file are the validation set
    # ceiling division: the last, smaller batch counts (n % 128 = 88 images, n % 256 = 216)
    return (-(-n // 128), -(-n // 256))


def _check_q1(answer):
    right = batches_per_epoch(**_mnist_variables())
    if not isinstance(answer, (str, bytes)) and not hasattr(answer, "__len__"):
        raise WrongAnswer(
            "give both counts, as a pair: (batches at batch size 128, batches at batch size 256)."
        )
    if len(answer) == 2 and all(
        isinstance(n, (float, np.floating)) and np.isfinite(n) and n != int(n) for n in answer
    ):
        raise WrongAnswer("a number of batches is a whole number: the last, smaller batch counts as one.")
    at_128, at_256 = pair(answer, "(batches at batch size 128, batches at batch size 256)")
    if (at_128, at_256) == right[::-1]:
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
    for count, batch, expected in [(at_128, 128, right[0]), (at_256, 256, right[1])]:
        if count == expected - 1:
            raise WrongAnswer(f"at batch size {batch}: that rounds down; the last, smaller batch counts too.")
        if count == expected + 1:
            raise WrongAnswer(f"at batch size {batch}: one batch too many.")
        if count != expected:
            raise WrongAnswer(f"at batch size {batch}: {count} batches is not it; divide and round up.")


q1 = Exercise(
    _check_q1,
    solution=batches_per_epoch,
    inputs=_mnist_variables,
    correct="ceil(55,000 / 128) = 430 batches (the last one of 88 images) and ceil(55,000 / 256) = 215 "
    "(the last of 216): twice the batch size, half the steps per epoch, the trade notebook 03's better "
    "recipe makes.",
    nudge="How many batches does make_dataset make when the last one may be smaller than the others?",
    hint="make_dataset keeps the remainder as a last, smaller batch, so divide and round up. "
    "In Python, -(-n // b) rounds up without floats; math.ceil(n / b) too.",
)


# ----------------------------------------------------------------------------- 2. the old code's shapes
def old_code_shapes():
    batch, n_hidden = 32, 64  # this exercise's batch size and input layer
    return {
        "X_time_major": (28, batch, 28),  # (steps, batch, input)
        "X_stacked": (28 * batch, 28),  # one line per row of every image: (896, 28)
        "H": (28 * batch, n_hidden),  # the input layer: 28 features -> n_hidden = 64
        "H_steps[0]": (batch, n_hidden),  # one of 28 elements: one time step of every image
    }


def _check_q2(answer):
    right = old_code_shapes()
    if not isinstance(answer, dict):
        raise WrongAnswer(f"give a dict with the keys {list(right)}, as in the cell.")
    missing = [key for key in right if key not in answer]
    if missing:
        raise WrongAnswer(f"the dict has no {missing}: keep the keys {list(right)}.")
    empty = [key for key in right if answer[key] is ... or answer[key] is None]
    if len(empty) == len(right):
        raise NotAnswered("replace each `...` with a shape, a tuple such as (5, 28, 28).")
    if empty:
        raise NotAnswered(f"still `...` for {empty}.")
    shapes = {}
    for key in right:
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
    for key, expected in right.items():
        if (key, shapes[key]) in mistakes:
            raise WrongAnswer(f"{key}: {mistakes[key, shapes[key]]}")
        if shapes[key] != expected:
            raise WrongAnswer(
                f"{key}: {shapes[key]} is not it; follow the table above with batch 32 and n_hidden 64."
            )


q2 = Exercise(
    _check_q2,
    solution=old_code_shapes,
    inputs=_no_variables,
    correct="(28, 32, 28) -> (896, 28) -> (896, 64) -> 28 × (32, 64). The batch size and n_hidden move, "
    "the 28 steps and 28 features stay: the time-major plumbing only reorders the same rows.",
    nudge="The table above shows every step for a batch of 5 and 128 units: change just those two numbers.",
    hint="Follow the table above, replacing the batch of 5 by 32 and 128 by 64: the transpose puts the "
    "steps first, the reshape makes one line per row of every image (28 × 32 of them), the input layer "
    "changes the last axis, and the split cuts the lines back into 28 steps.",
)


# ----------------------------------------------------------------------------- 3. padding at the end
def back_pad_rows(images, k):
    images = np.asarray(images)
    rows = images.shape[1]
    return np.pad(images[:, :k], [(0, 0), (0, rows - k), (0, 0)])  # zeros after the first k rows


def _check_q3(student_back_pad_rows):
    rng = np.random.default_rng(0)
    cases = [(rng.uniform(0.1, 1, size=(3, 28, 28)).astype("float32"), k) for k in (25, 14, 1, 28)]
    cases.append((rng.uniform(0.1, 1, size=(2, 6, 4)).astype("float32"), 3))  # not MNIST-sized
    for images, k in cases:
        original = images.copy()
        result = call(student_back_pad_rows, images, k)
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
        if np.allclose(result, back_pad_rows(images, k)):
            continue
        if np.allclose(result, taught.front_pad_rows(images, k)):
            raise WrongAnswer(
                f"{where}: that is front padding (zeros first, the digit moves down). "
                "Back padding keeps the first k rows where they are and puts the zeros after them."
            )
        for off in (-1, 1):
            if 1 <= k + off <= rows and np.allclose(result, back_pad_rows(images, k + off)):
                raise WrongAnswer(
                    f"{where}: off by one, you kept {k + off} rows instead of {k}. "
                    "Rows 1..k are images[:, :k] (Python indices 0..k-1)."
                )
        if not np.allclose(result[:, :k], images[:, :k]):
            raise WrongAnswer(f"{where}: the first k rows must be the images' first k rows, unchanged.")
        raise WrongAnswer(f"{where}: the rows after the first k must all be zeros.")


q3 = Exercise(
    _check_q3,
    solution=back_pad_rows,
    correct="the first k rows stay at steps 1..k and the zeros come after, so nothing moves; unlike "
    "front padding, the model then reads rows of blank 'paper' below the digit before it answers.",
    nudge="Keep the first k rows of every image, then add rows of zeros after them, up to the full height.",
    hint="images[:, :k] are the first k rows of every image. np.pad adds zeros: its second argument says "
    "how many before and after, for each axis; here (0, rows - k) on the rows axis, rows = images.shape[1]. "
    "front_pad_rows above does the mirror image.",
)


# ----------------------------------------------------------------------------- 4. when does the ink arrive?
def first_ink_steps(mnist):
    digit = mnist.x_test[0]
    by_rows = digit  # step t is row t
    by_columns = columns_as_sequence(digit[None])[0]  # step t is column t
    return (
        int(np.flatnonzero(by_rows.any(axis=1))[0]) + 1,  # + 1: steps are numbered from 1
        int(np.flatnonzero(by_columns.any(axis=1))[0]) + 1,
    )


def _check_q4(answer):
    row, column = first_ink_steps(**_mnist_variables())
    given = pair(answer, "(first step with ink reading by rows, first step with ink reading by columns)")
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


q4 = Exercise(
    _check_q4,
    solution=first_ink_steps,
    inputs=_mnist_variables,
    correct="read by rows, the 7's first ink arrives at step 8 (its bar); read by columns, at step 7. "
    "Same pixels, a different order in time, and the LSTM sees a different sequence.",
    nudge="Find the first row, and the first column, that holds any ink; steps are numbered from 1.",
    hint="digit.any(axis=1) says for each row whether it holds ink; np.flatnonzero(...)[0] is the first "
    "such Python index. For columns, use columns_as_sequence(digit[None])[0] (or digit.any(axis=0)). "
    "Then add 1: steps are numbered from 1.",
)

progress = progress_of(__name__)  # ex.progress(): which questions pass
