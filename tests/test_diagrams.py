"""Tests for tools/diagrams.py: the row-LSTM diagram is drawn from a real digit into a PNG file."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import utils  # noqa: E402
from tools import diagrams  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_write_row_lstm_diagram_produces_a_png_in_the_given_folder(tmp_path):
    images_before = sorted(p.name for p in utils.IMAGES_DIR.glob("*")) if utils.IMAGES_DIR.exists() else []
    path = diagrams.write_row_lstm_diagram(tmp_path)
    assert path == tmp_path / "row_lstm_diagram.png"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 20_000, "a diagram with a digit, 5 cells and labels is not a few bytes"
    image = plt.imread(path)
    height, width = image.shape[:2]
    assert width > 1200 and height > 500
    assert list(tmp_path.iterdir()) == [path], "no temp file left behind"
    images_after = sorted(p.name for p in utils.IMAGES_DIR.glob("*")) if utils.IMAGES_DIR.exists() else []
    assert images_after == images_before


def test_command_line_writes_into_out_dir(tmp_path, capsys):
    diagrams.main(["--out-dir", str(tmp_path), "--index", "1"])
    assert (tmp_path / "row_lstm_diagram.png").stat().st_size > 0
    assert "row_lstm_diagram.png" in capsys.readouterr().out


def test_example_digit_is_a_real_mnist_test_image():
    image, label = diagrams.example_digit(0)
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() == pytest.approx(1.0)
    assert label == 7  # the first MNIST test image is a 7


def test_diagram_draws_one_strip_per_shown_step():
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    fig = diagrams.draw_row_lstm_diagram(image, label=3, steps=(1, None, 28))
    (ax,) = fig.axes
    assert len(ax.images) == 1 + 2  # the digit and two row strips
    np.testing.assert_array_equal(ax.images[2].get_array(), image[27][None, :])
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "LSTM cell\nstep 28" in texts and "logits: Dense(10)" in texts
    plt.close(fig)


@pytest.mark.parametrize("steps", [(1, 2), (3, 1, 28), (0, 28), ()])
def test_diagram_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match="steps must increase"):
        diagrams.draw_row_lstm_diagram(np.zeros((28, 28)), steps=steps)


def test_diagram_rejects_a_batch():
    with pytest.raises(ValueError, match="one 28x28 image"):
        diagrams.draw_row_lstm_diagram(np.zeros((2, 28, 28)))
