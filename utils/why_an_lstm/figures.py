"""Figures of notebook 05 (why an LSTM?): accuracy against training time, gradient norms per row,
accuracy against the number of blank rows, and the LSTM's memory through the blank rows.

Every function takes plain numbers or numpy arrays (the notebook computes them), checks their shapes,
draws one figure with a title and labelled axes, and returns it. Rows and time steps are numbered from 1.
"""

import matplotlib.pyplot as plt
import numpy as np


def _curves(curves, func):
    """Check ``{label: (x values, y values)}`` and return it as ``{label: (x array, y array)}``."""
    if not curves:
        raise ValueError(f"{func}: expected at least one curve, got none")
    checked = {}
    for label, (x, y) in curves.items():
        x, y = np.asarray(x, float), np.asarray(y, float)
        if x.ndim != 1 or x.shape != y.shape or len(x) == 0:
            raise ValueError(
                f"{func}: curve {label!r} needs two 1-D sequences of the same non-zero length, "
                f"got shapes {x.shape} and {y.shape}"
            )
        checked[label] = (x, y)
    return checked


def plot_accuracy_vs_time(curves, title, target=None, xlabel="training time (s, validation excluded)"):
    """Validation accuracy (in %) against cumulative training time, one line per model.

    ``curves``: ``{label: (seconds, accuracies)}`` with accuracies as fractions in [0, 1], one point per
    evaluation (e.g. per epoch). Every line starts at (0, chance = 10 %). ``target`` (a fraction) draws a
    dashed horizontal line, e.g. 0.98.
    """
    curves = _curves(curves, "plot_accuracy_vs_time")
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for label, (seconds, accuracy) in curves.items():
        ax.plot(np.r_[0.0, seconds], 100 * np.r_[0.1, accuracy], ".-", label=label)
    if target is not None:
        ax.axhline(100 * target, color="black", lw=0.8, ls="--", label=f"{100 * target:g} %")
    ax.set(xlabel=xlabel, ylabel="validation accuracy (%)", title=title, xlim=(0, None))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_gradient_norms(norms, title):
    """||dL/dx_t|| against the row t (from 1), on a log scale, one line per ``{label: (steps,) array}``.

    Labels containing "init" are drawn dashed, so "at initialisation" and "trained" pairs stand apart.
    """
    curves = _curves(
        {label: (np.arange(1, np.size(v) + 1), v) for label, v in norms.items()}, "plot_gradient_norms"
    )
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for label, (rows, norm) in curves.items():
        ax.plot(rows, norm, ".--" if "init" in label else ".-", label=label)
    ax.set_yscale("log")
    ax.set(
        xlabel="input row t (1 = top)",
        ylabel="mean ||dL/dx_t|| (log scale)",
        title=title,
        xlim=(0.5, max(len(r) for r, _ in curves.values()) + 0.5),
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_accuracy_vs_blank_rows(blank_rows, accuracies, title):
    """Test accuracy (in %) against K, the number of blank rows after the digit, one line per model.

    ``accuracies``: ``{label: sequence of fractions, one per value of blank_rows}``. Chance (10 %) is a
    dotted line.
    """
    blank_rows = np.asarray(blank_rows)
    curves = _curves(
        {label: (blank_rows, acc) for label, acc in accuracies.items()}, "plot_accuracy_vs_blank_rows"
    )
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for label, (k, accuracy) in curves.items():
        ax.plot(k, 100 * accuracy, "o-", label=label)
    ax.axhline(10, color="grey", lw=1, ls=":", label="chance (10 %)")
    ax.set_xticks(blank_rows)
    ax.set(
        xlabel="K, blank rows after the digit (sequence length 28 + K)",
        ylabel="test accuracy (%)",
        title=title,
        ylim=(0, 100),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_memory_through_blanks(forget_gates, kept, digit_rows, title):
    """Two panels against the time step t (from 1): the mean forget gate, and the share of the cell state
    of step ``digit_rows`` still kept at step t (the product of the forget gates since then, log scale).

    ``forget_gates`` and ``kept``: ``{label: (steps,) array}``. The blank rows (after ``digit_rows``) are
    shaded.
    """
    forget = _curves({k: (np.arange(1, np.size(v) + 1), v) for k, v in forget_gates.items()}, "plot_memory")
    kept = _curves({k: (np.arange(1, np.size(v) + 1), v) for k, v in kept.items()}, "plot_memory")
    steps = max(len(x) for x, _ in [*forget.values(), *kept.values()])
    if not 0 < digit_rows < steps:
        raise ValueError(
            f"plot_memory_through_blanks: digit_rows must be between 1 and {steps - 1}, got {digit_rows}"
        )
    fig, (ax_f, ax_k) = plt.subplots(1, 2, figsize=(11, 4))
    for ax in (ax_f, ax_k):
        ax.axvspan(digit_rows + 0.5, steps + 0.5, color="0.9", label="blank rows")
    for label, (t, f) in forget.items():
        ax_f.plot(t, f, ".-", ms=3, label=label)
    for label, (t, share) in kept.items():
        ax_k.plot(t, share, ".-", ms=3, label=label)
    ax_f.set(xlabel="time step t", ylabel="forget gate f_t (mean over units and digits)", ylim=(0, 1))
    ax_f.set_title("How much of its memory the LSTM keeps at each step")
    ax_k.set_yscale("log")
    ax_k.set(
        xlabel="time step t",
        ylabel=f"share of c_{digit_rows} still kept (log scale)",
        title=f"What is left of the memory of step {digit_rows}",
    )
    for ax in (ax_f, ax_k):
        ax.set_xlim(0.5, steps + 0.5)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


__all__ = [
    "plot_accuracy_vs_time",
    "plot_gradient_norms",
    "plot_accuracy_vs_blank_rows",
    "plot_memory_through_blanks",
]
