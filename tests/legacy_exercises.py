"""Tests for utils.exercises: every solution passes its own check, every typical mistake gets its message."""

import gzip
import warnings

import numpy as np
import pytest

import utils
from utils import exercises
from utils.data import load_mnist
from utils.exercises import Exercise, notebook_01, notebook_02, notebook_03, notebook_04

ALL = [
    (f"{number}.{name}", exercise)
    for number, ns in exercises.NOTEBOOKS.items()
    for name, exercise in vars(ns).items()
]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def row_lstm():
    """The shipped model, loaded as notebook 04 loads it (only the tests that need it pay for TensorFlow)."""
    from utils.lstm_classifier.helpers import load_row_lstm

    return load_row_lstm()


def run_check(exercise, answer, capsys):
    """(returned value, printed text) of exercise.check(answer)."""
    capsys.readouterr()
    assert (
        exercise.check(answer) is None
    )  # the verdict is in .passed, so a notebook cell shows only the message
    return exercise.passed, capsys.readouterr().out


def assert_wrong(exercise, answer, fragment, capsys):
    result, out = run_check(exercise, answer, capsys)
    assert result is False, out
    assert out.startswith("✗ "), out
    assert fragment in out, out
    assert "Traceback" not in out


# ---------------------------------------------------------------- every exercise


def test_each_notebook_has_three_or_four_exercises():
    for number in ("01", "02", "03", "04"):
        names = list(vars(exercises.exercises(number)))
        assert names == [f"q{i}" for i in range(1, len(names) + 1)] and 3 <= len(names) <= 4
    assert exercises.exercises(1) is notebook_01 and exercises.exercises("02") is notebook_02
    with pytest.raises(ValueError, match="no exercises for notebook '05'"):
        exercises.exercises("05")


@pytest.mark.parametrize(("name", "exercise"), ALL, ids=[name for name, _ in ALL])
def test_reference_solution_passes_its_own_check(name, exercise, mnist, request, capsys):
    namespace = {"mnist": mnist}  # what the notebooks define before their exercises
    if name.startswith("04."):
        namespace["model"] = request.getfixturevalue("row_lstm")  # notebook 04's model, the shipped weights
    if name.startswith("03."):
        namespace.update(SEED=42, shipped_model=request.getfixturevalue("row_lstm"))
        # Exercises 2 and 4 build on the functions written in exercises 1 and 3, as in the notebook.
        for earlier in ("q1", "q3"):
            exec(getattr(notebook_03, earlier).solution_code, namespace)
    exec(exercise.solution_code, namespace)
    result, out = run_check(exercise, namespace[exercise.answer_name], capsys)
    assert result is True, out
    assert out.startswith("✓ Correct: ") and len(out.strip()) > len("✓ Correct: ") + 20, out


@pytest.mark.parametrize(("name", "exercise"), ALL, ids=[name for name, _ in ALL])
@pytest.mark.parametrize("placeholder", [..., None])
def test_placeholders_are_not_answered_yet(name, exercise, placeholder, capsys):
    result, out = run_check(exercise, placeholder, capsys)
    assert result is False and out.startswith("✗ Not answered yet: "), out


@pytest.mark.parametrize(("name", "exercise"), ALL, ids=[name for name, _ in ALL])
def test_hint_and_solution_print_something(name, exercise, capsys):
    exercise.hint()
    hint = capsys.readouterr().out
    exercise.solution()
    solution = capsys.readouterr().out
    assert hint.startswith("Hint: ") and len(hint) > 40
    assert solution.startswith("Solution:") and exercise.answer_name in solution
    compile(exercise.solution_code, name, "exec")  # the printed solution is valid Python


@pytest.mark.parametrize(("name", "exercise"), ALL, ids=[name for name, _ in ALL])
@pytest.mark.parametrize(
    "answer", ["7840016", 3.5, float("nan"), float("inf"), [1, 2, 3], {"a": 1}, True, np.zeros((2, 2))]
)
def test_answers_of_the_wrong_kind_give_a_message_not_a_traceback(name, exercise, answer, capsys):
    result, out = run_check(exercise, answer, capsys)
    assert result is False and out.startswith("✗ ") and len(out) > 10, out


def test_a_check_that_breaks_still_prints_a_message(capsys):
    def broken(answer):
        raise KeyError("boom")

    exercise = Exercise(broken, correct="-", hint="-", solution="answer = 1")
    assert_wrong(exercise, 1, "could not be checked (KeyError", capsys)


# ---------------------------------------------------------------- notebook 01


def test_01_answers_match_the_real_files():
    with gzip.open(utils.DATA_DIR / "t10k-images-idx3-ubyte.gz", "rb") as f:
        notebook_01.q1.check(len(f.read()))
    assert notebook_01.q1.passed
    with gzip.open(utils.DATA_DIR / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        notebook_01.q2.check(len(f.read()))
    assert notebook_01.q2.passed


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
    ],
)
def test_01_q1_file_size_mistakes(answer, fragment, capsys):
    assert_wrong(notebook_01.q1, answer, fragment, capsys)


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
    ],
)
def test_01_q2_label_file_mistakes(answer, fragment, capsys):
    assert_wrong(notebook_01.q2, answer, fragment, capsys)


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
def test_01_q3_mean_image_mistakes(function, fragment, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty class (digit 10) is nan
        assert_wrong(notebook_01.q3, function, fragment, capsys)


def test_01_q3_a_function_that_changes_its_input_does_not_spoil_later_checks(capsys):
    def scaling_in_place(images, labels):
        images *= 255
        return None

    run_check(notebook_01.q3, scaling_in_place, capsys)
    result, out = run_check(notebook_01.q3, _means, capsys)
    assert result is True, out


def test_01_q3_the_placeholder_function_is_not_answered_yet(capsys):
    def mean_images(images, labels): ...

    result, out = run_check(notebook_01.q3, mean_images, capsys)
    assert result is False and out.startswith("✗ Not answered yet: mean_images returns None"), out
    assert_wrong(notebook_01.q3, mean_images(1, 2) or 3, "pass the function itself", capsys)


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
def test_01_q4_closest_pair_mistakes(answer, fragment, capsys):
    assert_wrong(notebook_01.q4, answer, fragment, capsys)


def test_01_q4_accepts_either_order_and_numpy_ints(capsys):
    notebook_01.q4.check((9, 4))
    assert notebook_01.q4.passed
    notebook_01.q4.check(np.array([4, 9]))
    assert notebook_01.q4.passed


# ---------------------------------------------------------------- notebook 02


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
    ],
)
def test_02_q1_batch_count_mistakes(answer, fragment, capsys):
    assert_wrong(notebook_02.q1, answer, fragment, capsys)


RIGHT_SHAPES = {"X_time_major": (28, 32, 28), "X_stacked": (896, 28), "H": (896, 64), "H_steps[0]": (32, 64)}


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
def test_02_q2_time_major_shape_mistakes(changes, fragment, capsys):
    assert_wrong(notebook_02.q2, {**RIGHT_SHAPES, **changes}, fragment, capsys)


def test_02_q2_placeholder_dict_and_missing_keys(capsys):
    assert_wrong(notebook_02.q2, dict.fromkeys(RIGHT_SHAPES, ...), "Not answered yet: replace each", capsys)
    assert_wrong(notebook_02.q2, {"H": (896, 64)}, "the dict has no", capsys)
    assert_wrong(notebook_02.q2, [(28, 32, 28)], "give a dict", capsys)
    notebook_02.q2.check({key: list(shape) for key, shape in RIGHT_SHAPES.items()})  # lists are fine
    assert notebook_02.q2.passed


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
def test_02_q3_back_padding_mistakes(function, fragment, capsys):
    assert_wrong(notebook_02.q3, function, fragment, capsys)


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
def test_02_q4_first_ink_mistakes(answer, fragment, capsys):
    assert_wrong(notebook_02.q4, answer, fragment, capsys)


def test_02_q4_answer_is_the_first_test_digit(mnist):
    digit = mnist.x_test[0]
    notebook_02.q4.check((int(digit.any(axis=1).argmax()) + 1, int(digit.any(axis=0).argmax()) + 1))
    assert notebook_02.q4.passed


# ---------------------------------------------------------------- notebook 04


@pytest.fixture(scope="module")
def validation_settle(row_lstm, mnist):
    """Settle steps of the validation images, computed as the notebook does (hand-written LSTM included)."""
    from utils.inside_the_lstm.taught import settle_step, step_probabilities
    from utils.lstm_classifier.taught import build_inspection_model

    h = build_inspection_model(row_lstm).predict(mnist.x_val, batch_size=1000, verbose=0)["lstm_outputs"]
    return settle_step(step_probabilities(row_lstm.get_layer("logits"), h).argmax(axis=-1)), h


def test_04_q1_answer_and_tolerance(validation_settle, mnist, capsys):
    settle, _ = validation_settle
    share = np.mean(settle[mnist.y_val == 1] == 1)
    assert 0.35 < share < 0.45  # the number the exercise's text and "correct" message quote (39 %)
    for answer in (share + 0.004, share - 0.004, np.float32(share), np.array(share)):
        result, out = run_check(notebook_04.q1, answer, capsys)
        assert result is True, out
    assert_wrong(notebook_04.q1, share + 0.02, "is not it (within ±0.005)", capsys)


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
def test_04_q1_share_of_ones_mistakes(answer, fragment, capsys):
    assert_wrong(notebook_04.q1, answer, fragment, capsys)


def _top_units(h, labels, states=lambda h: h[:, -1], score=True):
    from utils.inside_the_lstm.taught import selectivity

    means = np.stack([states(h)[labels == d].mean(axis=0) for d in range(10)])
    return (selectivity(means) if score else means).argmax(axis=1)


def test_04_q2_the_answer_and_its_message(validation_settle, mnist):
    _, h = validation_settle
    units = _top_units(h, mnist.y_val)
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
def test_04_q2_most_selective_unit_mistakes(mistake, fragment, validation_settle, mnist, capsys):
    _, h = validation_settle
    right = _top_units(h, mnist.y_val)
    assert_wrong(notebook_04.q2, mistake(h, mnist.y_val, right), fragment, capsys)
    notebook_04.q2.check(list(right))  # a list is fine
    assert notebook_04.q2.passed


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
def test_04_q3_first_confident_row_mistakes(function, fragment, capsys):
    assert_wrong(notebook_04.q3, function, fragment, capsys)


def test_04_q3_a_function_that_changes_its_input_does_not_spoil_the_check(capsys):
    def first_confident_row(probabilities, threshold):
        probabilities[...] = 0.0
        return np.full(len(probabilities), 2)

    assert_wrong(notebook_04.q3, first_confident_row, "returned [2, 2, 2, 2]; expected [3, 0, 1, 4]", capsys)
    result, out = run_check(notebook_04.q3, _first_row, capsys)
    assert result is True, out


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
def test_04_q4_forget_gate_saturation_mistakes(answer, fragment, capsys):
    assert_wrong(notebook_04.q4, answer, fragment, capsys)


def test_04_q4_the_answer_is_the_count_in_the_correct_message(capsys):
    for answer in (29, 29.0, np.int64(29)):
        result, out = run_check(notebook_04.q4, answer, capsys)
        assert result is True and "29 units" in out, out


# ---------------------------------------------------------------- notebook 03


def _row_model(recurrent="LSTM", projection=True, return_sequences=False, activation=None, units=128):
    import keras

    rows = keras.Input(shape=(28, 28))
    x = keras.layers.Dense(units)(rows) if projection else rows
    x = getattr(keras.layers, recurrent)(units, return_sequences=return_sequences)(x)
    return keras.Model(rows, keras.layers.Dense(10, activation=activation)(x))


@pytest.mark.parametrize(
    ("function", "fragment"),
    [
        (lambda layer: _row_model("LSTM"), "use the recurrent_layer argument"),
        (lambda layer: _row_model(layer.__name__, projection=False), "without the input projection"),
        (lambda layer: _row_model(layer.__name__, return_sequences=True), "keep return_sequences=False"),
        (lambda layer: _row_model(layer.__name__, activation="softmax"), "applies softmax; give logits"),
        (lambda layer: _row_model(layer.__name__, units=64), "has 64 units"),
        (lambda layer: layer(128), "returned a SimpleRNN; return a keras.Model"),
        (lambda layer: _dense_only(), "no recurrent layer"),
        (lambda: None, "build_row_model"),  # takes no argument: reported, not raised
    ],
    ids=["fixed-lstm", "no-projection", "sequences", "softmax", "units", "a-layer", "no-rnn", "no-argument"],
)
def test_03_q1_row_model_mistakes(function, fragment, capsys):
    function.__name__ = "build_row_model"
    assert_wrong(notebook_03.q1, function, fragment, capsys)


def _dense_only():
    import keras

    rows = keras.Input(shape=(28, 28))
    return keras.Model(rows, keras.layers.Dense(10)(keras.layers.Flatten()(rows)))


def _trained_for(model, steps):
    """A compiled model whose optimizer says it has taken ``steps`` steps (its weights stay untrained)."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(steps)
    return model


def test_03_q2_budget_and_models_mistakes(capsys):
    steps = exercises._STEPS_03_Q2
    assert steps == 237  # 3 epochs of ceil(10,000 / 128) = 79 steps
    trained = {name: _trained_for(_row_model(name), steps) for name in ("SimpleRNN", "GRU", "LSTM")}
    assert_wrong(notebook_03.q2, [trained["LSTM"]], "give a dict of the three trained models", capsys)
    assert_wrong(notebook_03.q2, {"LSTM": trained["LSTM"]}, "the dict lacks SimpleRNN, GRU", capsys)
    untrained = dict(trained, GRU=_row_model("GRU"))
    _, out = run_check(notebook_03.q2, untrained, capsys)
    assert out.startswith("✗ Not answered yet: ") and 'models["GRU"] is not trained yet' in out, out
    swapped = dict(trained, GRU=trained["LSTM"], LSTM=trained["GRU"])
    assert_wrong(notebook_03.q2, swapped, 'models["GRU"] holds LSTM, not a GRU', capsys)
    other_budget = dict(trained, SimpleRNN=_trained_for(_row_model("SimpleRNN"), 430))
    assert_wrong(notebook_03.q2, other_budget, "took 430 training steps; the comparison is fair only", capsys)
    # Right budget, but the weights never learned: accuracy near chance.
    assert_wrong(notebook_03.q2, trained, "below what this budget reaches", capsys)


@pytest.mark.parametrize(
    ("mistake", "fragment"),
    [
        ("no-mask", "no mask reaches the LSTM"),
        ("new-layers", "reuse the trained layers"),
        ("a-layer", "keras.Model"),
    ],
)
def test_03_q3_masking_mistakes(mistake, fragment, capsys):
    import keras

    def masked_row_lstm(model):
        if mistake == "no-mask":
            return model
        if mistake == "a-layer":
            return keras.layers.Masking(mask_value=0.0)
        rows = keras.Input(shape=(None, 28))
        x = keras.layers.Masking(mask_value=0.0)(rows)
        x = keras.layers.LSTM(128)(keras.layers.Dense(128)(x))
        return keras.Model(rows, keras.layers.Dense(10)(x))

    assert_wrong(notebook_03.q3, masked_row_lstm, fragment, capsys)


def test_03_q4_masked_accuracy_mistakes(capsys):
    reference = exercises._masked_accuracies()
    masked, unmasked = reference["masked"], reference["unmasked"]
    # What the correct message says, measured: padding no longer matters, whole images lose accuracy.
    assert masked[0] == masked[1] and masked[2] < unmasked[2] - 0.01
    assert (
        abs(unmasked[2] - 0.9909) < 1e-4 and abs(masked[0] - 0.975) < 5e-4 and abs(masked[2] - 0.975) < 1e-3
    )
    assert_wrong(notebook_03.q4, unmasked, "without the mask", capsys)
    assert_wrong(notebook_03.q4, (masked[0], masked[1] - 0.01, masked[2]), "back-padded 25 rows", capsys)
    assert_wrong(notebook_03.q4, tuple(100 * a for a in masked), "not a percentage", capsys)
    assert_wrong(notebook_03.q4, masked[:2], "give three accuracies", capsys)
    assert run_check(notebook_03.q4, list(masked), capsys)[0] is True
