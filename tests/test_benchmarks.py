"""benchmarks/train_speed.py: its verdict and ratios, and a --quick run end to end.

The benchmark itself measures speed; these tests only check that it computes and reports correctly. The module
comes from the ``train_speed`` fixture (tests/conftest.py), which loads the script once for the fits it shares.
"""

import json

import numpy as np
import pytest

import utils

utils.silence_tensorflow()

import keras


@pytest.fixture
def fake(train_speed):
    def make(name, seed, to_985, test=0.99, images_per_second=1000.0):
        """A result dict as run() returns it, with only what the report reads."""
        return {
            "recipe": {"name": name, **train_speed.RECIPES[name]},
            "seed": seed,
            "reach": {0.973: (10.0, 1.0), 0.985: (to_985, None if to_985 is None else 2.0)},
            "test_accuracy": test,
            "samples_per_second": images_per_second,
        }

    return make


def test_median_ratio_and_verdict_over_seeds(train_speed, fake):
    pairs = [
        (fake("original", 1, 100.0), fake("recommended", 1, 40.0)),
        (fake("original", 2, 100.0), fake("recommended", 2, 70.0)),
        (fake("original", 3, 100.0), fake("recommended", 3, 45.0, test=0.988)),
    ]
    assert train_speed.median_ratio(pairs) == pytest.approx(0.45)
    text = train_speed.verdict(pairs)
    assert "median over 3 seeds: 0.45x): met" in text
    assert "test accuracy >= 0.99): NOT met for 2 of 3 seeds" in text


def test_a_recipe_that_never_gets_there_counts_against_it(train_speed, fake):
    never = [(fake("original", 1, 100.0), fake("recommended", 1, None))]
    assert train_speed.median_ratio(never) == float("inf")
    assert "NOT met" in train_speed.verdict(never)
    original_never = [(fake("original", 1, None), fake("recommended", 1, 30.0))]
    assert train_speed.median_ratio(original_never) == 0.0
    line = train_speed.ratio_line(*original_never[0])
    assert "time to 98.5% val n/a (not reached)" in line and "seed 1" in line


def test_single_seed_report(train_speed, fake):
    pair = (fake("original", 42, 80.0, test=0.985), fake("recommended", 42, 36.0, images_per_second=1200.0))
    assert train_speed.verdict([pair]) == (
        "Target (98.5 % val in <= 0.5x the original's time): met; target (test accuracy >= 0.99): met."
    )
    line = train_speed.ratio_line(*pair)
    assert "time to 98.5% val 0.45x" in line and "images/s 1.20x" in line and "0.9900 vs 0.9850" in line


def test_quick_run_end_to_end(train_speed, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(train_speed.tempfile, "gettempdir", lambda: str(tmp_path))  # quick mode writes there
    assert train_speed.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "Data: 1000 training, 500 validation, 1000 test images (quick mode)" in out  # a small subset
    written = {p.name for p in tmp_path.iterdir()}  # (TensorFlow's autograph also uses the temp dir)
    assert {"train_speed_quick.json", "train_speed_quick.png"} <= written
    assert not any(name.startswith(".train_speed") for name in written)  # no temp file left behind
    saved = json.loads((tmp_path / "train_speed_quick.json").read_text())
    assert [(run["recipe"]["name"], run["seed"]) for run in saved["runs"]] == [
        ("original", 42),
        ("recommended", 42),
    ]
    assert all(run["records"] and 0 <= run["test_accuracy"] <= 1 for run in saved["runs"])
    assert "| original    | 42 " in out and "| recommended | 42 " in out
    assert "Ratios recommended/original, seed 42:" in out and "Target (98.5 % val" in out
    assert "step - accuracy:" in out and "val accuracy by epoch" in out  # progress while it trains
    assert str(utils.REPO_ROOT) not in out  # paths are shown relative to the repository


def test_measurements_round_trip_and_a_bad_file_is_named(train_speed, fake, tmp_path):
    result = fake("recommended", 7, 33.0, test=0.9923)
    result.update(
        train_seconds=167.0,
        validation_seconds=16.0,
        median_epoch_seconds=12.3,
        best_val=0.9936,
        final_val=0.9928,
        records=[{"epoch": 0.5, "train_seconds": 8.0, "val_accuracy": 0.8}],
    )
    path = train_speed.save_measurements([result], tmp_path / "m.json")
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    (loaded,) = train_speed.load_measurements(path)
    assert loaded["recipe"] == {"name": "recommended", **train_speed.RECIPES["recommended"]}
    assert loaded["reach"] == result["reach"] and loaded["records"] == result["records"]
    assert loaded["test_accuracy"] == 0.9923
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SystemExit, match=r"Cannot replot from .*bad\.json.*Run the benchmark first"):
        train_speed.load_measurements(tmp_path / "bad.json")


# -- the clock ------------------------------------------------------------------------------------
def test_clock_checks_every_half_epoch_ends_on_keras_validation_and_leaves_epoch_ends_off(original_run):
    # the original recipe, 3 epochs, a 0.4 s sleep at each epoch end (a stand-in for a slow validation);
    # batch 128: 3 steps per epoch, each reported, so the half-way check comes after step 2
    clock, history = original_run.clock, original_run.history
    assert [round(r["epoch"], 3) for r in clock.records] == [0.667, 1.0, 1.667, 2.0, 2.667, 3.0]
    seconds = [r["train_seconds"] for r in clock.records]
    assert all(0 < a <= b for a, b in zip(seconds, seconds[1:]))
    assert [clock.records[i]["val_accuracy"] for i in (1, 3, 5)] == pytest.approx(
        history.history["val_accuracy"]
    )
    best = max(r["val_accuracy"] for r in clock.records)
    assert clock.time_to_reach(best) is not None and clock.time_to_reach(1.01) is None
    assert clock.epochs_to_reach(0.0) == pytest.approx(2 / 3)
    # the 3 x 0.4 s of sleeping at the epoch ends happened off the clock
    assert clock.records[-1]["train_seconds"] < original_run.wall - 1.2


def test_clock_on_the_recommended_recipe_validates_the_averaged_weights_and_disturbs_nothing(
    small_data, recommended_runs
):
    # 15 steps per epoch, Keras reports every 8th: the half-way check (7.5 steps) comes after step 8
    _, _, x_val, y_val = small_data
    clock, history, model = (
        recommended_runs.clocked.clock,
        recommended_runs.clocked.history,
        recommended_runs.clocked.model,
    )
    assert [round(r["epoch"], 3) for r in clock.records] == [0.533, 1.0, 1.533, 2.0, 2.533, 3.0]
    assert [clock.records[i]["val_accuracy"] for i in (1, 3, 5)] == pytest.approx(
        history.history["val_accuracy"]
    )
    final = np.mean(
        np.argmax(model.predict(x_val, verbose=0), axis=1) == y_val
    )  # the model holds the average
    assert clock.records[-1]["val_accuracy"] == pytest.approx(final)
    # the same run without the clock (same seed) ends on the same weights: each mid-epoch check swaps the averaged
    # weights in and back out (by addition, so to float rounding)
    bare = recommended_runs.bare.model.get_weights()
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(bare, model.get_weights()))


def test_clock_needs_validation_data_and_a_sane_check_count(small_data, train_speed):
    x_train, y_train, x_val, y_val = small_data
    with pytest.raises(ValueError, match="checks_per_epoch must be a positive int, got 0"):
        train_speed.ValidationClock(x_val, y_val, checks_per_epoch=0)
    # any compiled model shows it: a small one traces in a fraction of the row-LSTM's time
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    with pytest.raises(RuntimeError, match="fit must be given validation_data"):
        model.fit(
            x_train, y_train, epochs=1, verbose=0, callbacks=[train_speed.ValidationClock(x_val, y_val)]
        )
