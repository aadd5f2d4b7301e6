"""General figure helpers shared by the notebooks (topic-specific plots live with their topic)."""

import matplotlib.pyplot as plt
import numpy as np

import utils


def save_fig(fig, name, folder=None, dpi=110):
    """Save ``fig`` as ``images/<name>.png`` (for the README); written to a temp file, then renamed.

    Used by notebooks and scripts that produce figures the README shows.
    Returns the path written.
    """
    if not name or any(sep in name for sep in "/\\"):
        raise ValueError(f"save_fig: name must be a plain file name without folders, got {name!r}")
    folder = utils.IMAGES_DIR if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name if name.endswith(".png") else f"{name}.png")
    with utils.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    return path


def show_digits(images, labels=None, ncols=5, title=None, size=1.6, cmap="gray_r"):
    """Draw a grid of 28x28 digits, each titled with its label (if given). Returns the figure.

    ``labels`` may be a sequence of ints or of ready-made strings (e.g. "true 3 / pred 5").
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"show_digits: expected images of shape (n, rows, cols), got {images.shape}")
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if title else 0)))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap, vmin=0, vmax=images.max() or 1)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def table_texts(header, rows, right_aligned=None):
    """``(markdown, plain)``: the same table as Markdown and as aligned plain text. Every row has one entry per
    column of ``header``; entries are shown with ``str``. ``right_aligned``: the columns (indices) to align right,
    by default all but the first."""
    header = [str(h) for h in header]
    rows = [[str(entry) for entry in row] for row in rows]
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise ValueError(
                f"table: row {number} has {len(row)} entries for {len(header)} columns ({header}); give one per column"
            )
    right = set(range(1, len(header)) if right_aligned is None else right_aligned)
    escaped = [[entry.replace("|", "\\|") for entry in row] for row in [header, *rows]]
    rule = ["---:" if column in right else "---" for column in range(len(header))]
    markdown = "\n".join("| " + " | ".join(row) + " |" for row in [escaped[0], rule, *escaped[1:]])
    widths = [max(len(entry) for entry in column) for column in zip(header, *rows)]
    plain = "\n".join(
        "  ".join(
            entry.rjust(width) if column in right else entry.ljust(width)
            for column, (entry, width) in enumerate(zip(row, widths))
        ).rstrip()
        for row in [header, *rows]
    )
    return markdown, plain


def show_table(header, rows, right_aligned=None):
    """Display a table: as a real table where the notebook is rendered (JupyterLab, GitHub, the website), as
    aligned plain text elsewhere (a terminal, a plain-text log). See :func:`table_texts`."""
    from IPython.display import display

    markdown, plain = table_texts(header, rows, right_aligned)
    display({"text/markdown": markdown, "text/plain": plain}, raw=True)
