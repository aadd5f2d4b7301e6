"""utils/run_time.py, the speed probe of the training notebooks: its arithmetic, its printout, its refusal of
bad input, and, on the committed full runs, that each estimate came within the tolerance of the time measured."""

import re

import nbformat
import pytest

import utils
from utils import run_time
from utils.run_time import Part, Speed

TRAINING_NOTEBOOKS = ["03_lstm_classifier.ipynb", "05_why_an_lstm.ipynb"]
VERDICT = re.compile(
    r"This run took (?:(\d+) min )?(\d+) s after the speed probe; it estimated (?:(\d+) min )?(\d+) s"
)


def seconds(minutes, rest):
    return int(minutes or 0) * 60 + int(rest)


def test_estimate_is_steps_and_graphs_times_their_measured_times():
    parts = [Part("training", 1000, 2, "EPOCHS", "epoch", 500), Part("the rest", 250, 1)]
    assert run_time.estimate(parts, Speed(step=0.04, graph=2.0)) == pytest.approx(50.0 + 6.0)


@pytest.mark.parametrize("step, graph", [(0, 1.0), (-0.1, 1.0), (float("nan"), 1.0), (None, 1.0), (0.1, -1)])
def test_a_speed_that_is_not_a_time_is_refused_by_name(step, graph):
    with pytest.raises(ValueError, match=r"speed\.(step|graph) must be"):
        run_time.estimate([Part("x", 1)], Speed(step=step, graph=graph))


def test_report_names_each_part_its_time_and_how_to_shorten_it():
    parts = [Part("original recipe, 5 epochs", 2150, 2, "EPOCHS", "epoch", 430), Part("the rest", 500)]
    text = run_time.report(parts, Speed(step=0.04, graph=2.0))
    assert "takes 40 ms here; building a model's training graph 2.0 s" in text
    assert "about 1 min 50 s (between 1 min 17 s and 2 min 23 s)" in text
    assert re.search(r"original recipe, 5 epochs +1 min 30 s   EPOCHS: 17 s per epoch", text)
    assert re.search(r"the rest +20 s$", text)


def test_the_clock_reports_the_time_against_the_estimate(monkeypatch):
    now = iter([100.0, 190.0])
    monkeypatch.setattr(run_time.time, "perf_counter", lambda: next(now))
    clock = run_time.RunClock(estimated_seconds=100.0)
    assert (
        clock.summary() == "This run took 1 min 30 s after the speed probe; it estimated 1 min 40 s (-10%)."
    )


def test_the_probe_measures_a_real_step_and_graph():
    speed = run_time.measure()
    assert 1e-4 < speed.step < 5.0 and 0.0 < speed.graph < 60.0


@pytest.mark.parametrize("name", TRAINING_NOTEBOOKS)
def test_committed_full_run_came_within_the_tolerance_of_its_estimate(name):
    """The committed outputs are a full run's: the probe printed its estimate in Setup, the last cell the time
    the run took. They must agree within run_time.TOLERANCE."""
    nb = nbformat.read(utils.REPO_ROOT / "notebooks" / name, as_version=4)
    text = "\n".join(
        output.get("text", "") for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "Speed probe:" in text, f"{name}: no speed probe output; run the notebook in full and commit it"
    verdict = VERDICT.search(text)
    assert verdict, f"{name}: its last cell printed no 'This run took ...' line"
    took, estimated = seconds(*verdict.group(1, 2)), seconds(*verdict.group(3, 4))
    assert abs(took / estimated - 1) <= run_time.TOLERANCE, (
        f"{name}: the run took {took} s, the probe estimated {estimated} s"
    )


def _parts_03(**changes):
    from utils.lstm_classifier.budget import run_time_parts

    values = {"EPOCHS": 5, "BETTER_EPOCHS": 2, "TRAIN_IMAGES": 55_000, "TRUNCATION_IMAGES": 10_000, **changes}
    return {part.parameter: part for part in run_time_parts(**values)}


def _parts_05(**changes):
    from utils.why_an_lstm.budget import STEP_COST, run_time_parts

    values = {
        "MODELS": list(STEP_COST),
        "TRAIN_IMAGES": 6_000,
        "EPOCHS": 3,
        "ORDER_RUNS": 3,
        "MEMORY_MODELS": ["SimpleRNN", "GRU", "LSTM", "LSTM"],
        "MEMORY_IMAGES": 3_000,
        "MEMORY_EPOCHS": 3,
        "BLANK_ROWS": [0, 28, 56],
        **changes,
    }
    return {part.parameter: part for part in run_time_parts(**values)}


def test_each_part_grows_with_the_parameter_that_sets_it():
    base, more = _parts_03(), _parts_03(EPOCHS=10, BETTER_EPOCHS=4, TRUNCATION_IMAGES=20_000)
    for name in ("ORIGINAL_EPOCHS", "RECOMMENDED_EPOCHS", "TRUNCATION_TEST_IMAGES"):
        assert more[name].steps == pytest.approx(2 * base[name].steps), name
        assert more[name].steps_per_unit == pytest.approx(base[name].steps_per_unit), name
    half = _parts_03(TRAIN_IMAGES=27_500)["ORIGINAL_EPOCHS"].steps
    assert half == pytest.approx(base["ORIGINAL_EPOCHS"].steps / 2, rel=0.01)

    base, more = _parts_05(), _parts_05(EPOCHS=6, MEMORY_EPOCHS=6)
    for name in ("CLASS_EPOCHS", "MEMORY_TRAIN_EPOCHS"):  # 3 more epochs each; the same graphs to build
        assert more[name].steps - base[name].steps == pytest.approx(3 * base[name].steps_per_unit), name
    longer = _parts_05(BLANK_ROWS=[0, 28, 112])["MEMORY_TRAIN_EPOCHS"]
    assert longer.steps > base["MEMORY_TRAIN_EPOCHS"].steps  # longer sequences cost more


@pytest.mark.parametrize("name", TRAINING_NOTEBOOKS)
def test_the_parameters_the_probe_names_are_the_notebooks(name):
    """Every parameter the probe tells the teacher to change is set in the notebook's Setup."""
    parts = _parts_03() if name.startswith("03") else _parts_05()
    nb = nbformat.read(utils.REPO_ROOT / "notebooks" / name, as_version=4)
    setup = "\n".join(cell.source for cell in nb.cells[:8] if cell.cell_type == "code")
    for parameter in filter(None, parts):
        assert re.search(rf"^{parameter} = ", setup, re.MULTILINE), (
            f"{name}: no `{parameter} = ` in its Setup"
        )
