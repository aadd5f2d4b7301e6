"""Notebook 04's exercises (utils/inside_the_lstm/exercises.py): every typical mistake gets its message.

What every exercise must do (its solution passes its check, placeholders, answers of the wrong kind) is
tested for all notebooks at once, in tests/test_exercises.py. The checks compute their references on the
validation set once per session; these tests use the hidden states the checks hold.
"""

import numpy as np
import pytest
from exercise_checks import assert_wrong, on_one_process, run_check

from utils.inside_the_lstm import exercises as ex
from utils.inside_the_lstm.taught import gate_saturation, selectivity, states_and_gates
from utils.lstm_classifier.taught import lstm_unroll

# On the process of the tests of q1's, q2's and q4's solutions: the checks' hidden states are computed once.
pytestmark = on_one_process("04.q1")


@pytest.fixture(scope="module")
def validation():
    """(settle steps, hidden states h_t, labels) of the validation images: those the checks hold, computed once
    per session with the model and data the notebook has (its variables). That they are the validation
    images' is what test_q1_answer_and_tolerance (39 %, the test set's is 50 %) and
    test_q2_the_answer_and_its_message (the 2's unit 29, the test set's is 15) pin down."""
    return ex._settle_steps("val"), ex._hidden_states("val"), ex.q1.inputs()["mnist"].y_val


# ----------------------------------------------------------------------------- 1. do the 1s settle at once?
def test_q1_answer_and_tolerance(validation, capsys):
    settle, _, labels = validation
    share = np.mean(settle[labels == 1] == 1)
    assert 0.35 < share < 0.45  # the number the exercise's text and "correct" message quote (39 %)
    for answer in (share + 0.004, share - 0.004, np.float32(share), np.array(share)):
        verdict, out = run_check(ex.q1, answer, capsys)
        assert verdict is True, out
    assert_wrong(ex.q1, share + 0.02, "is not it (within ±0.005)", capsys)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.502, "test set's share"),  # the notebook's number, on the test set
        (0.6075, "does change"),  # settle > 1
        (0.0416, "among all validation images"),  # not restricted to the 1s
        (0.0571, "among all test images"),
        (39.2, "percentage"),
        (208, "that is a count"),
        (0.0, "not 0"),  # settle == 0: rows are numbered from 1
        (1.5, "between 0 and 1"),
        ([0.39], "as one number"),
    ],
)
def test_q1_share_of_ones_mistakes(answer, fragment, capsys):
    assert_wrong(ex.q1, answer, fragment, capsys)


# ----------------------------------------------------------------------------- 2. the most selective units
def _top_units(h, labels, states=lambda h: h[:, -1], score=True):
    means = np.stack([states(h)[labels == d].mean(axis=0) for d in range(10)])
    return (selectivity(means) if score else means).argmax(axis=1)


def test_q2_the_answer_and_its_message(validation):
    _, h, labels = validation
    units = _top_units(h, labels)
    assert units.tolist() == [117, 21, 29, 5, 72, 117, 124, 11, 106, 72]  # as the "correct" message says


@pytest.mark.parametrize(
    ("mistake", "fragment"),
    [
        (lambda h, y, right: right + 1, "numbered from 1"),
        (lambda h, y, right: np.array([117, 21, 15, 5, 72, 117, 124, 11, 106, 72]), "test set's top_units"),
        (lambda h, y, right: _top_units(h, y, score=False), "most active units"),
        (lambda h, y, right: _top_units(h, y, states=lambda h: h.mean(axis=1)), "averages h_t over all 28"),
        (lambda h, y, right: np.zeros(128, int), "argmax over the units, axis=1"),  # argmax(axis=0)
        (lambda h, y, right: np.zeros((10, 128)), "whole selectivity table"),
        (lambda h, y, right: np.r_[right[:9], 3], "for the classes [9]"),
        (lambda h, y, right: np.full(10, 128), "numbered 0 to 127"),
        (lambda h, y, right: right[:5], "shape (10,)"),
        (lambda h, y, right: right + 0.5, "whole numbers"),
        (lambda h, y, right: 117, "an array of 10 unit numbers"),
    ],
)
def test_q2_most_selective_unit_mistakes(mistake, fragment, validation, capsys):
    _, h, labels = validation
    right = _top_units(h, labels)
    assert_wrong(ex.q2, mistake(h, labels, right), fragment, capsys)
    ex.q2.check(list(right))  # a list is fine
    assert ex.q2.passed


# ----------------------------------------------------------------------------- 3. the first confident row
def _first_row(probabilities, threshold, compare=np.greater, axis=-1, plus=1, handle_never=True):
    confident = compare(np.asarray(probabilities).max(axis=axis), threshold)
    first = confident.argmax(axis=1) + plus
    return np.where(confident.any(axis=1), first, 0) if handle_never else first


def _from_then_on(probabilities, threshold):
    confident = np.asarray(probabilities).max(axis=-1) > threshold
    rows = np.zeros(len(confident), int)
    for k, row in enumerate(confident):
        if row[-1]:
            rows[k] = len(row) - np.argmin(row[::-1]) + 1 if not row.all() else 1
    return rows


@pytest.mark.parametrize(
    ("function", "fragment"),
    [
        (lambda p, t: _first_row(p, t, plus=0), "Python indices, counted from 0"),
        (lambda p, t: _first_row(p, t, handle_never=False), "never above the threshold must give 0"),
        (lambda p, t: _first_row(p, t, compare=np.greater_equal), "use >, not >="),
        (lambda p, t: _first_row(p, 0.9), "that is for threshold 0.9"),
        (lambda p, t: _first_row(p, t, axis=1), "max over the rows (axis=1)"),
        (lambda p, t: np.asarray(p).max(axis=1), "returned shape (4, 3), one number per class"),
        (lambda p, t: np.asarray(p).max(axis=-1), "returned shape (4, 5), one value per row"),
        (_from_then_on, "stays above the threshold"),
        (lambda p, t: _first_row(np.asarray(p)[..., :1], t), "follows class 0"),
        (lambda p, t: np.ones(len(p), int), "returned [1, 1, 1, 1]; expected [3, 0, 1, 4]"),
        (lambda p, t: len(p[0][0][0]), "raised TypeError"),
        (lambda p, t: None, "Not answered yet: <lambda> returns None"),
    ],
)
def test_q3_first_confident_row_mistakes(function, fragment, capsys):
    assert_wrong(ex.q3, function, fragment, capsys)


def test_q3_a_function_that_changes_its_input_does_not_spoil_the_check(capsys):
    def first_confident_row(probabilities, threshold):
        probabilities[...] = 0.0
        return np.full(len(probabilities), 2)

    assert_wrong(ex.q3, first_confident_row, "returned [2, 2, 2, 2]; expected [3, 0, 1, 4]", capsys)
    verdict, out = run_check(ex.q3, _first_row, capsys)
    assert verdict is True, out


# ----------------------------------------------------------------------------- 4. the forget gates of the 8s
@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (99, "counts the other units"),  # open_ <= 0.5
        (34, "test set's 8s"),
        (7, "all validation digits"),
        (8, "the notebook's count, for all test digits"),
        (3, "input gate"),
        (18, "output gate"),
        (29 / 128, "a share of the units"),
        (200, "between 0 and 128"),
        (30, "30 units is not it"),
        ("29", "as one number"),
    ],
)
def test_q4_forget_gate_saturation_mistakes(answer, fragment, capsys):
    assert_wrong(ex.q4, answer, fragment, capsys)


def test_q4_the_checks_gates_are_those_states_and_gates_gives():
    # The mistakes are recognised with every row's gates computed at once from the hidden states; on the
    # validation 8s they are the notebook's (states_and_gates, row after row), to a few (image, row) pairs.
    variables = ex.q4.inputs()
    mnist = variables["mnist"]
    eights = mnist.x_val[mnist.y_val == 8]
    gates = states_and_gates(variables["model"], eights, lstm_unroll, keep=("i", "f", "o"))
    for gate in "ifo":
        taught, fast = gate_saturation(gates[gate])[1], ex._gate_open_shares("val", 8)[gate]
        assert np.abs(fast - taught).max() <= 5 / (len(eights) * 28), gate
        assert np.sum(fast > 0.5) == np.sum(taught > 0.5), gate


def test_q4_the_answer_is_the_count_in_the_correct_message(capsys):
    for answer in (29, 29.0, np.int64(29)):
        verdict, out = run_check(ex.q4, answer, capsys)
        assert verdict is True and "29 units" in out, out


def test_q4_rounding_cannot_move_a_unit_across_the_line():
    """A student who computes the gates in float64, or in another order, gets the same count: every unit's share
    of open (image, row) pairs lies at least 10 pairs away from one half, and rounding moves a gate across 0.9
    in a few pairs at most (the test above: within 5 between two float32 computations)."""
    mnist = ex.q4.inputs()["mnist"]
    pairs = int(np.sum(mnist.y_val == 8)) * 28
    shares = ex._gate_open_shares("val", 8)["f"]
    assert np.abs(shares - 0.5).min() * pairs >= 10
