"""utils.inspection and utils.inspection_plots (notebook 04) on small inputs and a small random model."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

import utils  # noqa: E402

utils.silence_tensorflow()

import keras  # noqa: E402

from utils import inspection, inspection_plots  # noqa: E402
from utils.inspection import (  # noqa: E402
    accuracy_by_step,
    class_mean_activation,
    fit_pca,
    gate_saturation,
    most_exciting,
    occlusion_drop,
    peak_time_order,
    preferred_class_order,
    saliency,
    selectivity,
    settle_step,
    states_and_gates,
    step_probabilities,
    top_units_per_class,
)
from utils.model import build_row_lstm  # noqa: E402

BATCH, STEPS, FEATURES, UNITS = 6, 28, 28, 128
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def model():
    """The notebook's architecture with random but non-trivial weights.

    Glorot/orthogonal initial weights keep every gate near 0.5; doubling the LSTM weights and drawing
    a random bias spreads the gates over (0, 1), so a mix-up of gates or layers would show.
    """
    keras.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    net = build_row_lstm()
    lstm = net.get_layer("lstm")
    kernel, recurrent_kernel, bias = lstm.get_weights()
    lstm.set_weights([2 * kernel, 2 * recurrent_kernel, rng.normal(size=bias.shape).astype("float32")])
    projection = net.get_layer("input_projection")
    projection.set_weights([projection.get_weights()[0], rng.normal(0, 0.3, size=UNITS).astype("float32")])
    return net


@pytest.fixture(scope="module")
def images():
    """MNIST-like inputs: values in [0, 1], the first and last 4 rows blank (as in most digits)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(BATCH, STEPS, FEATURES)).astype("float32")
    x[:, :4] = 0
    x[:, -4:] = 0
    return x


@pytest.fixture(scope="module")
def states(model, images):
    return states_and_gates(model, images)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- states and gates -------------------------------------------------------------------------------


def test_states_and_gates_h_equals_keras_return_sequences(model, images, states):
    """The hand-written unroll after the input projection gives Keras's LSTM outputs for every step."""
    keras_lstm = keras.layers.LSTM(UNITS, return_sequences=True, return_state=True)
    projected = model.get_layer("input_projection").output
    sequence_model = keras.Model(model.input, keras_lstm(projected))
    keras_lstm.set_weights(model.get_layer("lstm").get_weights())
    keras_h, final_h, final_c = (np.asarray(a) for a in sequence_model(images))

    for key in inspection.STATE_KEYS:
        assert states[key].shape == (BATCH, STEPS, UNITS), key
        assert states[key].dtype == np.float32
    assert min(np.std(states[gate]) for gate in "ifo") > 0.1  # gates really spread, not all ~0.5
    assert np.max(np.abs(states["h"] - keras_h)) < TOLERANCE
    assert np.max(np.abs(states["h"][:, -1] - final_h)) < TOLERANCE
    assert np.max(np.abs(states["c"][:, -1] - final_c)) < TOLERANCE


def test_states_and_gates_in_chunks_equals_one_batch(model, images, states):
    chunked = states_and_gates(model, images, keep=("h", "f"), batch_size=4)
    assert set(chunked) == {"h", "f"}
    np.testing.assert_allclose(chunked["h"], states["h"], atol=1e-6)
    np.testing.assert_allclose(chunked["f"], states["f"], atol=1e-6)


def test_states_and_gates_gates_reproduce_the_cell_equations(states):
    """c_t = f * c_{t-1} + i * g and h_t = o * tanh(c_t), step by step."""
    previous_c = np.concatenate([np.zeros_like(states["c"][:, :1]), states["c"][:, :-1]], axis=1)
    np.testing.assert_allclose(states["c"], states["f"] * previous_c + states["i"] * states["g"], atol=1e-5)
    np.testing.assert_allclose(states["h"], states["o"] * np.tanh(states["c"]), atol=1e-5)


def test_states_and_gates_rejects_bad_input(model, images):
    with pytest.raises(ValueError, match=r"images\[None\]"):
        states_and_gates(model, images[0])
    with pytest.raises(ValueError, match="empty batch"):
        states_and_gates(model, images[:0])
    with pytest.raises(ValueError, match="keep"):
        states_and_gates(model, images, keep=("h", "x"))
    with pytest.raises(ValueError, match="batch_size"):
        states_and_gates(model, images, batch_size=0)
    other = keras.Sequential([keras.Input((STEPS, FEATURES)), keras.layers.LSTM(4, name="lstm")])
    with pytest.raises(ValueError, match="input_projection"):
        states_and_gates(other, images)


def test_step_probabilities_last_step_is_the_models_prediction(model, images, states):
    probabilities = step_probabilities(model, states["h"])
    assert probabilities.shape == (BATCH, STEPS, 10)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(model(images)))
    assert np.max(np.abs(probabilities[:, -1] - expected)) < TOLERANCE


def test_accuracy_by_step_counts_correct_argmax():
    probabilities = np.zeros((2, 3, 4))
    probabilities[0, np.arange(3), [1, 2, 2]] = 1  # image 0 says 1, 2, 2
    probabilities[1, np.arange(3), [2, 2, 3]] = 1  # image 1 says 2, 2, 3
    np.testing.assert_array_equal(accuracy_by_step(probabilities, np.array([2, 3])), [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="labels"):
        accuracy_by_step(probabilities, np.array([1, 2, 3]))


# --- settle step ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sequence, expected",
    [
        ([4, 4, 4, 4], 1),  # never changes
        ([0, 4, 4, 4], 2),
        ([4, 4, 0, 4], 4),  # briefly right early on does not count
        ([3, 3, 3, 5], 4),  # changes at the very last row
        ([2, 2, 1, 1], 3),
        ([7], 1),
    ],
)
def test_settle_step_on_hand_made_sequences(sequence, expected):
    assert settle_step(np.array([sequence]))[0] == expected


def test_settle_step_works_row_by_row_on_a_batch():
    np.testing.assert_array_equal(settle_step(np.array([[0, 1, 1], [1, 1, 1], [1, 0, 1]])), [2, 1, 3])


@settings(max_examples=200, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(1, 12)), elements=st.integers(0, 2)))
def test_settle_step_is_the_first_row_of_the_final_run(predictions):
    settled = settle_step(predictions)
    for row, t in zip(predictions, settled):
        assert 1 <= t <= len(row)
        assert np.all(row[t - 1 :] == row[-1])  # final from row t on ...
        assert t == 1 or row[t - 2] != row[-1]  # ... and not from row t - 1


def test_settle_step_rejects_one_sequence_without_batch_axis():
    with pytest.raises(ValueError, match=r"\(n, steps\)"):
        settle_step(np.array([1, 2, 3]))


# --- saturation, ordering, PCA, selectivity ----------------------------------------------------------


def test_gate_saturation_is_exact_on_a_tiny_array():
    gate = np.array(
        [[[0.05, 0.5], [0.5, 0.95]], [[0.95, 0.99], [0.1, 0.9]]]
    )  # (n=2, steps=2, units=2); 0.1 and 0.9 are not saturated
    left, right = gate_saturation(gate)
    np.testing.assert_array_equal(left, [0.25, 0.0])
    np.testing.assert_array_equal(right, [0.25, 0.5])
    with pytest.raises(ValueError, match="low"):
        gate_saturation(gate, low=0.9, high=0.1)
    with pytest.raises(ValueError, match=r"\(n, steps, units\)"):
        gate_saturation(gate[0])


def test_peak_time_order_sorts_by_peak_step_then_sign_then_size():
    activity = np.array(
        [
            # unit: 0     1     2     3     4
            [0.0, 0.9, 0.0, -0.2, 0.0],  # step 1
            [0.1, 0.0, 0.5, 0.0, 0.0],  # step 2
            [0.8, 0.0, 0.0, 0.0, -0.7],  # step 3
        ]
    )
    # step 1: units 3 (negative) before 1; step 2: unit 2; step 3: unit 4 (negative) before 0
    np.testing.assert_array_equal(peak_time_order(activity), [3, 1, 2, 4, 0])
    batch = np.stack([activity, activity])
    np.testing.assert_array_equal(peak_time_order(batch), peak_time_order(activity))


def test_fit_pca_recovers_known_directions_and_variances():
    rotation, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(3, 3)))
    scales = np.array([3.0, 2.0, 1.0])
    # two points +-scale along each axis: exact variances 2*scale^2 along the columns of `rotation`
    axis_points = np.concatenate([np.diag(scales), -np.diag(scales)])
    data = axis_points @ rotation.T + np.array([5.0, -1.0, 2.0])
    pca = fit_pca(data, n_components=2)
    np.testing.assert_allclose(pca.explained_variance_ratio, [9 / 14, 4 / 14])
    for k in range(2):
        assert abs(abs(pca.components[k] @ rotation[:, k]) - 1) < 1e-12
        assert pca.components[k][np.abs(pca.components[k]).argmax()] > 0  # sign convention
    projected = pca.project(data)
    np.testing.assert_allclose(np.abs(projected[0]), [3.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(np.abs(projected[1]), [0.0, 2.0], atol=1e-12)
    assert pca.project(np.stack([data, data])).shape == (2, 6, 2)  # trajectories (k, steps, 2)
    with pytest.raises(ValueError, match="n_components"):
        fit_pca(data, n_components=4)


def test_class_means_selectivity_and_top_units():
    final_hidden = np.array([[1.0, 0.0, 0.5], [0.8, 0.2, 0.5], [0.0, 1.0, 0.5], [0.1, 0.9, 0.4]])
    labels = np.array([0, 0, 1, 1])
    means = class_mean_activation(final_hidden, labels, num_classes=2)
    np.testing.assert_allclose(means, [[0.9, 0.1, 0.5], [0.05, 0.95, 0.45]])
    np.testing.assert_allclose(selectivity(means), [[0.85, -0.85, 0.05], [-0.85, 0.85, -0.05]])
    np.testing.assert_array_equal(top_units_per_class(means, k=2), [[0, 2], [1, 2]])
    np.testing.assert_array_equal(preferred_class_order(means), [0, 2, 1])
    np.testing.assert_array_equal(most_exciting(final_hidden, unit=1, n=2), [2, 3])
    with pytest.raises(ValueError, match=r"class\(es\) \[2\]"):
        class_mean_activation(final_hidden, labels, num_classes=3)


# --- saliency and occlusion --------------------------------------------------------------------------


def _logits(net, x):
    return np.asarray(net(x.astype("float32")), dtype="float64")


def test_saliency_matches_finite_differences(model, images):
    maps = saliency(model, images[:2])
    assert maps.shape == (2, STEPS, FEATURES)
    predicted = _logits(model, images[:2]).argmax(axis=-1)
    for n in range(2):
        row, col = np.unravel_index(np.abs(maps[n]).argmax(), maps[n].shape)
        eps = 1e-2
        plus, minus = images[n : n + 1].copy(), images[n : n + 1].copy()
        plus[0, row, col] += eps
        minus[0, row, col] -= eps
        numeric = (_logits(model, plus)[0, predicted[n]] - _logits(model, minus)[0, predicted[n]]) / (2 * eps)
        assert numeric == pytest.approx(maps[n, row, col], rel=0.05, abs=1e-3)


def test_saliency_is_zero_for_a_pixel_column_the_model_cannot_see(model, images):
    """Zero the projection weights of pixel column 5: no pixel in that column can move any logit."""
    blind = build_row_lstm()
    blind.set_weights(model.get_weights())
    kernel, bias = blind.get_layer("input_projection").get_weights()
    kernel[5] = 0
    blind.get_layer("input_projection").set_weights([kernel, bias])
    maps = saliency(blind, images[:3], class_index=2)
    assert np.all(maps[:, :, 5] == 0)
    assert np.all(np.abs(maps[:, 4:-4, 4]) > 0)  # a neighbouring, visible column is not zero


def test_occlusion_drop_shapes_and_blank_rows_cost_nothing(model, images):
    drops, starts = occlusion_drop(model, images[:3], band=3)
    assert drops.shape == (3, STEPS - 3 + 1)
    np.testing.assert_array_equal(starts, np.arange(STEPS - 2))
    # the first and last 4 rows are already blank: blanking them again changes nothing
    for start in (0, 1, STEPS - 3):
        np.testing.assert_allclose(drops[:, start], 0, atol=1e-6)
    assert np.abs(drops[:, 4 : STEPS - 7]).max() > 1e-3  # bands over ink do change the output
    with pytest.raises(ValueError, match="band"):
        occlusion_drop(model, images, band=0)


# --- figures ----------------------------------------------------------------------------------------


def assert_titled_and_labelled(fig):
    """Every panel has a title; every panel with ticks has both axis labels; colour bars are labelled."""
    assert fig.axes, "the figure has no axes"
    for ax in fig.axes:
        colorbar = getattr(ax, "_colorbar", None)
        if colorbar is not None:
            assert ax.get_ylabel() or ax.get_xlabel(), "unlabelled colour bar"
            continue
        if not ax.get_visible() or not ax.axison:
            assert ax.get_title(), "thumbnail without a title"
            continue
        assert ax.get_title(), f"panel without a title: {ax}"
        if len(ax.get_xticks()) or len(ax.get_yticks()):
            assert ax.get_xlabel() and ax.get_ylabel(), f"panel {ax.get_title()!r} lacks an axis label"


def test_every_figure_has_titles_and_labels(model, images, states):
    rng = np.random.default_rng(5)
    labels = np.arange(BATCH) % 3
    titles = [f"image {k}" for k in range(BATCH)]
    orders = np.stack([peak_time_order(h) for h in states["h"]])
    probabilities = step_probabilities(model, states["h"])
    final = states["h"][:, -1]
    pca = fit_pca(final)
    means = rng.uniform(-1, 1, size=(10, UNITS))
    drops, starts = occlusion_drop(model, images[:2], band=4)
    figures = [
        inspection_plots.plot_states(images[:2], states["h"][:2], states["c"][:2], titles[:2], orders[:2]),
        inspection_plots.plot_gates(images[0], {g: states[g][0] for g in "ifo"}, titles[0], orders[0]),
        inspection_plots.plot_gate_timecourse(states),
        inspection_plots.plot_gate_saturation({g: gate_saturation(states[g]) for g in "ifo"}),
        inspection_plots.plot_decision(
            images[:2], probabilities[:2], titles[:2], settle=settle_step(probabilities.argmax(-1))[:2]
        ),
        inspection_plots.plot_accuracy_by_step(accuracy_by_step(probabilities, labels), BATCH),
        inspection_plots.plot_settle_steps(settle_step(probabilities.argmax(-1)), labels),
        inspection_plots.plot_pca_states(pca.project(final), labels, pca),
        inspection_plots.plot_trajectories(
            pca.project(final), labels, pca, pca.project(states["h"][:2]), labels[:2]
        ),
        inspection_plots.plot_class_unit_means(
            means, preferred_class_order(means), selectivity(means).argmax(0)
        ),
        inspection_plots.plot_top_units(
            images, final, np.arange(3), np.array([[0, 1], [2, 3], [4, 5]]), labels
        ),
        inspection_plots.plot_saliency(images[:2], saliency(model, images[:2]), titles[:2]),
        inspection_plots.plot_occlusion(images[:2], drops, starts, 4, titles[:2]),
    ]
    for fig in figures:
        assert isinstance(fig, plt.Figure)
        assert_titled_and_labelled(fig)


def test_state_heatmaps_use_a_diverging_map_centred_at_zero(images, states):
    fig = inspection_plots.plot_states(images[:1], states["h"][:1], states["c"][:1], ["x"])
    heatmaps = [ax.images[0] for ax in fig.axes if ax.images and ax.images[0].get_cmap().name == "RdBu_r"]
    assert len(heatmaps) == 2  # h and c
    for image in heatmaps:
        low, high = image.get_clim()
        assert high > 0 and low == -high


def test_plots_reject_mismatched_inputs(images, states):
    with pytest.raises(ValueError, match="same n digits"):
        inspection_plots.plot_states(images[:2], states["h"][:3], states["c"][:3], ["a", "b"])
    with pytest.raises(ValueError, match="missing"):
        inspection_plots.plot_gates(images[0], {"i": states["i"][0]}, "x")
