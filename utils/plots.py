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
