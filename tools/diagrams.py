"""The row-LSTM diagram, drawn with matplotlib so that anyone can regenerate it.

    python tools/diagrams.py                 # writes images/row_lstm_diagram.png
    python tools/diagrams.py --out-dir /tmp  # writes /tmp/row_lstm_diagram.png

It shows a real MNIST test digit's rows x_1 ... x_28 entering the shared input projection
(Dense 28 -> 128), a chain of LSTM cells passing (h_t, c_t) along, and the last output h_28 feeding
Dense(10) logits and a softmax. Referenced by notebook 02 and the README.
"""

import argparse
import gzip
from pathlib import Path

import matplotlib
import numpy as np

import utils

#: File name (in images/) of the diagram.
DIAGRAM_NAME = "row_lstm_diagram.png"
#: Which MNIST test image is drawn (index 0 is a 7).
DIGIT_INDEX = 0
#: The time steps drawn as cells; None marks an ellipsis.
SHOWN_STEPS = (1, 2, None, 14, None, 27, 28)

_DENSE_COLOUR = "#fde2c4"
_LSTM_COLOUR = "#cfe3f6"
_HEAD_COLOUR = "#d9f0d3"


def example_digit(index=DIGIT_INDEX, data_dir=None):
    """Return (image float32 (28, 28) in [0, 1], label int) of one MNIST test digit.

    Uses ``utils.data.load_mnist``; if that module is unavailable, reads the shipped test IDX files directly.
    """
    try:
        from utils.data import load_mnist
    except ImportError:
        data_dir = Path(data_dir) if data_dir is not None else utils.DATA_DIR
        with gzip.open(data_dir / "t10k-images-idx3-ubyte.gz") as f:
            images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(data_dir / "t10k-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
        return images[index].astype(np.float32) / 255.0, int(labels[index])
    mnist = load_mnist(data_dir)
    return mnist.x_test[index], int(mnist.y_test[index])


def _box(ax, centre_x, bottom, width, height, text, colour, fontsize=10, **kwargs):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (centre_x - width / 2, bottom),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            facecolor=colour,
            edgecolor="0.25",
            linewidth=1.0,
            **kwargs,
        )
    )
    ax.text(centre_x, bottom + height / 2, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, colour="0.2", style="-|>", linewidth=1.3, linestyle="-"):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": style,
            "color": colour,
            "linewidth": linewidth,
            "linestyle": linestyle,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )


def draw_row_lstm_diagram(image, label=None, steps=SHOWN_STEPS):
    """Draw the diagram for one 28x28 ``image`` and return the matplotlib figure.

    ``steps`` lists the time steps drawn as cells (1-based); ``None`` draws an ellipsis between cells.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = np.asarray(image, dtype=np.float32)
    if image.shape != (28, 28):
        raise ValueError(f"draw_row_lstm_diagram: expected one 28x28 image, got shape {image.shape}")
    shown = [t for t in steps if t is not None]
    if not shown or any(not 1 <= t <= 28 for t in shown) or shown != sorted(shown) or shown[-1] != 28:
        raise ValueError(
            f"draw_row_lstm_diagram: steps must increase within 1..28 and end with 28, got {steps}"
        )

    fig, ax = plt.subplots(figsize=(15, 7.4))
    ax.set_xlim(-0.4, 23.2)
    ax.set_ylim(-1.2, 9.1)
    ax.set_aspect("equal")
    ax.axis("off")
    colours = plt.get_cmap("tab10")

    # The digit, with the rows drawn as cells outlined in matching colours.
    pixel = 0.2
    left, top = 0.4, 8.0
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1, extent=(left, left + 28 * pixel, top - 28 * pixel, top))
    ax.text(
        left + 14 * pixel,
        top + 0.35,
        f"MNIST test digit{f' (label {label})' if label is not None else ''}",
        ha="center",
        fontsize=11,
    )
    ax.text(
        left + 14 * pixel,
        top - 28 * pixel - 0.45,
        "28 rows = 28 time steps\n28 pixels per row = 28 features",
        ha="center",
        va="top",
        fontsize=9.5,
    )
    for number, t in enumerate(shown):
        row_top = top - (t - 1) * pixel
        ax.add_patch(
            Rectangle(
                (left, row_top - pixel),
                28 * pixel,
                pixel,
                fill=False,
                edgecolor=colours(number),
                linewidth=1.6,
            )
        )
        ax.text(
            left - 0.12,
            row_top - pixel / 2,
            f"{t}",
            ha="right",
            va="center",
            fontsize=8,
            color=colours(number),
        )

    # One column per time step: row strip -> shared Dense(128) -> LSTM cell.
    strip_y, dense_y, lstm_y = 0.9, 2.1, 3.5
    cell_w, dense_h, lstm_h, spacing, gap = 1.7, 0.75, 1.1, 2.55, 1.25
    x, centres, previous_right, skipped = 8.9, [], None, False
    for t in steps:
        if t is None:  # an ellipsis: the chain goes on through steps that are not drawn
            skipped = True
            x += gap
            continue
        number = shown.index(t)
        strip = image[t - 1][None, :]
        ax.imshow(
            strip,
            cmap="gray_r",
            vmin=0,
            vmax=1,
            extent=(x - cell_w / 2, x + cell_w / 2, strip_y, strip_y + 0.32),
        )
        ax.add_patch(
            Rectangle(
                (x - cell_w / 2, strip_y), cell_w, 0.32, fill=False, edgecolor=colours(number), linewidth=1.6
            )
        )
        ax.text(x, strip_y - 0.15, f"$x_{{{t}}}$ = row {t}\n(28 values)", ha="center", va="top", fontsize=9)
        _arrow(ax, (x, strip_y + 0.34), (x, dense_y))
        _box(ax, x, dense_y, cell_w, dense_h, "Dense\n28 → 128", _DENSE_COLOUR, fontsize=9)
        _arrow(ax, (x, dense_y + dense_h), (x, lstm_y))
        _box(ax, x, lstm_y, cell_w, lstm_h, f"LSTM cell\nstep {t}", _LSTM_COLOUR)
        if previous_right is None:
            _arrow(ax, (x - cell_w / 2 - 1.4, lstm_y + lstm_h / 2), (x - cell_w / 2, lstm_y + lstm_h / 2))
            ax.text(
                x - cell_w / 2 - 0.7,
                lstm_y + lstm_h / 2 + 0.12,
                "$h_0 = c_0 = 0$",
                ha="center",
                va="bottom",
                fontsize=9,
            )
        elif skipped:
            middle = (previous_right + x - cell_w / 2) / 2
            _arrow(
                ax,
                (previous_right, lstm_y + lstm_h / 2),
                (x - cell_w / 2, lstm_y + lstm_h / 2),
                linestyle="--",
            )
            ax.text(middle, lstm_y + lstm_h / 2 + 0.12, "· · ·", ha="center", va="bottom", fontsize=14)
            ax.text(
                middle,
                lstm_y + lstm_h / 2 - 0.12,
                f"steps {shown[shown.index(t) - 1] + 1}-{t - 1}",
                ha="center",
                va="top",
                fontsize=8,
                color="0.35",
            )
        else:
            _arrow(ax, (previous_right, lstm_y + lstm_h / 2), (x - cell_w / 2, lstm_y + lstm_h / 2))
            before = t - 1
            ax.text(
                (previous_right + x - cell_w / 2) / 2,
                lstm_y + lstm_h / 2 + 0.12,
                f"$h_{{{before}}}, c_{{{before}}}$",
                ha="center",
                va="bottom",
                fontsize=8.5,
            )
        if t != 28:  # the per-step outputs exist but the classifier does not use them
            _arrow(ax, (x, lstm_y + lstm_h), (x, lstm_y + lstm_h + 0.55), colour="0.6", linestyle=":")
            ax.text(
                x,
                lstm_y + lstm_h + 0.62,
                f"$h_{{{t}}}$ (unused)",
                ha="center",
                va="bottom",
                fontsize=8,
                color="0.45",
            )
        centres.append(x)
        skipped = False
        previous_right = x + cell_w / 2
        x += spacing

    # A key naming the two shared layers (colours as in the boxes).
    key = [
        (
            _DENSE_COLOUR,
            "input_projection: ONE Dense(128), the same weights at every step "
            "(the old code's [140, 28] × [28, 128] matmul)",
        ),
        (
            _LSTM_COLOUR,
            "lstm: ONE LSTM(128) cell, applied at every step; (h, c) carry the memory "
            "from one row to the next",
        ),
    ]
    for line, (colour, text) in enumerate(key):
        y = -0.45 - 0.5 * line
        ax.add_patch(
            Rectangle(
                (centres[0] - cell_w / 2, y - 0.14),
                0.45,
                0.28,
                facecolor=colour,
                edgecolor="0.25",
                linewidth=0.8,
            )
        )
        ax.text(centres[0] - cell_w / 2 + 0.6, y, text, ha="left", va="center", fontsize=9.5)

    # The classifier on the last output only.
    last = centres[-1]
    head_y = lstm_y + lstm_h + 1.25
    _arrow(ax, (last, lstm_y + lstm_h), (last, head_y))
    ax.text(last + 0.12, lstm_y + lstm_h + 0.55, "$h_{28}$ (128)", ha="left", va="center", fontsize=9.5)
    _box(ax, last, head_y, cell_w + 0.7, 0.75, "logits: Dense(10)", _HEAD_COLOUR, fontsize=9.5)
    _arrow(ax, (last, head_y + 0.75), (last, head_y + 1.3))
    _box(ax, last, head_y + 1.3, cell_w + 0.7, 0.75, "softmax → 10 probs", _HEAD_COLOUR, fontsize=9.5)
    _arrow(ax, (last, head_y + 2.05), (last, head_y + 2.55))
    ax.text(
        last,
        head_y + 2.62,
        f"predicted class{f' (true: {label})' if label is not None else ''}",
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
    )

    ax.set_title(
        "Reading a digit row by row: 28 time steps through one LSTM, then a classifier on the last output\n"
        "Keras shapes: input (batch, 28, 28) → Dense(128) → (batch, 28, 128) → LSTM(128) → (batch, 128)"
        " → Dense(10) → (batch, 10)",
        fontsize=11.5,
    )
    fig.tight_layout()
    return fig


def write_row_lstm_diagram(folder=None, index=DIGIT_INDEX):
    """Draw the diagram for MNIST test digit ``index`` and save it as ``<folder>/row_lstm_diagram.png``.

    ``folder`` defaults to ``images/``; the file is written to a temp file, then renamed. Returns the path.
    """
    import matplotlib.pyplot as plt

    from utils.plots import save_fig

    image, label = example_digit(index)
    fig = draw_row_lstm_diagram(image, label)
    try:
        return save_fig(fig, DIAGRAM_NAME, folder=None if folder is None else Path(folder), dpi=110)
    finally:
        plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Regenerate images/row_lstm_diagram.png.")
    parser.add_argument("--out-dir", type=Path, default=None, help="folder to write into (default: images/)")
    parser.add_argument(
        "--index", type=int, default=DIGIT_INDEX, help="MNIST test image to draw (default: 0)"
    )
    args = parser.parse_args(argv)
    path = write_row_lstm_diagram(args.out_dir, args.index)
    print(f"wrote {utils.relative_to_repo(path)}")


if __name__ == "__main__":
    matplotlib.use("Agg")
    main()
