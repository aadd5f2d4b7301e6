"""benchmarks/train_speed.py: its verdict and ratios, and a --quick run end to end.

The benchmark itself measures speed; these tests only check that it computes and reports correctly.
"""

import importlib.util
import json

import pytest

import utils

SPEC = importlib.util.spec_from_file_location(
    "train_speed", utils.REPO_ROOT / "benchmarks" / "train_speed.py"
)
train_speed = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(train_speed)


def fake(name, seed, to_985, test=0.99, images_per_second=1000.0):
    """A result dict as run() returns it, with only what the report reads."""
    return {
        "recipe": train_speed.RECOMMENDED_RECIPE if name == "recommended" else train_speed.ORIGINAL_RECIPE,
        "seed": seed,
        "reach": {0.973: (10.0, 1.0), 0.985: (to_985, None if to_985 is None else 2.0)},
        "test_accuracy": test,
        "samples_per_second": images_per_second,
    }


def test_median_ratio_and_verdict_over_seeds():
    pairs = [
        (fake("original", 1, 100.0), fake("recommended", 1, 40.0)),
        (fake("original", 2, 100.0), fake("recommended", 2, 70.0)),
        (fake("original", 3, 100.0), fake("recommended", 3, 45.0, test=0.988)),
    ]
    assert train_speed.median_ratio(pairs) == pytest.approx(0.45)
    text = train_speed.verdict(pairs)
    assert "median over 3 seeds: 0.45x): met" in text
    assert "test accuracy >= 0.99): NOT met for 2 of 3 seeds" in text


def test_a_recipe_that_never_gets_there_counts_against_it():
    never = [(fake("original", 1, 100.0), fake("recommended", 1, None))]
    assert train_speed.median_ratio(never) == float("inf")
    assert "NOT met" in train_speed.verdict(never)
    original_never = [(fake("original", 1, None), fake("recommended", 1, 30.0))]
    assert train_speed.median_ratio(original_never) == 0.0
    line = train_speed.ratio_line(*original_never[0])
    assert "time to 98.5% val n/a (not reached)" in line and "seed 1" in line


def test_single_seed_report():
    pair = (fake("original", 42, 80.0, test=0.985), fake("recommended", 42, 36.0, images_per_second=1200.0))
    assert train_speed.verdict([pair]) == (
        "Target (98.5 % val in <= 0.5x the original's time): met; target (test accuracy >= 0.99): met."
    )
    line = train_speed.ratio_line(*pair)
    assert "time to 98.5% val 0.45x" in line and "images/s 1.20x" in line and "0.9900 vs 0.9850" in line


def test_quick_run_end_to_end(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(train_speed.tempfile, "gettempdir", lambda: str(tmp_path))  # quick mode writes there
    assert train_speed.main(["--quick"]) == 0
    out = capsys.readouterr().out
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
    assert "/work/" not in out


def test_measurements_round_trip_and_a_bad_file_is_named(tmp_path):
    result = fake("recommended", 7, 33.0, test=0.9923)
    result.update(
        train_seconds=167.0,
        validation_seconds=16.0,
        median_epoch_seconds=12.3,
        best_val=0.9936,
        final_val=0.9928,
        records=[{"epoch": 0.5, "samples": 27500, "train_seconds": 8.0, "val_accuracy": 0.8}],
    )
    path = train_speed.save_measurements([result], tmp_path / "m.json")
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    (loaded,) = train_speed.load_measurements(path)
    assert loaded["recipe"] == train_speed.RECOMMENDED_RECIPE
    assert loaded["reach"] == result["reach"] and loaded["records"] == result["records"]
    assert loaded["test_accuracy"] == 0.9923
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SystemExit, match=r"Cannot replot from .*bad\.json.*Run the benchmark first"):
        train_speed.load_measurements(tmp_path / "bad.json")
