"""Unit tests of utils.why_an_lstm.figures, the figures of notebook 05 (small arrays, no training)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.why_an_lstm import figures


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_accuracy_vs_time_starts_every_line_at_chance_and_draws_the_target():
    fig = figures.plot_accuracy_vs_time(
        {"LSTM": ([2.0, 4.0, 6.0], [0.9, 0.95, 0.97]), "MLP": ([1.0, 2.0], [0.8, 0.9])}, "title", target=0.98
    )
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    x, y = lines["LSTM"].get_data()
    assert list(x) == [0.0, 2.0, 4.0, 6.0] and np.allclose(y, [10, 90, 95, 97])
    assert list(lines["98 %"].get_ydata()) == [98, 98]
    assert ax.get_title() == "title" and "%" in ax.get_ylabel() and "(s" in ax.get_xlabel()


def test_curves_are_checked():
    with pytest.raises(ValueError, match="at least one curve"):
        figures.plot_accuracy_vs_time({}, "t")
    with pytest.raises(ValueError, match="curve 'LSTM' needs two 1-D sequences of the same non-zero length"):
        figures.plot_accuracy_vs_time({"LSTM": ([1.0, 2.0], [0.5])}, "t")


def test_gradient_norms_numbers_rows_from_one_on_a_log_scale():
    norms = {"SimpleRNN, at initialisation": np.geomspace(1e-4, 1, 28), "SimpleRNN, trained": np.ones(28)}
    fig = figures.plot_gradient_norms(norms, "gradients")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    init, trained = ax.get_lines()
    assert init.get_xdata()[0] == 1 and init.get_xdata()[-1] == 28
    assert init.get_linestyle() == "--" and trained.get_linestyle() == "-"
    assert "row" in ax.get_xlabel()


def test_accuracy_vs_blank_rows_one_point_per_k():
    fig = figures.plot_accuracy_vs_blank_rows([0, 28, 56], {"LSTM": [0.9, 0.5, 0.1]}, "memory")
    ax = fig.axes[0]
    lstm = [line for line in ax.get_lines() if line.get_label() == "LSTM"][0]
    assert list(lstm.get_xdata()) == [0, 28, 56] and np.allclose(lstm.get_ydata(), [90, 50, 10])
    assert list(ax.get_xticks()) == [0, 28, 56]
    with pytest.raises(ValueError, match="curve 'LSTM'"):
        figures.plot_accuracy_vs_blank_rows([0, 28], {"LSTM": [0.9, 0.5, 0.1]}, "memory")


def test_memory_through_blanks_two_panels_and_checks_the_digit_rows():
    forget = {"LSTM": np.full(40, 0.7)}
    kept = {"LSTM": np.r_[np.full(27, np.nan), 1.0, 0.7 ** np.arange(1, 13)]}
    fig = figures.plot_memory_through_blanks(forget, kept, 28, "inside")
    ax_forget, ax_kept = fig.axes
    assert ax_kept.get_yscale() == "log" and ax_forget.get_ylim() == (0, 1)
    assert fig.get_suptitle() == "inside"
    with pytest.raises(ValueError, match="digit_rows must be between 1 and 39"):
        figures.plot_memory_through_blanks(forget, kept, 40, "inside")
