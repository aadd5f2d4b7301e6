"""Figures that show a digit as a sequence of rows (or columns). Used by notebook 02.

Every function takes one image of shape (rows, cols) with values in [0, 1] and returns the figure.
Time steps are numbered from 1, like x_1 ... x_28 in the diagram and the LSTM equations.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from utils.rows_as_a_sequence.taught import columns_as_sequence, first_rows, front_pad_rows

_CMAP = "gray_r"  # ink is dark on white, as on paper


def _as_image(image, func):
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(
            f"{func}: expected one image of shape (rows, cols), got shape {image.shape}. "
            "For a batch, pass images[i]."
        )
    return image


def _step_ticks(ax, n, axis="y", every=7, fontsize=None):
    """Label positions 1..n on an image axis (pixel centres are at 0..n-1), one tick every ``every``."""
    ticks = sorted({0, *range(every - 1, n, every)})
    if ticks[-1] != n - 1:
        if n - 1 - ticks[-1] < every / 2 and len(ticks) > 1:
            ticks[-1] = n - 1  # too close to the end to label both
        else:
            ticks.append(n - 1)
    setter = ax.set_yticks if axis == "y" else ax.set_xticks
    setter(ticks, [str(t + 1) for t in ticks], fontsize=fontsize)


def plot_rows_numbered(image, label=None):
    """The digit with its rows numbered 1..28: row t is the input x_t at time step t."""
    image = _as_image(image, "plot_rows_numbered")
    rows, cols = image.shape
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    ax.imshow(image, cmap=_CMAP, vmin=0, vmax=1)
    ax.hlines(np.arange(rows - 1) + 0.5, -0.5, cols - 0.5, colors="tab:blue", linewidth=0.4, alpha=0.6)
    _step_ticks(ax, rows, every=1, fontsize=6)
    _step_ticks(ax, cols, axis="x")
    ax.set_ylabel("row = time step t")
    ax.set_xlabel("pixel in the row (column) = feature")
    ax.set_title(f"A digit{f' ({label})' if label is not None else ''}: {rows} rows of {cols} pixels")
    fig.tight_layout()
    return fig


def plot_seen_after(image, steps=(7, 14, 21, 28)):
    """What the network has read after t rows, for each t in ``steps`` (unread rows are faded)."""
    image = _as_image(image, "plot_seen_after")
    rows, cols = image.shape
    fig, axes = plt.subplots(1, len(steps), figsize=(2.4 * len(steps), 2.9), squeeze=False)
    for ax, t in zip(axes[0], steps):
        if not 1 <= t <= rows:
            raise ValueError(f"plot_seen_after: every step must be between 1 and {rows}, got {t}")
        ax.imshow(image, cmap=_CMAP, vmin=0, vmax=1)
        # Rows t+1..rows are not read yet: cover them with a light veil and mark the reading position.
        ax.add_patch(Rectangle((-0.5, t - 0.5), cols, rows - t, color="white", alpha=0.85, linewidth=0))
        ax.axhline(t - 0.5, color="tab:red", linewidth=1.5)
        ax.set_title(f"after t = {t} rows")
        _step_ticks(ax, rows, every=7)
        ax.set_xticks([])
        ax.set_ylabel("row (time step)")
    fig.suptitle("What the LSTM has seen after t time steps (faded rows: not read yet)")
    fig.tight_layout()
    return fig


def plot_as_sequence(image, label=None):
    """The digit as a sequence: time along x, the 28 features of each step along y, intensity as colour.

    The top panel shows the ink in each row (sum of its intensities), i.e. when something happens.
    """
    image = _as_image(image, "plot_as_sequence")
    rows, cols = image.shape
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(8, 5.2), sharex=True, gridspec_kw={"height_ratios": [1, 2.4]}
    )
    steps = np.arange(rows)
    top.bar(steps, image.sum(axis=1), color="tab:blue", width=0.8)
    top.set_ylabel("ink in the row\n(sum of intensities)")
    top.set_title(
        f"The digit{f' ({label})' if label is not None else ''} as a sequence of {rows} row vectors"
    )
    shown = bottom.imshow(image.T, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    _step_ticks(bottom, rows, axis="x", every=1, fontsize=7)
    _step_ticks(bottom, cols)
    bottom.set_xlabel("time step t (row index)")
    bottom.set_ylabel("feature (pixel column)")
    fig.colorbar(shown, ax=[top, bottom], label="pixel intensity (0 = blank, 1 = ink)", shrink=0.8)
    return fig


def plot_truncations(image, ks=(28, 25, 14, 7)):
    """The two ways of feeding only k rows: front-padded to 28 steps (top) vs a k-step sequence (bottom).

    The zero rows added by padding are tinted; steps that do not exist in the short sequence are hatched.
    """
    image = _as_image(image, "plot_truncations")
    rows, cols = image.shape
    fig, axes = plt.subplots(2, len(ks), figsize=(2.3 * len(ks), 5.4), squeeze=False)
    for column, k in enumerate(ks):
        padded = front_pad_rows(image[None], k)[0]
        short = first_rows(image[None], k)[0]
        top, bottom = axes[0, column], axes[1, column]
        top.imshow(padded, cmap=_CMAP, vmin=0, vmax=1)
        if k < rows:
            top.add_patch(
                Rectangle((-0.5, -0.5), cols, rows - k, color="tab:orange", alpha=0.25, linewidth=0)
            )
        top.set_title(f"front_pad_rows, k = {k}\n{rows - k} zero rows, then rows 1-{k}", fontsize=9)
        bottom.imshow(short, cmap=_CMAP, vmin=0, vmax=1, extent=(-0.5, cols - 0.5, k - 0.5, -0.5))
        bottom.add_patch(
            Rectangle(
                (-0.5, k - 0.5), cols, rows - k, fill=False, hatch="///", edgecolor="lightgray", linewidth=0
            )
        )
        bottom.set_xlim(-0.5, cols - 0.5)
        bottom.set_ylim(rows - 0.5, -0.5)
        bottom.set_title(f"first_rows, k = {k}\n{k} steps, no padding", fontsize=9)
        for ax in (top, bottom):
            _step_ticks(ax, rows, every=7)
            ax.set_xticks([])
        top.set_ylabel("time step")
        bottom.set_ylabel("time step")
    fig.suptitle(
        f"Feeding fewer rows: orange = padding zeros, hatched = no such step ({cols} features per step)"
    )
    fig.tight_layout()
    return fig


def plot_columns_reading(image, label=None, t=14):
    """Column-by-column reading: step t is column t, its pixels from top to bottom are the features.

    Panels: the reading direction, the (steps, features) array the LSTM receives, and what it has
    seen after ``t`` columns.
    """
    image = _as_image(image, "plot_columns_reading")
    rows, cols = image.shape
    if not 1 <= t <= cols:
        raise ValueError(f"plot_columns_reading: t must be between 1 and {cols}, got {t}")
    sequence = columns_as_sequence(image[None])[0]  # (steps = columns, features = rows)
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(10, 3.9))
    left.imshow(image, cmap=_CMAP, vmin=0, vmax=1)
    left.vlines(np.arange(cols - 1) + 0.5, -0.5, rows - 0.5, colors="tab:green", linewidth=0.4, alpha=0.6)
    left.annotate(
        "",
        xy=(cols - 2, rows + 1.5),
        xytext=(1, rows + 1.5),
        annotation_clip=False,
        arrowprops={"arrowstyle": "->", "color": "tab:green", "linewidth": 1.5},
    )
    _step_ticks(left, cols, axis="x")
    left.set_yticks([])
    left.set_xlabel("column = time step t (read left to right)", labelpad=14)
    left.set_title(f"The digit{f' ({label})' if label is not None else ''}, column by column")
    middle.imshow(sequence, cmap=_CMAP, vmin=0, vmax=1)
    _step_ticks(middle, cols)
    _step_ticks(middle, rows, axis="x")
    middle.set_ylabel("time step t (= column)")
    middle.set_xlabel("feature (pixel row, top to bottom)")
    middle.set_title("columns_as_sequence: what the LSTM gets")
    right.imshow(image, cmap=_CMAP, vmin=0, vmax=1)
    right.add_patch(Rectangle((t - 0.5, -0.5), cols - t, rows, color="white", alpha=0.85, linewidth=0))
    right.axvline(t - 0.5, color="tab:red", linewidth=1.5)
    _step_ticks(right, cols, axis="x")
    right.set_yticks([])
    right.set_xlabel("column = time step t")
    right.set_title(f"Seen after t = {t} columns")
    fig.tight_layout()
    return fig


__all__ = [
    "plot_rows_numbered",
    "plot_seen_after",
    "plot_as_sequence",
    "plot_truncations",
    "plot_columns_reading",
]
