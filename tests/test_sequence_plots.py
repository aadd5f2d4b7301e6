"""Tests for utils.rows_as_a_sequence.figures: each figure draws the right panels from a digit, bad input is refused."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils.rows_as_a_sequence import figures  # noqa: E402


@pytest.fixture
def digit():
    """A synthetic 'digit': a bar of ink in rows 8-20, columns 10-14."""
    image = np.zeros((28, 28), dtype=np.float32)
    image[8:21, 10:15] = 1.0
    return image


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def test_rows_numbered_labels_every_row_from_1(digit):
    fig = figures.plot_rows_numbered(digit, label=3)
    (ax,) = image_axes(fig)
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(t) for t in range(1, 29)]
    assert "(3)" in ax.get_title()
    np.testing.assert_array_equal(ax.images[0].get_array(), digit)


def test_seen_after_draws_one_panel_per_step(digit):
    fig = figures.plot_seen_after(digit, steps=(7, 14, 28))
    axes = image_axes(fig)
    assert [ax.get_title() for ax in axes] == ["after t = 7 rows", "after t = 14 rows", "after t = 28 rows"]


def test_seen_after_rejects_a_step_outside_the_image(digit):
    with pytest.raises(ValueError, match="between 1 and 28"):
        figures.plot_seen_after(digit, steps=(7, 29))


def test_as_sequence_puts_time_on_the_x_axis(digit):
    fig = figures.plot_as_sequence(digit)
    heatmap = image_axes(fig)[0]
    np.testing.assert_array_equal(heatmap.images[0].get_array(), digit.T)  # column t = row t of the image
    assert "time step" in heatmap.get_xlabel()
    bars = fig.axes[0].patches
    np.testing.assert_allclose([b.get_height() for b in bars], digit.sum(axis=1))


def test_truncations_show_both_feeding_styles(digit):
    fig = figures.plot_truncations(digit, ks=(28, 25, 5))
    axes = image_axes(fig)
    assert len(axes) == 6
    padded_25 = axes[1].images[0].get_array()
    short_25 = axes[4].images[0].get_array()
    assert padded_25.shape == (28, 28) and short_25.shape == (25, 28)
    np.testing.assert_array_equal(padded_25[3:], short_25)


def test_columns_reading_feeds_the_transposed_digit(digit):
    fig = figures.plot_columns_reading(digit, t=14)
    np.testing.assert_array_equal(image_axes(fig)[1].images[0].get_array(), digit.T)
    with pytest.raises(ValueError, match="t must be between 1 and 28"):
        figures.plot_columns_reading(digit, t=0)


@pytest.mark.parametrize(
    "plot",
    [
        figures.plot_rows_numbered,
        figures.plot_seen_after,
        figures.plot_as_sequence,
        figures.plot_truncations,
        figures.plot_columns_reading,
    ],
)
def test_a_batch_instead_of_one_image_is_refused(plot):
    with pytest.raises(ValueError, match=r"one image of shape \(rows, cols\)"):
        plot(np.zeros((2, 28, 28)))
