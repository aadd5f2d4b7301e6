"""Notebook 03's exercises (utils/lstm_classifier/exercises.py): every typical mistake gets its message.

What every exercise must do (its solution passes its check, placeholders, answers of the wrong kind) is
tested for all notebooks at once, in tests/test_exercises.py; there exercise 2's solution trains its three
models with the smoke-test budget (SMOKE_TEST=1). Here no test trains: a model "trained" with a budget is a
compiled model whose step count and training history say so, its weights untouched. The masking checks'
references (the shipped model on the test images) are computed once per session.
"""

import os
from pathlib import Path

import nbformat
import pytest

import utils

utils.silence_tensorflow()

import keras
from exercise_checks import assert_wrong, on_one_process, run_check

from utils.lstm_classifier import exercises as ex

NAMES = ("SimpleRNN", "GRU", "LSTM")
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_lstm_classifier.ipynb"


# ----------------------------------------------------------------------------- 1. other recurrent layers
def _row_model(recurrent="LSTM", projection=True, return_sequences=False, activation=None, units=128):
    rows = keras.Input(shape=(28, 28))
    x = keras.layers.Dense(units)(rows) if projection else rows
    x = getattr(keras.layers, recurrent)(units, return_sequences=return_sequences)(x)
    return keras.Model(rows, keras.layers.Dense(10, activation=activation)(x))


def _dense_only():
    rows = keras.Input(shape=(28, 28))
    return keras.Model(rows, keras.layers.Dense(10)(keras.layers.Flatten()(rows)))


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
def test_q1_row_model_mistakes(function, fragment, capsys):
    function.__name__ = "build_row_model"
    assert_wrong(ex.q1, function, fragment, capsys)


def _relu_projection(recurrent_layer, units=128):
    rows = keras.Input(shape=(28, 28))
    projected = keras.layers.Dense(units, activation="relu")(rows)
    return keras.Model(rows, keras.layers.Dense(10)(recurrent_layer(units)(projected)))


def _average_of_all_outputs(recurrent_layer, units=128):
    rows = keras.Input(shape=(28, 28))
    outputs = recurrent_layer(units, return_sequences=True)(keras.layers.Dense(units)(rows))
    return keras.Model(rows, keras.layers.Dense(10)(keras.layers.GlobalAveragePooling1D()(outputs)))


def _time_distributed(recurrent_layer, units=128):
    rows = keras.Input(shape=(28, 28))
    projected = keras.layers.TimeDistributed(keras.layers.Dense(units))(rows)
    return keras.Model(rows, keras.layers.Dense(10)(recurrent_layer(units)(projected)))


def _any_length(recurrent_layer, units=128):
    rows = keras.Input(shape=(None, 28))  # steps=None, as notebook 03 teaches for build_row_lstm
    return keras.Model(rows, keras.layers.Dense(10)(recurrent_layer(units)(keras.layers.Dense(units)(rows))))


@pytest.mark.parametrize(
    ("function", "fragment"),
    [
        (_relu_projection, "the input projection applies relu; keep it linear"),
        (_average_of_all_outputs, "returns its output at every row (return_sequences=True)"),
    ],
    ids=["relu-projection", "average-of-all-outputs"],
)
def test_q1_same_shapes_and_counts_but_another_model_is_refused(function, fragment, capsys):
    """Same output shape and parameter count as the solution: the check compares what the models compute."""
    function.__name__ = "build_row_model"
    assert function(keras.layers.GRU).count_params() == ex.build_row_model(keras.layers.GRU).count_params()
    assert_wrong(ex.q1, function, fragment, capsys)


@pytest.mark.parametrize("function", [_time_distributed, _any_length], ids=["time-distributed", "any-length"])
def test_q1_the_same_model_written_another_way_passes(function, capsys):
    function.__name__ = "build_row_model"
    verdict, out = run_check(ex.q1, function, capsys)
    assert verdict is True and out.startswith("✓ Correct"), out


def test_q1_a_built_model_instead_of_the_function_is_named(capsys):
    assert_wrong(ex.q1, ex.build_row_model(keras.layers.LSTM), "pass build_row_model itself", capsys)


def test_q1_the_parameter_counts_of_the_correct_message():
    counts = {name: ex.build_row_model(getattr(keras.layers, name)).count_params() for name in NAMES}
    assert counts == {"SimpleRNN": 37_898, "GRU": 104_074, "LSTM": 136_586}
    assert all(f"{name} {count:,}" in ex.q1.correct for name, count in counts.items())


# ----------------------------------------------------------------------------- 2. the same budget for each
CLASS_STEPS, SMOKE_STEPS = 3 * 79, 1 * 16  # epochs x ceil(images / 128)


def _trained_for(model, steps, losses=(1.5, 0.5, 0.3)):
    """A compiled model whose optimizer has taken ``steps`` steps and whose last fit recorded ``losses`` (the
    mean training loss of each epoch); its weights stay untrained."""
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(steps)
    if losses is not None:
        model.history = keras.callbacks.History()
        model.history.history = {"loss": list(losses)}
    return model


@pytest.fixture(scope="module")
def class_trained():
    return {name: _trained_for(_row_model(name), CLASS_STEPS) for name in NAMES}


def test_q2_the_two_budgets_and_where_the_notebook_picks_one(monkeypatch):
    assert ex.CLASS_BUDGET == (10_000, 3) and ex.SMOKE_BUDGET == (2_048, 1)  # what the notebook's text says
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    parameters = next(c.source for c in cells if "parameters" in c.metadata.get("tags", []))
    cell = next(c.source for c in cells if "EXERCISE_IMAGES =" in c.source)
    for smoke, budget in ((True, ex.SMOKE_BUDGET), (False, ex.CLASS_BUDGET)):
        variables = {"os": os}
        exec(parameters, variables)  # the class budgets, as papermill would leave them
        variables["SMOKE_TEST"] = smoke
        exec(cell, variables)
        assert (variables["EXERCISE_IMAGES"], variables["EXERCISE_EPOCHS"]) == budget
        monkeypatch.setenv(
            "SMOKE_TEST", "1" if smoke else "0"
        )  # the tests' inputs pick it as the notebook does
        inputs = ex.q2.inputs()
        assert (inputs["EXERCISE_IMAGES"], inputs["EXERCISE_EPOCHS"]) == budget


def test_q2_budget_and_models_mistakes(class_trained, capsys):
    trained = class_trained
    assert_wrong(ex.q2, [trained["LSTM"]], "give a dict of the three trained models", capsys)
    assert_wrong(ex.q2, {"LSTM": trained["LSTM"]}, "the dict lacks SimpleRNN, GRU", capsys)
    assert_wrong(
        ex.q2, dict(trained, GRU="a model"), 'models["GRU"] is a str, not a trained keras.Model', capsys
    )
    untrained = dict(trained, GRU=_row_model("GRU"))
    _, out = run_check(ex.q2, untrained, capsys)
    assert out.startswith("✗ Not answered yet: ") and 'models["GRU"] is not trained yet' in out, out
    swapped = dict(trained, GRU=trained["LSTM"], LSTM=trained["GRU"])
    assert_wrong(ex.q2, swapped, 'models["GRU"] holds LSTM, not a GRU', capsys)
    other_budget = dict(trained, SimpleRNN=_trained_for(_row_model("SimpleRNN"), 430))
    assert_wrong(ex.q2, other_budget, "took 430 training steps; the comparison is fair only", capsys)
    _, out = run_check(ex.q2, other_budget, capsys)
    assert (
        "10,000 training images, 237 steps of 128 (" in out
        and "in a smoke test, 1 epoch of fit_original on the first 2,048" in out
    )
    one_long_epoch = dict(trained, LSTM=_trained_for(_row_model("LSTM"), CLASS_STEPS, losses=[0.9]))
    assert_wrong(ex.q2, one_long_epoch, 'models["LSTM"] took 237 training steps in 1 epoch;', capsys)
    no_record = dict(trained, LSTM=_trained_for(_row_model("LSTM"), CLASS_STEPS, losses=None))
    assert_wrong(ex.q2, no_record, "keeps no record of its training", capsys)
    mixed = dict(trained, GRU=_trained_for(_row_model("GRU"), SMOKE_STEPS, losses=[2.2]))
    assert_wrong(ex.q2, mixed, "GRU the smoke-test budget, LSTM the class budget); the comparison", capsys)
    # Right budget, but the weights never learned: accuracy near chance.
    assert_wrong(ex.q2, trained, "below what the class budget reaches", capsys)
    smoke = {name: _trained_for(_row_model(name), SMOKE_STEPS, losses=[2.3]) for name in NAMES}
    assert_wrong(ex.q2, smoke, "below what the smoke-test budget reaches", capsys)


@pytest.mark.parametrize(
    ("steps", "losses", "name"),
    [
        (CLASS_STEPS, (0.25, 0.22, 0.19), "SimpleRNN"),  # a second fit_original of 3 epochs, as measured
        (SMOKE_STEPS, (1.05,), "SimpleRNN"),
        (SMOKE_STEPS, (1.88,), "GRU"),
        (SMOKE_STEPS, (1.66,), "LSTM"),
    ],
    ids=["class", "smoke-simple-rnn", "smoke-gru", "smoke-lstm"],
)
def test_q2_a_model_trained_twice_is_caught(steps, losses, name, capsys):
    # fit_original compiles again, so the step count starts anew: only the history shows the earlier training
    trained = {kind: _trained_for(_row_model(kind), steps, losses=(2.3,) * len(losses)) for kind in NAMES}
    trained[name] = _trained_for(_row_model(name), steps, losses=losses)
    assert_wrong(ex.q2, trained, f'models["{name}"] was trained more than once', capsys)


@pytest.mark.parametrize(
    ("accuracies", "budget", "said"),
    [
        (
            (0.925, 0.894, 0.929),
            "CLASS",
            "LSTM 0.929 > SimpleRNN 0.925 > GRU 0.894: the GRU ends lowest, 3.1 points",
        ),
        ((0.891, 0.923, 0.928), "CLASS", "the SimpleRNN ends lowest, 3.2 points below the GRU"),
        ((0.920, 0.923, 0.926), "CLASS", "all three lie within 0.6 points of each other"),
        ((0.905, 0.908, 0.935), "CLASS", "the LSTM leads by 2.7 points"),
        ((0.625, 0.226, 0.360), "SMOKE", "show that each model learns, not which learns best"),
    ],
    ids=["gru-lowest", "simple-rnn-lowest", "level", "lstm-leads", "smoke"],
)
def test_q2_the_verdict_says_what_the_students_numbers_show(accuracies, budget, said, monkeypatch, capsys):
    budget = getattr(ex, f"{budget}_BUDGET")
    steps = CLASS_STEPS if budget == ex.CLASS_BUDGET else SMOKE_STEPS
    models = {name: _trained_for(_row_model(name), steps, losses=(2.3,) * budget[1]) for name in NAMES}
    by_model = {id(models[name]): accuracy for name, accuracy in zip(NAMES, accuracies)}
    monkeypatch.setattr(ex, "test_accuracy", lambda model, images, labels: by_model[id(model)])
    verdict, out = run_check(ex.q2, models, capsys)
    assert verdict is True and said in out, out
    assert ("smoke-test budget" in out) == (budget == ex.SMOKE_BUDGET), out
    assert "clearly lowest" not in out  # no ranking claimed whatever the models did


# ----------------------------------------------------------------------------- 3. a mask for the padding
@pytest.mark.parametrize(
    ("mistake", "fragment"),
    [
        ("no-mask", "no mask reaches the LSTM"),
        ("new-layers", "reuse the trained layers"),
        ("a-layer", "keras.Model"),
        ("softmax-appended", "probabilities (a softmax at the end); return the logits"),
    ],
)
@on_one_process("03.q3")  # with the test of its solution: the same reference predictions
def test_q3_masking_mistakes(mistake, fragment, capsys):
    def masked_row_lstm(model):
        if mistake == "no-mask":
            return model
        if mistake == "a-layer":
            return keras.layers.Masking(mask_value=0.0)
        if mistake == "softmax-appended":  # the solution, then a softmax: the trained layers, no new weights
            masked = ex.masked_row_lstm(model)
            return keras.Model(masked.input, keras.layers.Softmax()(masked.output))
        rows = keras.Input(shape=(None, 28))
        x = keras.layers.Masking(mask_value=0.0)(rows)
        x = keras.layers.LSTM(128)(keras.layers.Dense(128)(x))
        return keras.Model(rows, keras.layers.Dense(10)(x))

    assert_wrong(ex.q3, masked_row_lstm, fragment, capsys)


# ----------------------------------------------------------------------------- 4. what the mask changes
@on_one_process("03.q4")  # with the test of its solution: the same reference accuracies
def test_q4_masked_accuracy_mistakes(capsys):
    # What the shipped weights give on all 10,000 test images: front-padded, back-padded 25 rows, whole.
    masked, unmasked = (0.975, 0.975, 0.9754), (0.9905, 0.9907, 0.9909)
    # What the correct message says, measured: padding no longer matters, whole images lose accuracy.
    assert masked[0] == masked[1] and masked[2] < unmasked[2] - 0.01
    assert all(f"{value:.3f}" in ex.q4.correct for value in (masked[0], unmasked[2]))
    assert_wrong(
        ex.q4,
        unmasked,
        "without the mask; measure the masked model, masked = masked_row_lstm(shipped_model)",
        capsys,
    )
    assert_wrong(ex.q4, (masked[1], masked[0] + 0.01, masked[2]), "back-padded 25 rows", capsys)
    assert_wrong(ex.q4, (masked[0] + 0.01, masked[1], masked[2]), "front-padded 25 rows", capsys)
    assert_wrong(ex.q4, tuple(100 * a for a in masked), "not a percentage", capsys)
    assert_wrong(ex.q4, masked[:2], "give three accuracies", capsys)
    assert run_check(ex.q4, list(masked), capsys)[0] is True  # the check measures these numbers itself
