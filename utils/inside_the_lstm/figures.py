"""Figures for notebook 04 ("Inside the LSTM"). Each function draws one figure and returns it.

The numbers come from the notebook's own cells (its taught code is in ``utils.inside_the_lstm.taught``). Conventions shared by
all figures:

* time runs **down the page**, like the rows of the digit: row t of a state heatmap is the state
  after reading row t of the image (rows and steps are numbered 1..28, as in the LSTM equations);
* signed quantities (h_t, c_t, saliency, mean activations) use the diverging map ``RdBu_r``
  centred at 0 (red positive, blue negative, white zero); gates in [0, 1] use ``viridis``;
* digits are drawn dark ink on white (``gray_r``);
* every class has its own colour, ``CLASS_COLOURS[c]`` (tab10, except 7: tab10's grey is black here,
  so that no class looks like the light grey used for "other classes").
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects

from utils.inside_the_lstm.taught import selectivity

_INK = "gray_r"
_SIGNED = "RdBu_r"
_GATE = "viridis"
GATE_NAMES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o", "g": "candidate g"}
#: One colour per digit class: matplotlib's tab10, with its grey (class 7) replaced by black.
CLASS_COLOURS = [*plt.get_cmap("tab10").colors[:7], (0.0, 0.0, 0.0), *plt.get_cmap("tab10").colors[8:]]
_OTHER_CLASSES = "0.78"  # light grey: classes not named in a legend
#: One marker per digit class, so that lines stay apart where colours do not (colour-blind readers, print).
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")


def _check(array, ndim, what, func):
    array = np.asarray(array)
    if array.ndim != ndim:
        raise ValueError(f"{func}: expected {what}, got an array of shape {array.shape}")
    return array


def _step_ticks(ax, n, axis="y", every=7):
    """Label steps 1..n (pixel centres sit at 0..n-1) on one axis, one tick every ``every``."""
    ticks = [0, *range(every - 1, n, every)]
    setter = ax.set_yticks if axis == "y" else ax.set_xticks
    setter(ticks, [str(t + 1) for t in ticks])


def _digit_panel(ax, image, title):
    """A digit with its rows numbered 1..28 (= time steps)."""
    ax.imshow(image, cmap=_INK, vmin=0, vmax=1, aspect="auto")
    _step_ticks(ax, image.shape[0], "y")
    ax.set_xticks([])
    ax.set_xlabel("pixel column")
    ax.set_ylabel("row t (time step)")
    ax.set_title(title)


def _symmetric_limit(values, percentile=99.5):
    """A colour limit for a diverging map centred at 0 (robust against a few extreme values)."""
    limit = float(np.percentile(np.abs(values), percentile))
    return limit if limit > 0 else 1.0


def plot_states(images, hidden, cell, titles, orders=None):
    """Digit | h_t heatmap | c_t heatmap, one row of panels per digit (notebook 04, section 1).

    ``images`` (n, 28, 28), ``hidden`` and ``cell`` (n, steps, units), ``titles`` n strings. ``orders``: None
    (units in their index order), one order (units,) shared by every digit (e.g. ``peak_time_order`` of all
    of them), or one order per digit (n, units). Each quantity has one colour scale for all the digits, so
    that two digits' panels can be compared: h is in [-1, 1]; c is unbounded, so its limit is set from the
    values of all the digits shown.
    """
    images = _check(images, 3, "images (n, rows, cols)", "plot_states")
    hidden = _check(hidden, 3, "hidden states (n, steps, units)", "plot_states")
    cell = _check(cell, 3, "cell states (n, steps, units)", "plot_states")
    n, steps, units = hidden.shape
    if len(images) != n or cell.shape != hidden.shape or len(titles) != n:
        raise ValueError(
            f"plot_states: images {images.shape}, hidden {hidden.shape}, cell {cell.shape} and "
            f"{len(titles)} titles must describe the same n digits"
        )
    if orders is None:
        unit_label, orders = "unit (index order)", np.tile(np.arange(units), (n, 1))
    elif np.ndim(orders) == 1:
        unit_label, orders = "unit (one order for all digits)", np.tile(np.asarray(orders), (n, 1))
    else:
        unit_label, orders = "unit (this digit's own order)", np.asarray(orders)
    if orders.shape != (n, units):
        raise ValueError(
            f"plot_states: orders must be (units,) or (n, units) = ({n}, {units}), got {orders.shape}"
        )
    c_limit = _symmetric_limit(cell)  # one scale for every digit's c
    fig, axes = plt.subplots(
        n, 3, figsize=(11, 2.9 * n), squeeze=False, gridspec_kw={"width_ratios": [1, 3.2, 3.2]}
    )
    for row, (ax_img, ax_h, ax_c) in enumerate(axes):
        _digit_panel(ax_img, images[row], titles[row])
        for ax, values, limit, name in (
            (ax_h, hidden[row], 1.0, "hidden state $h_t$"),
            (ax_c, cell[row], c_limit, "cell state $c_t$"),
        ):
            shown = ax.imshow(
                values[:, orders[row]],
                cmap=_SIGNED,
                vmin=-limit,
                vmax=limit,
                aspect="auto",
                interpolation="nearest",
            )
            _step_ticks(ax, steps, "y")
            ax.set_xlabel(unit_label)
            ax.set_ylabel("rows read t")
            ax.set_title(f"{name}, {titles[row]}")
            fig.colorbar(shown, ax=ax, fraction=0.05, pad=0.02).set_label(name.split(" $")[0])
    fig.tight_layout()
    return fig


def plot_unit_traces(states, units, labels, titles):
    """One row of panels per unit: its cell state c_t, its h_t with the output gate o_t, and its forget and
    input gates f_t, i_t, over the rows of several digits, one line per digit (notebook 04, section 2).

    ``states``: dict with "h", "c", "i", "f", "o" arrays (n, steps, units); ``units``: the unit indices to
    follow (2-3 fit a page); ``labels``: the n digits' classes (for their colours and markers);
    ``titles``: n names.
    """
    for key in "hcifo":
        if key not in states:
            raise ValueError(f"plot_unit_traces: states lacks {key!r}; states_and_gates keeps it by default")
    n, steps, _ = _check(states["h"], 3, "states (n, steps, units)", "plot_unit_traces").shape
    if len(labels) != n or len(titles) != n:
        raise ValueError(f"plot_unit_traces: {n} digits need as many labels and titles")
    rows = np.arange(steps)  # positions 0..27, labelled as rows 1..28 by _step_ticks
    fig, axes = plt.subplots(len(units), 3, figsize=(11, 2.9 * len(units)), squeeze=False)
    for (ax_c, ax_h, ax_g), unit in zip(axes, units):
        for d in range(n):
            style = {
                "color": CLASS_COLOURS[labels[d]],
                "marker": CLASS_MARKERS[labels[d]],
                "markevery": 3,
                "ms": 4,
            }
            ax_c.plot(rows, states["c"][d, :, unit], lw=1.6, label=titles[d], **style)
            ax_h.plot(rows, states["h"][d, :, unit], lw=1.6, **style)
            ax_h.plot(rows, states["o"][d, :, unit], lw=0.9, ls=":", color=style["color"])
            ax_g.plot(rows, states["f"][d, :, unit], lw=1.6, **style)
            ax_g.plot(rows, states["i"][d, :, unit], lw=0.9, ls="--", color=style["color"])
        ax_c.axhline(0, color="0.6", lw=0.8)
        ax_c.set(title=f"unit {unit}: cell state $c_t$", ylabel="value")
        ax_h.set(
            title=f"unit {unit}: $h_t$ (solid), output gate $o_t$ (dotted)",
            ylabel="value",
            ylim=(-1.05, 1.05),
        )
        ax_g.set(
            title=f"unit {unit}: forget $f_t$ (solid), input $i_t$ (dashed)",
            ylabel="gate",
            ylim=(-0.03, 1.03),
        )
    for ax in axes.flat:
        ax.set_xlabel("rows read t")
        _step_ticks(ax, steps, "x")
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def plot_readout(kernel, order, removed, accuracy_top, accuracy_random, chance=0.1):
    """What the output layer reads: its weights per class and unit (left), and the test accuracy when units
    are silenced, the ones it uses most against as many random ones (right). Notebook 04, section 5.

    ``kernel`` (units, classes): the output layer's weights; ``order`` (units,): the unit order of the
    heatmap; ``removed``: the numbers of units silenced, k; ``accuracy_top`` (len(removed),): with the k
    most used silenced; ``accuracy_random`` (draws, len(removed)): with k random units silenced, per draw.
    """
    kernel = _check(kernel, 2, "the output layer's kernel (units, classes)", "plot_readout")
    accuracy_random = _check(accuracy_random, 2, "accuracies (draws, len(removed))", "plot_readout")
    fig, (ax_w, ax_a) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
    limit = _symmetric_limit(kernel, 100)
    shown = ax_w.imshow(
        kernel[order].T, cmap=_SIGNED, vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest"
    )
    ax_w.set_yticks(range(kernel.shape[1]))
    ax_w.set(
        xlabel="unit (most used first)", ylabel="class", title="Output layer: weight of each unit's $h_{28}$"
    )
    fig.colorbar(shown, ax=ax_w, fraction=0.04, pad=0.02).set_label("weight")
    removed = np.asarray(removed)
    ax_a.plot(removed, accuracy_top, "o-", color="#D55E00", label="the k most used units")
    ax_a.plot(
        removed,
        accuracy_random.mean(axis=0),
        "s--",
        color="#0072B2",
        label=f"k random units (mean of {len(accuracy_random)})",
    )
    ax_a.fill_between(
        removed,
        accuracy_random.min(axis=0),
        accuracy_random.max(axis=0),
        color="#0072B2",
        alpha=0.2,
        label="random: lowest to highest",
    )
    ax_a.axhline(chance, color="0.5", lw=1, ls=":", label=f"chance ({chance:g})")
    ax_a.set(
        xlabel=f"units silenced, k (of {kernel.shape[0]})",
        ylabel="test accuracy",
        ylim=(0, 1.02),
        title="Silencing units before the readout",
    )
    ax_a.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def plot_gates(image, gates, title, order=None):
    """Digit | input, forget and output gate heatmaps for one digit (notebook 04, section 2).

    ``image`` (28, 28); ``gates`` dict with "i", "f", "o" arrays (steps, units) in [0, 1];
    ``order`` optional unit order (units,), the same for all three panels.
    """
    image = _check(image, 2, "one image (rows, cols)", "plot_gates")
    missing = [g for g in "ifo" if g not in gates]
    if missing:
        raise ValueError(
            f"plot_gates: gates must contain 'i', 'f' and 'o' arrays (steps, units); missing {missing}"
        )
    steps, units = np.shape(gates["i"])
    unit_label = "unit" if order is None else "unit (sorted by peak time of $h_t$)"
    order = np.arange(units) if order is None else np.asarray(order)
    fig, axes = plt.subplots(
        1, 4, figsize=(12, 3.8), layout="constrained", gridspec_kw={"width_ratios": [1, 2.6, 2.6, 2.6]}
    )
    _digit_panel(axes[0], image, title)
    for ax, gate in zip(axes[1:], "ifo"):
        shown = ax.imshow(
            np.asarray(gates[gate])[:, order],
            cmap=_GATE,
            vmin=0,
            vmax=1,
            aspect="auto",
            interpolation="nearest",
        )
        _step_ticks(ax, steps, "y")
        ax.set_xlabel(unit_label)
        ax.set_ylabel("rows read t")
        ax.set_title(GATE_NAMES[gate])
    fig.colorbar(shown, ax=list(axes[1:]), fraction=0.03, pad=0.02).set_label(
        "gate activation (0 = closed, 1 = open)"
    )
    fig.suptitle(f"Gate activations while reading {title}")
    return fig


def plot_gate_timecourse(gates):
    """Mean activation of each gate after every row, over units and images, with the 10-90 % band
    across units (notebook 04, section 2). ``gates`` dict with "i", "f", "o" arrays (n, steps, units).
    """
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for gate, colour in zip("ifo", ("tab:blue", "tab:orange", "tab:green")):
        per_unit = _check(gates[gate], 3, "a gate array (n, steps, units)", "plot_gate_timecourse").mean(
            axis=0
        )
        steps = np.arange(1, per_unit.shape[0] + 1)
        ax.plot(steps, per_unit.mean(axis=1), color=colour, label=GATE_NAMES[gate])
        low, high = np.percentile(per_unit, [10, 90], axis=1)
        ax.fill_between(steps, low, high, color=colour, alpha=0.15)
    ax.set_xlim(1, steps[-1])
    ax.set_ylim(0, 1)
    ax.set_xlabel("rows read t")
    ax.set_ylabel("gate activation (mean over images)")
    ax.set_title("How open the gates are, row by row\n(line: mean over units, band: 10-90 % of units)")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def plot_gate_saturation(saturation, low=0.1, high=0.9):
    """Karpathy et al.'s saturation plot: one dot per unit, for each gate (notebook 04, section 2).

    ``saturation`` maps gate names ("i", "f", "o") to ``(left, right)`` from
    ``gate_saturation``: x = fraction of time < ``low``, y = fraction of time > ``high``.
    Dots near the origin are units whose gate is rarely saturated; on the diagonal x + y = 1, always.
    """
    fig, axes = plt.subplots(1, len(saturation), figsize=(4 * len(saturation), 4), squeeze=False)
    for ax, (gate, (left, right)) in zip(axes[0], saturation.items()):
        ax.plot([0, 1], [1, 0], color="0.7", linestyle="--", linewidth=1, label="always saturated")
        ax.scatter(left, right, s=14, alpha=0.7, color="tab:purple")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_xlabel(f"fraction of time closed (< {low})")
        ax.set_ylabel(f"fraction of time open (> {high})")
        ax.set_title(GATE_NAMES.get(gate, gate))
    axes[0][0].legend(loc="upper right", fontsize=8)
    fig.suptitle("Gate saturation: one dot per unit")
    fig.tight_layout()
    return fig


def plot_decision(images, probabilities, titles, reveal=(7, 14, 21, 28), settle=None):
    """For each digit: the image after t rows for a few t, next to p(class) vs rows read (section 3).

    ``images`` (n, 28, 28); ``probabilities`` (n, steps, classes) from ``step_probabilities``;
    ``titles`` n strings; ``settle`` optional (n,) settle steps, marked by a dotted line.
    Rows not read yet are shaded blue-grey. Every class that is the answer (the most probable class)
    after some row is drawn in its own colour (``CLASS_COLOURS``) and marker (``CLASS_MARKERS``), written
    at its line's peak and named in the legend; the others are thin light grey lines, "other classes".
    """
    images = _check(images, 3, "images (n, rows, cols)", "plot_decision")
    probabilities = _check(probabilities, 3, "probabilities (n, steps, classes)", "plot_decision")
    n, steps, classes = probabilities.shape
    if len(images) != n or len(titles) != n:
        raise ValueError(
            f"plot_decision: {len(images)} images, {n} probability sequences and "
            f"{len(titles)} titles must match"
        )
    fig = plt.figure(figsize=(13, 2.5 * n))
    grid = fig.add_gridspec(n, len(reveal) + 1, width_ratios=[1] * len(reveal) + [3.6])
    cmap = plt.get_cmap(_INK).with_extremes(bad="#c8d4e6")  # unread rows: pale blue-grey
    steps_axis = np.arange(1, steps + 1)
    for row in range(n):
        for col, t in enumerate(reveal):
            ax = fig.add_subplot(grid[row, col])
            partial = images[row].astype(float).copy()
            partial[t:] = np.nan
            ax.imshow(partial, cmap=cmap, vmin=0, vmax=1)
            ax.axis("off")
            predicted = int(probabilities[row, t - 1].argmax())
            ax.set_title(
                f"{t} rows: says {predicted}\n(p = {probabilities[row, t - 1, predicted]:.2f})", fontsize=9
            )
        ax = fig.add_subplot(grid[row, -1])
        answered = np.unique(probabilities[row].argmax(axis=-1))  # classes it answers after some row
        others = [c for c in range(classes) if c not in answered]
        for k, c in enumerate(others):
            ax.plot(
                steps_axis,
                probabilities[row, :, c],
                color=_OTHER_CLASSES,
                linewidth=0.8,
                label="other classes" if k == 0 else None,
            )
        for c in answered:
            ax.plot(
                steps_axis,
                probabilities[row, :, c],
                linewidth=2,
                color=CLASS_COLOURS[c],
                marker=CLASS_MARKERS[c],
                markevery=3,
                markersize=4,
                label=f"class {c}",
            )
            # the class written at its line's peak: colour is not the only way to tell the lines apart
            peak = int(probabilities[row, :, c].argmax())
            ax.annotate(
                str(c),
                (steps_axis[peak], probabilities[row, peak, c]),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=9,
                fontweight="bold",
                color=CLASS_COLOURS[c],
                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
            )
        if settle is not None:
            ax.axvline(
                settle[row], color="0.3", linestyle=":", linewidth=1.2, label=f"settled at row {settle[row]}"
            )
        ax.set_xlim(1, steps)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("rows read t")
        ax.set_ylabel("probability")
        ax.set_title(f"{titles[row]}: class probabilities after t rows")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.tight_layout()
    return fig


def plot_accuracy_by_step(accuracy, n_images):
    """Test accuracy when the model must answer after t rows, t = 1..28 (notebook 04, section 3)."""
    accuracy = _check(accuracy, 1, "accuracy per step (steps,)", "plot_accuracy_by_step")
    steps = np.arange(1, len(accuracy) + 1)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(steps, accuracy, marker="o", markersize=3)
    ax.axhline(0.1, color="0.6", linestyle="--", linewidth=1, label="chance (10 classes)")
    ax.set_xlim(1, len(accuracy))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("rows read t")
    ax.set_ylabel("accuracy of argmax after t rows")
    ax.set_title(f"When does the model know? Accuracy vs rows read ({n_images:,} test images)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_settle_steps(settle, labels, steps=28, num_classes=10):
    """Per true class: the distribution of the row after which the prediction no longer changes.

    A heatmap (class x settle step, share of that class's images), with each class's median marked
    (notebook 04, section 3). ``settle`` (n,) from ``settle_step``, ``labels`` (n,).
    """
    settle = np.asarray(settle)
    labels = np.asarray(labels)
    if settle.shape != labels.shape or settle.ndim != 1:
        raise ValueError(
            f"plot_settle_steps: settle {settle.shape} and labels {labels.shape} must both be (n,)"
        )
    shares = np.zeros((num_classes, steps))
    medians = np.full(num_classes, np.nan)
    for c in range(num_classes):
        mine = settle[labels == c]
        if len(mine):
            shares[c] = np.bincount(mine - 1, minlength=steps)[:steps] / len(mine)
            medians[c] = np.median(mine)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    shown = ax.imshow(
        shares, cmap="Blues", aspect="auto", vmin=0, extent=(0.5, steps + 0.5, num_classes - 0.5, -0.5)
    )
    ax.plot(medians, np.arange(num_classes), "o", color="tab:red", markersize=6, label="median")
    ax.set_xticks([1, *range(7, steps + 1, 7)])
    ax.set_yticks(range(num_classes))
    ax.set_xlabel("settle step: rows read until the prediction stops changing")
    ax.set_ylabel("true class")
    ax.set_title("When is the decision final? Distribution of the settle step per class")
    fig.colorbar(shown, ax=ax, fraction=0.04, pad=0.02).set_label("share of the class's images")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def _class_colours(labels):
    return np.asarray(CLASS_COLOURS)[np.asarray(labels) % 10]


def plot_pca_states(
    points, labels, pca, title="Final hidden states $h_{28}$ in the plane of the top two PCs"
):
    """Scatter of 2-D PCA coordinates coloured by class, each class's centre labelled with its digit.

    ``points`` (n, 2) from ``pca.project``, ``labels`` (n,), ``pca`` the fitted ``PCA`` (``fit_pca``)
    (for the explained variance on the axes). Notebook 04, section 4.
    """
    fig, ax = plt.subplots(figsize=(7, 6))
    _pca_background(ax, points, labels, pca, alpha=0.35)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _pca_background(ax, points, labels, pca, alpha):
    points = _check(points, 2, "2-D points (n, 2)", "plot_pca_states")
    ax.scatter(points[:, 0], points[:, 1], s=3, c=_class_colours(labels), alpha=alpha, linewidths=0)
    for c in np.unique(labels):
        centre = np.median(points[labels == c], axis=0)
        ax.text(
            *centre,
            str(c),
            fontsize=16,
            fontweight="bold",
            ha="center",
            va="center",
            zorder=3,
            color=CLASS_COLOURS[c % 10],
            bbox={"boxstyle": "circle", "fc": "white", "alpha": 0.6},
        )
    ratio = pca.explained_variance_ratio
    ax.set_xlabel(f"PC 1 ({ratio[0]:.0%} of the variance)")
    ax.set_ylabel(f"PC 2 ({ratio[1]:.0%} of the variance)")


def plot_trajectories(points, labels, pca, trajectories, trajectory_labels, mark=(7, 14, 21)):
    """Paths of h_t through the PCA plane of the final states, step 1 -> 28, for a few digits.

    ``trajectories`` (k, steps, 2) = ``pca.project(h)`` of k digits; the faint background is the
    final-state scatter (``points``, ``labels``). Steps listed in ``mark`` are numbered on each path.
    Notebook 04, section 4.
    """
    trajectories = _check(trajectories, 3, "trajectories (k, steps, 2)", "plot_trajectories")
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    _pca_background(ax, points, labels, pca, alpha=0.12)
    for path, label in zip(trajectories, trajectory_labels):
        colour = CLASS_COLOURS[int(label) % 10]
        ax.plot(
            path[:, 0],
            path[:, 1],
            "-o",
            color=colour,
            markersize=3,
            linewidth=1.6,
            markeredgecolor="k",
            markeredgewidth=0.3,
            zorder=4,
        )
        ax.plot(*path[0], "s", color="white", markeredgecolor="k", markersize=6, zorder=5)
        ax.plot(*path[-1], "*", color=colour, markersize=16, markeredgecolor="k", zorder=5)
        for t in mark:
            ax.annotate(str(t), path[t - 1], fontsize=8, xytext=(3, 3), textcoords="offset points", zorder=5)
    ax.plot([], [], "s", color="white", markeredgecolor="k", markersize=6, label="after row 1")
    ax.plot([], [], "*", color="0.5", markersize=12, markeredgecolor="k", label="after row 28 (final)")
    ax.legend(loc="best", fontsize=8)
    ax.set_title("Trajectories of $h_t$ while reading (numbers: rows read)")
    fig.tight_layout()
    return fig


def plot_class_unit_means(class_means, order=None, preferred=None):
    """Heatmap class x unit of the mean final hidden state (diverging, centred at 0). Section 5.

    ``order`` optional unit order, e.g. ``preferred_class_order``; ``preferred``
    optional (units,) preferred class of each unit (``selectivity(...).argmax(0)``): the groups are
    then separated by lines, labelled with their class on top, and each group's own class row is framed.
    """
    class_means = _check(class_means, 2, "class means (classes, units)", "plot_class_unit_means")
    unit_label = "unit" if order is None else "unit (grouped by the class it prefers)"
    order = np.arange(class_means.shape[1]) if order is None else np.asarray(order)
    fig, ax = plt.subplots(figsize=(12, 3.8))
    shown = ax.imshow(
        class_means[:, order], cmap=_SIGNED, vmin=-1, vmax=1, aspect="auto", interpolation="nearest"
    )
    if preferred is not None:
        groups = np.asarray(preferred)[order]
        edges = np.flatnonzero(np.diff(groups)) + 0.5
        for edge in edges:
            ax.axvline(edge, color="k", linewidth=1)
        starts = np.concatenate([[-0.5], edges])
        ends = np.concatenate([edges, [len(groups) - 0.5]])
        group_classes = groups[(starts + 0.5).astype(int)]
        for start, end, group in zip(starts, ends, group_classes):  # frame each group's own class row
            ax.add_patch(
                plt.Rectangle((start, group - 0.5), end - start, 1, fill=False, edgecolor="k", linewidth=1.8)
            )
        top = ax.secondary_xaxis("top")
        top.set_xticks((starts + ends) / 2, [str(g) for g in group_classes])
        top.set_xlabel("preferred class of the units below")
    ax.set_yticks(range(class_means.shape[0]))
    ax.set_xlabel(unit_label)
    ax.set_ylabel("true class")
    ax.set_title("Mean final hidden state $h_{28}$ per class and unit")
    fig.colorbar(shown, ax=ax, fraction=0.03, pad=0.01).set_label("mean $h_{28}$")
    fig.tight_layout()
    return fig


def plot_top_units(images, final_hidden, units, exciting, labels=None):
    """One row per class: its most selective unit and the test digits that drive that unit highest.

    ``units`` (classes,) one unit per class (e.g. ``selectivity(class_means).argmax(axis=1)``);
    ``exciting`` (classes, k) indices of the images with the largest final activation of that unit.
    Each digit is titled with its activation, and with its true label if ``labels`` (all images' labels)
    is given. Section 5.
    """
    images = _check(images, 3, "images (n, rows, cols)", "plot_top_units")
    exciting = _check(exciting, 2, "image indices (classes, k)", "plot_top_units")
    classes, k = exciting.shape
    fig, axes = plt.subplots(classes, k, figsize=(1.25 * k + 1.6, 1.35 * classes), squeeze=False)
    for c in range(classes):
        for j in range(k):
            ax = axes[c, j]
            index = exciting[c, j]
            ax.imshow(images[index], cmap=_INK, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            prefix = "" if labels is None else f"a {labels[index]}: "
            ax.set_title(f"{prefix}h = {final_hidden[index, units[c]]:+.2f}", fontsize=8)
        axes[c, 0].set_ylabel(f"class {c}\nunit {units[c]}", rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle("Each class's most selective unit and the test digits that excite it most")
    fig.supxlabel("the digits with the largest final activation of that unit (left = largest)", fontsize=9)
    fig.tight_layout()
    return fig


def plot_saliency(images, saliency_maps, titles):
    """Digit | gradient saliency map | saliency per row (sum of |gradient|). Section 6.

    ``saliency_maps`` (n, 28, 28) from ``saliency`` (signed: red = brighter ink here
    would raise the logit, blue = would lower it; colour limits per digit).
    """
    images = _check(images, 3, "images (n, rows, cols)", "plot_saliency")
    saliency_maps = _check(saliency_maps, 3, "saliency maps (n, rows, cols)", "plot_saliency")
    n, rows, _ = images.shape
    fig, axes = plt.subplots(
        n, 3, figsize=(9.5, 2.8 * n), squeeze=False, gridspec_kw={"width_ratios": [1, 1.25, 1.2]}
    )
    for row, (ax_img, ax_map, ax_rows) in enumerate(axes):
        _digit_panel(ax_img, images[row], titles[row])
        limit = _symmetric_limit(saliency_maps[row], 100)
        shown = ax_map.imshow(saliency_maps[row], cmap=_SIGNED, vmin=-limit, vmax=limit)
        _step_ticks(ax_map, rows, "y")
        ax_map.set_xticks([])
        ax_map.set_xlabel("pixel column")
        ax_map.set_ylabel("row t")
        ax_map.set_title("d(logit) / d(pixel)")
        fig.colorbar(shown, ax=ax_map, fraction=0.046, pad=0.03).set_label("gradient")
        per_row = np.abs(saliency_maps[row]).sum(axis=1)
        ax_rows.barh(np.arange(1, rows + 1), per_row / per_row.max(), color="tab:red")
        ax_rows.set_ylim(rows + 0.5, 0.5)
        ax_rows.set_yticks([1, 7, 14, 21, 28])
        ax_rows.set_xlabel("sum |gradient| (max = 1)")
        ax_rows.set_ylabel("row t")
        ax_rows.set_title("sensitivity per row")
    fig.tight_layout()
    return fig


def plot_occlusion(images, drops, band, titles):
    """Digit | confidence drop when a band of ``band`` rows is blanked, drawn at the band's centre row.

    ``drops`` (n, rows - band + 1) from ``occlusion_drop``: column s is the band of rows s + 1 .. s + band.
    Section 6.
    """
    images = _check(images, 3, "images (n, rows, cols)", "plot_occlusion")
    drops = _check(drops, 2, "drops (n, positions)", "plot_occlusion")
    n, rows, _ = images.shape
    if drops.shape != (n, rows - band + 1):
        raise ValueError(
            f"plot_occlusion: drops must be (n, rows - band + 1) = {(n, rows - band + 1)} for {n} images "
            f"and band={band}, got {drops.shape}"
        )
    centres = np.arange(drops.shape[1]) + (band + 1) / 2  # row (from 1) at the middle of each band
    fig, axes = plt.subplots(
        n, 2, figsize=(7.5, 2.8 * n), squeeze=False, gridspec_kw={"width_ratios": [1, 1.6]}
    )
    for row, (ax_img, ax_drop) in enumerate(axes):
        _digit_panel(ax_img, images[row], titles[row])
        colours = np.where(drops[row] >= 0, "tab:red", "tab:blue")
        ax_drop.barh(centres, drops[row], height=1.0, color=colours, alpha=0.8)
        ax_drop.axvline(0, color="k", linewidth=0.8)
        ax_drop.set_ylim(rows + 0.5, 0.5)
        ax_drop.set_xlim(min(-0.05, drops[row].min() * 1.1), max(1.0, drops[row].max() * 1.05))
        ax_drop.set_yticks([1, 7, 14, 21, 28])
        ax_drop.set_xlabel("drop in p(predicted class)")
        ax_drop.set_ylabel(f"centre row of the {band}-row band")
        ax_drop.set_title(f"blank {band} rows: how much confidence is lost")
    fig.tight_layout()
    return fig


def peak_time_order(activity):
    """Unit order for heatmaps: sorted by the step at which each unit's |activity| peaks.

    ``activity`` is (steps, units), e.g. one digit's h_t, or (n, steps, units), in which case the
    mean |activity| over the n sequences is used. Ties (same peak step) are broken by the sign of
    the activity at the peak (negative first), then by the peak size (largest first), so units that
    switch on together and in the same direction end up next to each other.
    Returns an int array (units,) of unit indices. Used by notebook 04, section 1 and exercise 1.
    """
    activity = np.asarray(activity, dtype="float64")
    if activity.ndim == 3:
        signed = activity.mean(axis=0)
        magnitude = np.abs(activity).mean(axis=0)
    elif activity.ndim == 2:
        signed, magnitude = activity, np.abs(activity)
    else:
        raise ValueError(
            f"peak_time_order: expected (steps, units) or (n, steps, units), got {activity.shape}"
        )
    peak_step = magnitude.argmax(axis=0)
    units = np.arange(activity.shape[-1])
    peak_value = signed[peak_step, units]
    # np.lexsort sorts by the last key first
    return np.lexsort((-magnitude[peak_step, units], np.sign(peak_value), peak_step))


def preferred_class_order(class_means):
    """Unit order for the class x unit heatmap: grouped by preferred class, most selective first.

    A unit's preferred class is the one it is most selective for (see ``selectivity``).
    Returns an int array (units,). Used by notebook 04, section 5.
    """
    scores = selectivity(class_means)
    return np.lexsort((-scores.max(axis=0), scores.argmax(axis=0)))
