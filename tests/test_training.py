"""utils.training: recipes, learning-rate schedule, fit, the validation clock and the weights command.

Small data (a few hundred images, one epoch) so the whole file runs in seconds; speed itself is
measured by benchmarks/train_speed.py, never here.
"""

import dataclasses
import math
import time

import numpy as np
import pytest

import utils

utils.silence_tensorflow()

import keras  # noqa: E402

from utils.model import build_row_lstm  # noqa: E402
from utils.training import (  # noqa: E402
    ORIGINAL_RECIPE,
    RECIPES,
    RECOMMENDED_RECIPE,
    Recipe,
    ValidationClock,
    averaged_weights,
    fit,
    get_recipe,
    main,
    random_shift,
    save_weights_atomically,
    training_dataset,
)


@pytest.fixture(scope="module")
def small_data():
    """300 training and 100 validation 'images' with a learnable signal (class = bright row)."""
    rng = np.random.default_rng(0)

    def make(n):
        y = rng.integers(0, 10, size=n)
        x = rng.uniform(0, 0.2, size=(n, 28, 28)).astype("float32")
        x[np.arange(n), 2 * y + 4, :] = 1.0
        return x, y.astype("int64")

    return (*make(300), *make(100))


TINY = dataclasses.replace(
    RECOMMENDED_RECIPE, name="tiny", batch_size=50, epochs=1, warmup_epochs=0.5, steps_per_execution=1
)


def test_recipes_are_valid_and_described():
    assert set(RECIPES) == {"original", "recommended"}
    for name, recipe in RECIPES.items():
        assert isinstance(recipe, Recipe) and recipe.name == name
        assert get_recipe(name) is recipe
        text = recipe.describe()
        assert text.startswith(name) and f"batch {recipe.batch_size}" in text
        with pytest.raises(dataclasses.FrozenInstanceError):
            recipe.batch_size = 1


def test_original_recipe_is_exactly_the_old_tutorials():
    r = ORIGINAL_RECIPE
    assert (r.batch_size, r.epochs, r.learning_rate, r.schedule) == (128, 5, 1e-3, "constant")
    assert r.clipnorm is None and r.weight_decay is None
    assert not r.jit_compile and r.steps_per_execution == 1
    optimizer = r.make_optimizer(steps_per_epoch=430)
    assert isinstance(optimizer, keras.optimizers.Adam)
    assert optimizer.clipnorm is None and optimizer.weight_decay is None
    for step in (0, 1, 430, 5 * 430):
        assert r.learning_rate_at(step, steps_per_epoch=430) == pytest.approx(1e-3)


def test_recommended_keeps_the_architecture_and_differs_only_in_training():
    r = RECOMMENDED_RECIPE
    assert r.schedule == "warmup_cosine" and r.batch_size >= 128
    assert isinstance(r.make_optimizer(steps_per_epoch=215), keras.optimizers.Adam)


def test_schedule_warms_up_peaks_and_decays_as_intended():
    recipe = Recipe(
        name="s",
        batch_size=100,
        epochs=10,
        learning_rate=4e-3,
        schedule="warmup_cosine",
        warmup_epochs=1.0,
        warmup_start_fraction=0.05,
        final_lr_fraction=0.01,
    )
    spe = 100  # steps per epoch: warm-up = 100 steps, whole run = 1000 steps

    def lr(step):
        return recipe.learning_rate_at(step, steps_per_epoch=spe)

    assert lr(0) == pytest.approx(4e-3 * 0.05)  # warm-up start
    assert lr(50) == pytest.approx(4e-3 * (0.05 + 0.95 * 0.5))  # linear half-way
    assert lr(100) == pytest.approx(4e-3)  # peak at the end of the warm-up
    halfway_of_decay = 100 + 900 // 2
    assert lr(halfway_of_decay) == pytest.approx(4e-3 * (0.01 + 0.99 * 0.5), rel=1e-4)
    assert lr(1000) == pytest.approx(4e-3 * 0.01)  # end of training
    values = [lr(s) for s in range(0, 1001, 25)]
    peak = values.index(max(values))
    assert all(a < b for a, b in zip(values[:peak], values[1 : peak + 1]))
    assert all(a >= b for a, b in zip(values[peak:], values[peak + 1 :]))
    # asking for fewer epochs compresses the same shape into them
    assert recipe.learning_rate_at(500, steps_per_epoch=spe, epochs=5) == pytest.approx(4e-3 * 0.01)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 2.5}, "epochs"),
        ({"learning_rate": -1e-3}, "learning_rate"),
        ({"schedule": "exponential"}, "schedule"),
        ({"schedule": "warmup_cosine", "warmup_epochs": 5}, "warmup_epochs"),
        ({"warmup_epochs": 1}, "warmup_epochs"),  # warm-up with a constant rate makes no sense
        ({"clipnorm": 0}, "clipnorm"),
        ({"weight_decay": 2.0}, "weight_decay"),
        ({"steps_per_execution": 0}, "steps_per_execution"),
        ({"shift_pixels": -1}, "shift_pixels"),
        ({"shift_pixels": 1.5}, "shift_pixels"),
        ({"shift_pixels": 9}, "shift_pixels"),
        ({"ema_momentum": 1.0}, "ema_momentum"),
        ({"ema_momentum": 0}, "ema_momentum"),
        ({"ema_momentum": "0.99"}, "ema_momentum"),
    ],
)
def test_bad_recipes_are_rejected_naming_the_field(change, field):
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(ORIGINAL_RECIPE, **change)


def test_unknown_recipe_name_raises_clearly():
    with pytest.raises(ValueError, match=r"Unknown recipe 'fastest'.*original.*recommended"):
        get_recipe("fastest")
    with pytest.raises(ValueError, match="Unknown recipe"):
        fit(
            build_row_lstm(),
            "fastest",
            np.zeros((2, 28, 28), "float32"),
            np.zeros(2, int),
            np.zeros((2, 28, 28), "float32"),
            np.zeros(2, int),
        )


def test_fit_returns_history_and_the_clock_checks_every_half_epoch(small_data):
    x_train, y_train, x_val, y_val = small_data
    keras.utils.set_random_seed(0)
    model = build_row_lstm()
    clock = ValidationClock(x_val, y_val, checks_per_epoch=2)
    history = fit(model, TINY, x_train, y_train, x_val, y_val, epochs=2, verbose=0, callbacks=[clock])
    assert set(history.history) >= {"accuracy", "val_accuracy", "loss", "val_loss"}
    assert all(len(values) == 2 for values in history.history.values())
    assert [r["epoch"] for r in clock.records] == [0.5, 1.0, 1.5, 2.0]
    assert [r["samples"] for r in clock.records] == [150, 300, 450, 600]
    seconds = [r["train_seconds"] for r in clock.records]
    assert all(0 < a <= b for a, b in zip(seconds, seconds[1:]))
    # end-of-epoch checks are Keras's own validation accuracy
    assert clock.records[1]["val_accuracy"] == pytest.approx(history.history["val_accuracy"][0])
    assert clock.records[3]["val_accuracy"] == pytest.approx(history.history["val_accuracy"][1])
    best = max(r["val_accuracy"] for r in clock.records)
    assert clock.time_to_reach(best) is not None and clock.time_to_reach(1.01) is None
    assert clock.epochs_to_reach(0.0) == 0.5
    # the model was compiled as the recipe says
    assert isinstance(model.optimizer, keras.optimizers.Adam) and model.optimizer.clipnorm == TINY.clipnorm


def test_clock_mid_epoch_check_matches_a_fresh_evaluation(small_data):
    x_train, y_train, x_val, y_val = small_data
    keras.utils.set_random_seed(1)
    model = build_row_lstm()
    clock = ValidationClock(x_val, y_val, checks_per_epoch=3)
    fit(model, TINY, x_train, y_train, x_val, y_val, verbose=0, callbacks=[clock])
    assert [round(r["epoch"], 3) for r in clock.records] == [round(1 / 3, 3), round(2 / 3, 3), 1.0]
    accuracy = np.mean(np.argmax(model.predict(x_val, verbose=0), axis=1) == y_val)
    assert clock.records[-1]["val_accuracy"] == pytest.approx(accuracy)


def test_clock_with_steps_per_execution_checks_at_the_first_report_after_half_way(small_data):
    # 6 steps per epoch, Keras reports every 2nd step: the half-way check happens after step 4 of 6
    x_train, y_train, x_val, y_val = small_data
    recipe = dataclasses.replace(TINY, steps_per_execution=2)
    clock = ValidationClock(x_val, y_val, checks_per_epoch=2)
    history = fit(build_row_lstm(), recipe, x_train, y_train, x_val, y_val, verbose=0, callbacks=[clock])
    assert [round(r["epoch"], 3) for r in clock.records] == [0.667, 1.0]
    assert clock.records[-1]["val_accuracy"] == pytest.approx(history.history["val_accuracy"][-1])


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"x_train": np.zeros((300, 784), "float32")}, r"x_train must have shape \(n, 28, 28\)"),
        ({"x_train": np.zeros((300, 28, 28), "uint8")}, "x_train must be float"),
        ({"y_train": np.zeros((300, 10), "float32")}, "y_train must be integer class labels"),
        ({"y_val": np.zeros(99, "int64")}, r"y_val must be integer class labels of shape \(100,\)"),
    ],
)
def test_fit_rejects_wrong_shapes_clearly(small_data, bad, message):
    data = dict(zip(("x_train", "y_train", "x_val", "y_val"), small_data))
    data.update(bad)
    with pytest.raises(ValueError, match=message):
        fit(build_row_lstm(), TINY, **data)


def test_weights_are_saved_atomically(tmp_path, monkeypatch):
    model = build_row_lstm()
    path = save_weights_atomically(model, tmp_path / "sub" / "m.weights.h5")
    assert path.is_file() and [p.name for p in path.parent.iterdir()] == ["m.weights.h5"]
    with pytest.raises(ValueError, match=r"must end with '\.weights\.h5'"):
        save_weights_atomically(model, tmp_path / "m.h5")

    def broken(self, filepath, *args, **kwargs):
        open(filepath, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save_weights", broken)
    with pytest.raises(OSError, match="disk full"):
        save_weights_atomically(model, tmp_path / "new.weights.h5")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]  # no half-written file, no temp left


def test_saved_weights_leave_out_the_optimizer_state(tmp_path):
    import h5py

    model = build_row_lstm()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.train_on_batch(np.zeros((2, 28, 28), "float32"), np.array([0, 1]))  # creates optimizer state
    path = save_weights_atomically(model, tmp_path / "m.weights.h5")
    with h5py.File(path) as saved:
        assert "optimizer" not in saved
    reloaded = build_row_lstm()
    reloaded.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), reloaded.get_weights()))


def test_cli_trains_a_subset_and_writes_loadable_weights(tmp_path, capsys):
    out = tmp_path / "row_lstm.weights.h5"
    assert main(["--recipe", "recommended", "--out", str(out), "--quick", "--subset", "300"]) == 0
    printed = capsys.readouterr().out
    assert "Training on 300 images" in printed and "Test accuracy:" in printed
    assert [p.name for p in tmp_path.iterdir()] == ["row_lstm.weights.h5"]
    accuracy = float(printed.split("Test accuracy:")[1].split()[0])
    assert 0.0 <= accuracy <= 1.0
    model = build_row_lstm()
    model.load_weights(out)  # loads into the utils-built model
    assert "/work/" not in printed


def test_cli_refuses_weights_below_the_minimum_accuracy(tmp_path, capsys):
    out = tmp_path / "m.weights.h5"
    assert main(["--out", str(out), "--quick", "--subset", "100", "--min-test-accuracy", "0.999"]) == 1
    assert "not writing" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--recipe", "fastest"], "Unknown recipe 'fastest'"),
        (["--out", "weights.h5"], "must end with .weights.h5"),
        (["--subset", "0"], "--subset must be a positive"),
    ],
)
def test_cli_bad_arguments_fail_clearly(tmp_path, capsys, args, message):
    if "--out" not in args:
        args = args + ["--out", str(tmp_path / "m.weights.h5")]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_steps_per_epoch_rounds_up():
    # 300 images at batch 128 -> 3 steps, the last one partial: the schedule must span all of them
    recipe = dataclasses.replace(RECOMMENDED_RECIPE, batch_size=128, epochs=1, warmup_epochs=0.5)
    spe = math.ceil(300 / recipe.batch_size)
    assert recipe.learning_rate_at(spe, steps_per_epoch=spe) == pytest.approx(
        recipe.learning_rate * recipe.final_lr_fraction
    )


# -- weight averaging (EMA) -------------------------------------------------------------------
EMA_TINY = dataclasses.replace(TINY, name="tiny-ema", ema_momentum=0.9)
NO_EMA_TINY = dataclasses.replace(TINY, name="tiny-no-ema", ema_momentum=None)


def test_ema_recipe_makes_an_averaging_optimizer_and_says_so():
    optimizer = EMA_TINY.make_optimizer(steps_per_epoch=100)
    assert optimizer.use_ema and optimizer.ema_momentum == pytest.approx(0.9)
    assert not NO_EMA_TINY.make_optimizer(steps_per_epoch=6).use_ema
    assert "moving average of the weights (momentum 0.9)" in EMA_TINY.describe()
    assert "moving average" not in NO_EMA_TINY.describe()


def test_ema_momentum_is_lowered_for_short_runs_only():
    recipe = RECOMMENDED_RECIPE
    assert recipe.ema_momentum == 0.99
    full_run = recipe.epochs * math.ceil(55_000 / recipe.batch_size)
    assert recipe.ema_momentum_for(full_run) == 0.99  # the real thing keeps its momentum
    assert recipe.make_optimizer(steps_per_epoch=215).ema_momentum == pytest.approx(0.99)
    smoke_run = math.ceil(20_000 / recipe.batch_size)  # one epoch on 20,000 images: 79 steps
    momentum = recipe.ema_momentum_for(smoke_run)
    assert momentum == pytest.approx(1 - 10 / 79)
    assert momentum**smoke_run < 1e-4  # the untrained start weighs nothing at the end
    assert recipe.make_optimizer(steps_per_epoch=79, epochs=1).ema_momentum == pytest.approx(momentum)
    assert recipe.ema_momentum_for(5) == 0.0  # shorter than 10 steps: the average is the weights
    assert ORIGINAL_RECIPE.ema_momentum_for(1000) is None


def test_averaged_weights_swaps_the_averages_in_and_the_raw_weights_back(small_data):
    x_train, y_train, _, _ = small_data
    keras.utils.set_random_seed(3)
    model = build_row_lstm()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    with averaged_weights(model):  # before the first step: nothing to swap, nothing breaks
        pass
    for start in range(0, 150, 50):
        model.train_on_batch(x_train[start : start + 50], y_train[start : start + 50])
    raw = [v.numpy().copy() for v in model.trainable_variables]
    averages = [a.numpy().copy() for a in model.optimizer._model_variables_moving_average]
    assert not all(np.allclose(r, a) for r, a in zip(raw, averages))  # the average lags the raw weights
    with averaged_weights(model) as same_model:
        assert same_model is model
        assert all(np.array_equal(v.numpy(), a) for v, a in zip(model.trainable_variables, averages))
    assert all(np.array_equal(v.numpy(), r) for v, r in zip(model.trainable_variables, raw))
    # an exception inside the block still restores the raw weights
    with pytest.raises(RuntimeError, match="boom"):
        with averaged_weights(model):
            raise RuntimeError("boom")
    assert all(np.array_equal(v.numpy(), r) for v, r in zip(model.trainable_variables, raw))


def test_averaged_weights_is_a_no_op_without_averaging(small_data):
    model = build_row_lstm()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    with averaged_weights(model):
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    uncompiled = build_row_lstm()
    with averaged_weights(uncompiled):
        pass


class _AveragedAccuracyProbe(keras.callbacks.Callback):
    """Evaluates the averaged weights right after the clock's mid-epoch check (runs after it)."""

    def __init__(self, clock, x_val, y_val):
        super().__init__()
        self.clock, self.x_val, self.y_val, self.seen = clock, x_val, y_val, []

    def on_train_batch_end(self, batch, logs=None):
        if len(self.clock.records) > len(self.seen):
            with averaged_weights(self.model):
                predictions = np.argmax(self.model.predict(self.x_val, verbose=0), axis=1)
            self.seen.append(float(np.mean(predictions == self.y_val)))


def test_fit_with_ema_validates_and_keeps_the_averaged_weights(small_data):
    x_train, y_train, x_val, y_val = small_data
    keras.utils.set_random_seed(4)
    model = build_row_lstm()
    clock = ValidationClock(x_val, y_val, checks_per_epoch=2)
    probe = _AveragedAccuracyProbe(clock, x_val, y_val)
    history = fit(
        model, EMA_TINY, x_train, y_train, x_val, y_val, epochs=2, verbose=0, callbacks=[clock, probe]
    )
    assert model.optimizer.use_ema
    # mid-epoch checks measured the averaged weights, not the raw ones
    mid_epoch = [r["val_accuracy"] for r in clock.records if not r["epoch"].is_integer()]
    assert len(mid_epoch) == 2 and mid_epoch == pytest.approx(probe.seen[:1] + probe.seen[2:3])
    # the history's val_* are the averaged weights' too: after fit the model holds the averages,
    # so the last epoch's val_accuracy is exactly what the final model scores
    final = np.mean(np.argmax(model.predict(x_val, verbose=0), axis=1) == y_val)
    assert history.history["val_accuracy"][-1] == pytest.approx(final)
    assert clock.records[-1]["val_accuracy"] == pytest.approx(final)
    assert all(
        np.array_equal(v.numpy(), a.numpy())
        for v, a in zip(model.trainable_variables, model.optimizer._model_variables_moving_average)
    )
    assert len(history.history["val_loss"]) == 2


class _SlowEpochEnd(keras.callbacks.Callback):
    """Stands in for a slow end-of-epoch validation."""

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(0.4)


@pytest.mark.parametrize("recipe", [NO_EMA_TINY, EMA_TINY], ids=["raw", "ema"])
def test_clock_excludes_end_of_epoch_work_from_training_time(small_data, recipe):
    x_train, y_train, x_val, y_val = small_data
    clock = ValidationClock(x_val, y_val, checks_per_epoch=2)
    started = time.perf_counter()
    fit(
        build_row_lstm(),
        recipe,
        x_train,
        y_train,
        x_val,
        y_val,
        epochs=3,
        verbose=0,
        callbacks=[_SlowEpochEnd(), clock],
    )
    wall = time.perf_counter() - started
    # 3 x 0.4 s of sleeping, plus the validations, happened outside the clock
    assert clock.records[-1]["train_seconds"] < wall - 1.2


# -- data augmentation ------------------------------------------------------------------------
def _shifted_numpy(image, down, right):
    """Reference: move ``image`` down/right by whole pixels (negative: up/left), zeros filling in."""
    out = np.zeros_like(image)
    rows, cols = image.shape
    src = image[max(0, -down) : rows - max(0, down), max(0, -right) : cols - max(0, right)]
    out[max(0, down) : max(0, down) + src.shape[0], max(0, right) : max(0, right) + src.shape[1]] = src
    return out


def test_random_shift_moves_each_image_by_its_own_offset_within_the_limit():
    rng = np.random.default_rng(0)
    images = np.zeros((400, 28, 28), "float32")
    images[:, 6:22, 6:22] = rng.uniform(0.1, 1, size=(400, 16, 16))  # ink away from the border
    shifted = random_shift(images, 2, seed=5).numpy()
    assert shifted.shape == images.shape and shifted.dtype == np.float32
    offsets = []
    for image, result in zip(images, shifted):
        matches = [
            (d, r)
            for d in range(-2, 3)
            for r in range(-2, 3)
            if np.array_equal(_shifted_numpy(image, d, r), result)
        ]
        assert len(matches) == 1  # exactly one shift within +-2 pixels explains it
        offsets.append(matches[0])
    assert len(set(offsets)) == 25  # all 5 x 5 offsets occur, each image drawn independently
    np.testing.assert_allclose(shifted.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=1e-6)  # no ink lost
    assert np.array_equal(random_shift(images, 2, seed=5).numpy(), shifted)  # a seed repeats the draw
    assert np.array_equal(random_shift(images, 0).numpy(), images)


@pytest.mark.parametrize(
    "images, max_shift, message",
    [
        (np.zeros((2, 28, 28), "float32"), -1, "max_shift must be a whole number of pixels >= 0, got -1"),
        (np.zeros((2, 28, 28), "float32"), 1.5, "max_shift must be a whole number"),
        (
            np.zeros((28, 28), "float32"),
            2,
            r"expected a batch of images \(n, rows, cols\), got shape \(28, 28\)",
        ),
    ],
)
def test_random_shift_rejects_bad_input_clearly(images, max_shift, message):
    with pytest.raises(ValueError, match=message):
        random_shift(images, max_shift)


def test_random_shift_at_the_border_drops_ink_and_fills_zeros():
    image = np.ones((1, 28, 28), "float32")
    shifted = random_shift(np.repeat(image, 50, axis=0), 1, seed=0).numpy()
    assert set(np.unique(shifted)) <= {0.0, 1.0}
    moved = shifted.sum(axis=(1, 2)) < 28 * 28
    assert moved.any() and (shifted.sum(axis=(1, 2)) >= 27 * 27).all()


def test_training_dataset_batches_shuffles_and_shifts_but_keeps_labels():
    n = 300
    labels = np.arange(n) % 10
    images = np.zeros((n, 28, 28), "float32")
    images[:, 10:18, 10:18] = (labels[:, None, None] + 1) / 10  # the label is readable from the ink
    recipe = dataclasses.replace(TINY, batch_size=64, shift_pixels=3)
    dataset = training_dataset(images, labels, recipe, seed=1)
    assert int(dataset.cardinality()) == math.ceil(n / 64)
    batches = list(dataset.as_numpy_iterator())
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    assert x.shape == (n, 28, 28) and sorted(y.tolist()) == sorted(labels.tolist())
    assert not np.array_equal(y, labels)  # shuffled
    np.testing.assert_allclose(x.max(axis=(1, 2)), (y + 1) / 10, rtol=1e-6)  # each image kept its label
    centred = np.zeros((28, 28), bool)
    centred[10:18, 10:18] = True
    assert np.mean([np.array_equal(image > 0, centred) for image in x]) < 0.2  # most were moved
    unshifted = training_dataset(images, labels, dataclasses.replace(recipe, shift_pixels=0), seed=1)
    x0 = np.concatenate([b[0] for b in unshifted.as_numpy_iterator()])
    assert all(np.array_equal(image > 0, centred) for image in x0)


def test_fit_with_shifts_trains_and_validates_on_unshifted_images(small_data):
    x_train, y_train, x_val, y_val = small_data
    keras.utils.set_random_seed(5)
    model = build_row_lstm()
    recipe = dataclasses.replace(TINY, shift_pixels=2, ema_momentum=None)
    clock = ValidationClock(x_val, y_val, checks_per_epoch=2)
    history = fit(model, recipe, x_train, y_train, x_val, y_val, epochs=2, verbose=0, callbacks=[clock])
    assert [r["epoch"] for r in clock.records] == [0.5, 1.0, 1.5, 2.0]
    final = np.mean(np.argmax(model.predict(x_val, verbose=0), axis=1) == y_val)
    assert history.history["val_accuracy"][-1] == pytest.approx(final)
