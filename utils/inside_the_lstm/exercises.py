"""The exercises of notebooks/04_inside_the_lstm.ipynb: do the 1s still settle at once on the validation set,
the most selective units on other digits, the first confident row, the forget gates of the 8s. Each has a
check, a hint and a solution (see ``utils.exercise``); the solutions are the functions below.

The checks compare an answer with what the shipped model (``load_row_lstm``) gives on the 5,000 validation
images; what they need of it (hidden states, settle steps, gates) is computed once per session.
"""

import functools

import numpy as np

from utils.exercise import Exercise, WrongAnswer, call, progress_of, share, whole_number
from utils.exercise import mnist as shipped_mnist
from utils.inside_the_lstm.taught import (
    gate_saturation,
    selectivity,
    settle_step,
    states_and_gates,
    step_probabilities,
)
from utils.lstm_classifier.helpers import load_row_lstm, lstm_weights
from utils.lstm_classifier.taught import build_inspection_model, lstm_step, lstm_unroll


@functools.cache
def _row_lstm():
    """The shipped model, loaded once per session (notebook 04's ``model`` with the shipped weights)."""
    return load_row_lstm()


def _notebook_variables():
    """The notebook variables the solutions of q1, q2 and q4 take: ``model`` (the shipped weights), ``mnist``."""
    return {"model": _row_lstm(), "mnist": shipped_mnist()}


@functools.cache
def _reference(solution):
    """A solution's answer on the notebook's variables, computed once per session."""
    return solution(**_notebook_variables())


def _images_and_labels(split):
    data = shipped_mnist()
    return {"val": (data.x_val, data.y_val), "test": (data.x_test, data.y_test)}[split]


@functools.cache
def _inspection_model():
    """Notebook 03's inspection model around the shipped model, built once: one traced predict for both splits."""
    return build_inspection_model(_row_lstm())


@functools.cache
def _hidden_states(split):
    """h_t after every row, (images, 28, 128), of the shipped model on the validation or test images."""
    images, _ = _images_and_labels(split)
    return _inspection_model().predict(images, batch_size=1000, verbose=0)["lstm_outputs"]


@functools.cache
def _settle_steps(split):
    """The settle step of every validation or test image, (images,), rows 1..28."""
    probabilities = step_probabilities(_row_lstm().get_layer("logits"), _hidden_states(split))
    return settle_step(probabilities.argmax(axis=-1))


# ----------------------------------------------------------------------------- 1. do the 1s settle at once?
def ones_settled_at_once(model, mnist):
    inspection = build_inspection_model(model)  # notebook 03's: every intermediate tensor
    outputs = inspection.predict(mnist.x_val, batch_size=1000, verbose=0)
    val_h = outputs["lstm_outputs"]  # h_t after every row: (5000, 28, 128)
    val_probabilities = step_probabilities(model.get_layer("logits"), val_h)  # (5000, 28, 10)
    val_settle = settle_step(val_probabilities.argmax(axis=-1))  # rows 1..28
    return np.mean(val_settle[mnist.y_val == 1] == 1)  # settle step 1: the answer never changes


_TOLERANCE_Q1 = 0.005  # about 2.6 of the 530 validation 1s


def _check_q1(answer):
    given = share(answer, "the share of validation 1s whose answer never changes")
    expected = _reference(ones_settled_at_once)
    if abs(given - expected) <= _TOLERANCE_Q1:
        return
    settle, labels = _settle_steps("val"), _images_and_labels("val")[1]
    ones = labels == 1
    if given > 1:
        if abs(given - 100 * expected) <= 100 * _TOLERANCE_Q1:
            raise WrongAnswer("that is a percentage; give the share as a number between 0 and 1.")
        if given == int(given) and given == np.sum(settle[ones] == 1):
            raise WrongAnswer(
                f"that is a count: divide by the number of 1s in the validation set ({np.sum(ones)})."
            )
        raise WrongAnswer("a share is a number between 0 and 1.")
    test_settle, test_labels = _settle_steps("test"), _images_and_labels("test")[1]
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
        if abs(given - value) <= _TOLERANCE_Q1 / 2:
            raise WrongAnswer(message)
    raise WrongAnswer(
        f"{given:.3f} is not it (within ±{_TOLERANCE_Q1}): the settle step of every validation image, "
        "then the share of the 1s whose settle step is 1."
    )


q1 = Exercise(
    _check_q1,
    solution=ones_settled_at_once,
    inputs=_notebook_variables,
    correct="39 % of the 530 validation 1s (208) are answered '1' from row 1 on, against 50 % of the test "
    "1s: the finding holds, but its size depends on the sample (the validation 1s settle after a median "
    "of 8 rows, the test 1s after 1). Check a number on fresh data before you quote it.",
    nudge="Section 3 found the settle steps of the test images: do the same for the validation 1s.",
    hint="Compute h_t for mnist.x_val as for the test set (states_and_gates(model, mnist.x_val, lstm_unroll, "
    'keep=("h",)) or build_inspection_model(model)), then step_probabilities and settle_step, as in '
    "section 3. Keep the validation 1s (mnist.y_val == 1) and take the mean of settle == 1.",
    working="Checking: the first check computes the hidden states of the 5,000 validation images (10-20 s on 2 CPU cores; later checks reuse them)...",
)


# ----------------------------------------------------------------------------- 2. the most selective units
def most_selective_units(model, mnist):
    inspection = build_inspection_model(model)  # notebook 03's: every intermediate tensor
    val_final = inspection.predict(mnist.x_val, batch_size=1000, verbose=0)["final_h"]  # h_28: (5000, 128)
    # the mean final state of each class: (10, 128)
    val_class_means = np.stack([val_final[mnist.y_val == digit].mean(axis=0) for digit in range(10)])
    return selectivity(val_class_means).argmax(axis=1)  # the most selective unit of each class


@functools.cache
def _class_means(split, rows="last"):
    """Each class's mean of the final h_28 (rows="last") or of h_t averaged over the rows ("mean"): (10, 128)."""
    h, labels = _hidden_states(split), _images_and_labels(split)[1]
    states = h[:, -1] if rows == "last" else h.mean(axis=1)
    return np.stack([states[labels == digit].mean(axis=0) for digit in range(10)])


def _check_q2(answer):
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
    expected = np.asarray(_reference(most_selective_units))
    if np.array_equal(units, expected):
        return
    if np.array_equal(units, expected + 1):
        raise WrongAnswer(
            "the units are numbered from 1; use Python indices (0 to 127), as the notebook does."
        )
    if np.any(units < 0) or np.any(units > 127):
        raise WrongAnswer("the 128 units are numbered 0 to 127 (Python indices).")
    if np.array_equal(units, selectivity(_class_means("test")).argmax(axis=1)):
        raise WrongAnswer(
            "that is the test set's top_units from the notebook; recompute the class means and the "
            "selectivity on the validation images (mnist.x_val, mnist.y_val)."
        )
    if np.array_equal(units, _class_means("val").argmax(axis=1)):
        raise WrongAnswer(
            "those are the most active units of each class (argmax of the class means); the most selective "
            "unit subtracts the other classes' average first: selectivity(class_means)."
        )
    if np.array_equal(units, selectivity(_class_means("val", rows="mean")).argmax(axis=1)):
        raise WrongAnswer(
            "that averages h_t over all 28 rows; selectivity is measured on the final state h_28 (h[:, -1])."
        )
    wrong = [digit for digit in range(10) if units[digit] != expected[digit]]
    raise WrongAnswer(
        f"not the most selective unit for the classes {wrong}: class means of the validation images' "
        "final states h_28, selectivity, argmax over the units."
    )


q2 = Exercise(
    _check_q2,
    solution=most_selective_units,
    inputs=_notebook_variables,
    correct="on the validation set, 9 of the 10 classes keep the most selective unit they have on the test "
    "set; the 2's is unit 29 instead of 15 (its lead over the runner-up is small on both sets). The "
    "shared units stay shared: 117 for 0 and 5, 72 for 4 and 9.",
    nudge="Section 5's selectivity, computed from the validation images' final states instead of the test images'.",
    hint="As in section 5, with the validation images: the final states h_28 (h[:, -1]) of mnist.x_val, "
    "their mean per class with mnist.y_val, shape (10, 128), then selectivity(class_means) and the argmax "
    "over the units (axis=1).",
    working="Checking: the first check computes the hidden states of the 5,000 validation images (10-20 s on 2 CPU cores; later checks reuse them)...",
)


# ----------------------------------------------------------------------------- 3. the first confident row
def first_confident_row(probabilities, threshold=0.9):
    confident = np.asarray(probabilities).max(axis=-1) > threshold  # (n, steps): largest class above it?
    return np.where(confident.any(axis=1), confident.argmax(axis=1) + 1, 0)  # rows from 1; 0 = never


def _stays_confident(probabilities, threshold):
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


def _check_q3(student_first_confident_row):
    for probabilities, threshold in _confidence_cases():
        original = probabilities.copy()
        result = call(student_first_confident_row, probabilities.copy(), threshold)
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
        expected = first_confident_row(original, threshold)
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
        if np.array_equal(rows, first_confident_row(original, threshold - 1e-9)):
            raise WrongAnswer(
                f"{where}: a probability exactly equal to the threshold is not above it; use >, not >=."
            )
        if threshold != 0.9 and np.array_equal(rows, first_confident_row(original, 0.9)):
            raise WrongAnswer(f"{where}: that is for threshold 0.9; use the threshold argument.")
        if np.array_equal(rows, _stays_confident(original, threshold)):
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


q3 = Exercise(
    _check_q3,
    solution=first_confident_row,
    correct="the first row at which the model is confident, 0 when it never is. Applied to the test set, "
    "first_confident_row(probabilities, 0.9) says how early the readout commits, a number to set beside "
    "the settle step (it can come earlier, when a confident guess is later revised).",
    nudge="Take the largest probability after each row, then look for the first row above the threshold.",
    hint="probabilities.max(axis=-1) is the largest probability after every row, shape (n, steps); "
    "compare it with the threshold (>), then np.argmax(..., axis=1) finds the first True, as a Python "
    "index: add 1, and use np.where with .any(axis=1) to give 0 to the images that are never confident.",
)


# ----------------------------------------------------------------------------- 4. the forget gates of the 8s
def units_with_open_forget_gates(model, mnist):
    eights = mnist.x_val[mnist.y_val == 8]
    forget = states_and_gates(model, eights, lstm_unroll, keep=("f",))["f"]  # (8s, 28 rows, 128 units)
    closed, open_ = gate_saturation(forget)  # (128,) each: share of (image, row) pairs < 0.1 / > 0.9
    return int(np.sum(open_ > 0.5))


@functools.cache
def _gate_open_shares(split, digit):
    """Per gate "i", "f", "o": each unit's share of (image, row) pairs in which it is open (> 0.9), (128,), over
    the validation or test images of one digit (digit=None: all of them), for the typical mistakes of q4.

    The gates at row t depend only on row t and on h_(t-1), which ``_hidden_states`` already holds for every
    row: so notebook 03's ``lstm_step`` takes every row of a chunk at once, instead of one row after another as
    ``states_and_gates`` does (a quarter of the time). The two agree to float32 rounding, which moves a unit's
    share by a few (image, row) pairs at most: tests/test_exercises_04.py compares them on the validation 8s.
    """
    images, labels = _images_and_labels(split)
    chosen = np.ones(len(labels), bool) if digit is None else labels == digit
    images, h = images[chosen], _hidden_states(split)[chosen]
    projection_kernel, projection_bias = _row_lstm().get_layer("input_projection").get_weights()
    kernel, recurrent_kernel, bias = lstm_weights(_row_lstm().get_layer("lstm"))
    open_pairs = dict.fromkeys("ifo", 0.0)
    for start in range(0, len(images), 1000):  # in chunks of 1,000 images, as states_and_gates does
        rows = images[start : start + 1000] @ projection_kernel + projection_bias  # (n, 28, units)
        h_after = h[start : start + 1000]
        h_before = np.concatenate([np.zeros_like(h_after[:, :1]), h_after[:, :-1]], axis=1)  # h_0 = 0
        n, steps, units = h_before.shape
        pairs = rows.reshape(-1, units), h_before.reshape(-1, units)  # every (image, row) pair: one batch
        # The gates do not depend on c_(t-1): zeros stand in for it, and h_t, c_t are not used.
        _, _, gates = lstm_step(*pairs, np.zeros_like(pairs[1]), kernel, recurrent_kernel, bias)
        for gate in open_pairs:
            open_pairs[gate] += n * gate_saturation(gates[gate].reshape(n, steps, units))[1]
    return {gate: count / len(images) for gate, count in open_pairs.items()}


def _check_q4(answer):
    if isinstance(answer, (float, np.floating)) and 0 < answer < 1:
        raise WrongAnswer("that looks like a share of the units; give the number of units (a count).")
    count = whole_number(answer, "the number of units")
    expected = _reference(units_with_open_forget_gates)
    if count == expected:
        return
    if not 0 <= count <= 128:
        raise WrongAnswer("the LSTM has 128 units: the count is between 0 and 128.")
    if count == 128 - expected:
        raise WrongAnswer("that counts the other units, whose forget gate is open half the time or less.")
    mistakes = [  # (split, digit, gate): each computed only when the mistakes before it do not match
        (
            ("test", 8, "f"),
            "that is for the test set's 8s; use the validation 8s (mnist.x_val[mnist.y_val == 8]).",
        ),
        (("val", None, "f"), "that is for all validation digits; keep only the 8s (mnist.y_val == 8)."),
        (("val", 8, "i"), "that is the input gate (i); the forget gate is f."),
        (("val", 8, "o"), "that is the output gate (o); the forget gate is f."),
        (
            ("test", None, "f"),
            "that is the notebook's count, for all test digits; compute it for the validation 8s.",
        ),
    ]
    for (split, digit, gate), message in mistakes:
        if count == np.sum(_gate_open_shares(split, digit)[gate] > 0.5):
            raise WrongAnswer(message)
    raise WrongAnswer(
        f"{count} units is not it: the forget gates of the validation 8s, gate_saturation, then count the "
        "units whose share of time open (> 0.9) is more than 0.5."
    )


q4 = Exercise(
    _check_q4,
    solution=units_with_open_forget_gates,
    inputs=_notebook_variables,
    correct="29 units keep their forget gate open more than half the time while the validation 8s are "
    "read, against 7 over all validation digits (8 over all test digits in the notebook): an 8, two "
    "stacked loops, makes far more units hold on to what they have stored. A saturation plot over all "
    "digits averages such differences away.",
    nudge="Section 2's gate_saturation, on the forget gates of the validation 8s only.",
    hint="Select the validation 8s, images = mnist.x_val[mnist.y_val == 8], and compute their gates as in "
    'section 2: states_and_gates(model, images, lstm_unroll, keep=("f",))["f"], shape (8s, 28, 128). '
    "gate_saturation returns (closed, open) per unit; count the units whose open share is > 0.5.",
    working="Checking: the first check computes the hidden states of the 5,000 validation images (10-20 s on 2 CPU cores; later checks reuse them)...",
)

progress = progress_of(__name__)  # ex.progress(): which questions pass
