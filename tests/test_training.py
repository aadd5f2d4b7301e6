"""Notebook 03's training code (utils.lstm_classifier.taught and .helpers): the two recipes of notebook 03 (fit_original, fit_recommended), the random shifts, and
the command that makes the shipped weights. (The benchmark's clock is tested in tests/test_benchmarks.py.)"""

import dataclasses

import numpy as np
import pytest

import utils

utils.silence_tensorflow()

import keras

from tools import make_weights
from tools.make_weights import main
from utils.lstm_classifier.helpers import save_weights_atomically, train
from utils.lstm_classifier.taught import (
    RECOMMENDED_BATCH_SIZE,
    SHIFT_PIXELS,
    build_row_lstm,
    random_shift,
)
from utils.rows_as_a_sequence.taught import make_dataset


def accuracy_of(model, x, y):
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))


def test_recommended_warms_up_decays_to_zero_validates_and_keeps_the_averaged_weights(
    small_data, recommended_runs
):
    _, _, x_val, y_val = small_data
    run = recommended_runs.bare  # fit_recommended, batches of 20: 15 steps per epoch, 3 epochs, 45 steps
    config = run.model.optimizer.get_config()
    schedule = keras.optimizers.schedules.deserialize(config["learning_rate"])
    rate = [float(schedule(step)) for step in range(46)]
    assert rate[0] == pytest.approx(0.05 * 4e-3)  # starts at 5 % of the peak
    assert rate[8] == pytest.approx(4e-3)  # the peak after half an epoch (8 of 15 steps, rounded up)
    assert all(a < b for a, b in zip(rate[:8], rate[1:9]))  # rising linearly before it
    assert all(a > b for a, b in zip(rate[8:45], rate[9:46]))  # falling after it
    assert rate[45] == pytest.approx(0.0, abs=1e-9)  # zero at the end of the last epoch
    assert config["clipnorm"] == 1.0 and config["use_ema"]
    # 45 steps: the average spans at most a tenth of the run, not 100 steps (momentum 0.99)
    assert config["ema_momentum"] == pytest.approx(1 - 10 / 45)
    # fit ends with the averaged weights in the model; the last val_accuracy was measured on them
    # (through keras.callbacks.SwapEMAWeights), so it is exactly what the final model scores
    history = run.history.history
    assert history["val_accuracy"][-1] == pytest.approx(accuracy_of(run.model, x_val, y_val))
    assert history["val_accuracy"][-1] > 0.5  # and it learned the bright-row signal


def test_train_runs_the_original_recipe(original_run):
    # train(model, "original", ..., epochs=3): the original tutorial's recipe: plain Adam 1e-3, batches of 128,
    # no clipping, no average
    history = original_run.history
    assert set(history.history) >= {"accuracy", "val_accuracy", "loss", "val_loss"}
    assert len(history.history["loss"]) == 3
    optimizer = original_run.model.optimizer
    assert isinstance(optimizer, keras.optimizers.Adam) and not optimizer.use_ema
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    assert int(optimizer.iterations.numpy()) == 3 * 3  # batches of 128: 300 images are 3 steps per epoch
    assert optimizer.clipnorm is None


def test_train_runs_the_recommended_recipe_without_shifts_or_average_and_rejects_others(small_data):
    """The recommended recipe through ``train()`` with all its ingredients is trained by the command's test
    (test_cli_trains_...); here the benchmark's ablation of it, which leaves out the shifts and the average."""
    x_train, y_train, x_val, y_val = small_data
    model = build_row_lstm()
    history = train(
        model,
        "recommended",
        x_train,
        y_train,
        (x_val, y_val),
        epochs=1,
        shifts=False,
        averaging=False,
        verbose=0,
    )
    assert len(history.history["val_accuracy"]) == 1
    assert not model.optimizer.use_ema  # the benchmark's ablation: no average of the weights
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy_of(model, x_val, y_val))
    with pytest.raises(
        ValueError, match=r"unknown recipe 'fastest'; choose one of \('original', 'recommended'\)"
    ):
        train(build_row_lstm(), "fastest", x_train, y_train, (x_val, y_val))
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        train(build_row_lstm(), "original", x_train, y_train, (x_val, y_val), epochs=0)
    assert RECOMMENDED_BATCH_SIZE == 256 and SHIFT_PIXELS == 2


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


def test_saved_weights_leave_out_the_optimizer_state(tmp_path, original_run):
    import h5py

    model = original_run.model  # compiled and trained: its optimizer has state (Adam's moments, 9 steps)
    assert int(model.optimizer.iterations.numpy()) > 0 and len(model.optimizer.variables) > 2
    path = save_weights_atomically(model, tmp_path / "m.weights.h5")
    with h5py.File(path) as saved:
        assert "optimizer" not in saved
    reloaded = build_row_lstm()
    reloaded.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), reloaded.get_weights()))


@pytest.fixture
def fewer_images_to_score(monkeypatch):
    """The command's MNIST, loaded as the command loads it, then cut to 500 validation and 1,000 test images:
    the command's checks below do not depend on how many it scores, and scoring all 15,000 costs seconds."""
    load_mnist = make_weights.load_mnist

    def load_and_cut(*args, **kwargs):
        mnist = load_mnist(*args, **kwargs)
        return dataclasses.replace(
            mnist,
            x_val=mnist.x_val[:500],
            y_val=mnist.y_val[:500],
            x_test=mnist.x_test[:1000],
            y_test=mnist.y_test[:1000],
        )

    monkeypatch.setattr(make_weights, "load_mnist", load_and_cut)


def test_cli_trains_the_recommended_recipe_on_a_subset_shows_progress_and_writes_loadable_weights(
    tmp_path, capsys, monkeypatch, fewer_images_to_score
):
    trained = []  # what main handed to train(), and what train() returned

    def train_and_record(model, recipe, *args, **kwargs):
        history = train(model, recipe, *args, **kwargs)
        trained.append((model, recipe, history))
        return history

    monkeypatch.setattr(make_weights, "train", train_and_record)
    out = tmp_path / "row_lstm.weights.h5"
    assert main(["--recipe", "recommended", "--out", str(out), "--quick", "--subset", "300"]) == 0
    printed = capsys.readouterr().out
    assert "training on 300 images" in printed and "Test accuracy:" in printed
    assert "step - accuracy:" in printed and "val_accuracy:" in printed  # a line per epoch while it trains
    assert [p.name for p in tmp_path.iterdir()] == ["row_lstm.weights.h5"]
    accuracy = float(printed.split("Test accuracy:")[1].split()[0])
    assert 0.0 <= accuracy <= 1.0
    # train(model, "recommended", ...) with all its ingredients: one epoch (--quick), the average of the weights
    ((model, recipe, history),) = trained
    assert recipe == "recommended" and len(history.history["val_accuracy"]) == 1
    assert model.optimizer.use_ema
    loaded = build_row_lstm()
    loaded.load_weights(out)  # loads into the utils-built model: the weights it trained
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), loaded.get_weights()))


def test_cli_refuses_weights_below_the_minimum_accuracy(tmp_path, capsys, monkeypatch, fewer_images_to_score):
    """The training itself is the test above's; here it is left out (a fit costs seconds of tracing), so the
    untrained model's accuracy on real test images (about 10 %) is what the command must refuse."""
    calls = []
    monkeypatch.setattr(
        make_weights,
        "train",
        lambda model, recipe, x, y, *args, **kwargs: calls.append((recipe, len(x), kwargs["epochs"])),
    )
    out = tmp_path / "m.weights.h5"
    assert main(["--out", str(out), "--quick", "--subset", "100", "--min-test-accuracy", "0.999"]) == 1
    assert calls == [("recommended", 100, 1)]  # the default recipe, on the subset, one epoch (--quick)
    assert "not writing" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--recipe", "fastest"], "--recipe must be one of ('original', 'recommended'), got 'fastest'"),
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


# -- random shifts ------------------------------------------------------------------------------
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
        (np.zeros((28, 28), "float32"), 2, r"expected images \(n, rows, cols\), got shape \(28, 28\)"),
    ],
)
def test_random_shift_rejects_bad_input_clearly(images, max_shift, message):
    with pytest.raises(ValueError, match=message):
        random_shift(images, max_shift)


def test_random_shift_at_the_border_drops_ink_and_fills_zeros():
    image = np.zeros((1, 28, 28), "float32")
    image[0, 0, :] = 1.0  # a full top row
    results = {tuple(random_shift(image, 1, seed=s).numpy()[0, :2, 0]) for s in range(40)}
    assert results == {(1.0, 0.0), (0.0, 1.0), (0.0, 0.0)}  # kept, moved down, or pushed out


def test_shift_pipeline_keeps_labels_and_moves_each_image_anew_every_epoch():
    # image k is a square of brightness (k + 1) / 100: its position tells its shift, its value who it is
    images = np.zeros((60, 28, 28), "float32")
    for k in range(60):
        images[k, 10:18, 10:18] = (k + 1) / 100
    labels = np.arange(60) % 10
    keras.utils.set_random_seed(0)
    dataset = make_dataset(images, labels, batch_size=16, augment=lambda x: random_shift(x, SHIFT_PIXELS))

    def offsets_in_one_epoch():
        offsets = {}
        for x, y in dataset:
            for image, label in zip(x.numpy(), y.numpy()):
                k = round(image.max() * 100) - 1
                assert label == labels[k]  # labels travel with their images
                rows, cols = np.nonzero(image)
                offsets[k] = (rows.min() - 10, cols.min() - 10)
        assert len(offsets) == 60 and all(max(map(abs, o)) <= SHIFT_PIXELS for o in offsets.values())
        return offsets

    first, second = offsets_in_one_epoch(), offsets_in_one_epoch()
    changed = sum(first[k] != second[k] for k in range(60))
    assert changed >= 45  # 24 of the 25 offsets differ from the last one: about 58 of 60 images move
