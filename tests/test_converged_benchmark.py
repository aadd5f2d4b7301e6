"""benchmarks/why_an_lstm_converged.py: it trains notebook 05's models until they stop improving and writes what
it measured; its committed results are complete; a damaged results file is refused by name."""

import json

import pytest


def test_a_quick_run_writes_every_measurement(converged, tmp_path):
    out = tmp_path / "results.json"
    assert (
        converged.main(["--quick", "--models", "MLP", "bag of rows", "--patience", "1", "--out", str(out)])
        == 0
    )
    saved = converged.load(out)
    assert list(saved["models"]) == ["MLP", "bag of rows"]
    assert saved["settings"]["train_images"] == 1_024 and saved["settings"]["max_epochs"] == 2
    for result in saved["models"].values():
        epochs = result["epochs_trained"]
        assert 1 <= result["best_epoch"] <= epochs <= 2
        assert len(result["val_accuracy"]) == len(result["train_seconds"]) == epochs
        assert result["best_val_accuracy"] == max(result["val_accuracy"])
        assert 0.1 < result["test_accuracy"] <= 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temp file left behind


def test_the_committed_results_cover_every_model_on_the_full_training_set(converged):
    saved = converged.load()
    assert list(saved["models"]) == list(converged.CONTENDERS)
    assert saved["settings"]["train_images"] == 55_000 and saved["settings"]["seed"] == converged.SEED
    for name, result in saved["models"].items():
        assert result["best_val_accuracy"] == max(result["val_accuracy"]), name
        assert 0.5 < result["test_accuracy"] < 1.0, name


@pytest.mark.parametrize("text", ["", "{not json", '{"models": {"MLP": {}}}'])
def test_a_damaged_results_file_is_refused_by_name(converged, tmp_path, text):
    path = tmp_path / "damaged.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"damaged\.json is missing or damaged.*why_an_lstm_converged\.py"):
        converged.load(path)


def test_bad_limits_are_refused(converged, capsys):
    with pytest.raises(SystemExit):
        converged.main(["--max-epochs", "0"])
    assert "--max-epochs and --patience must be at least 1" in capsys.readouterr().err


def test_results_are_json_numbers_not_numpy(converged):
    json.dumps(converged.load())  # what the notebook reads back must be plain JSON
