"""Notebook 04's pieces (utils.inside_the_lstm.taught) and its figures (utils.inside_the_lstm.figures).

Small inputs and a small random model with the notebook's architecture: every piece is checked against an
independent computation (the hand-written LSTM of notebook 03, finite differences, a band blanked by hand,
data with known principal directions).
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

import utils  # noqa: E402

utils.silence_tensorflow()

import keras  # noqa: E402

from utils.inside_the_lstm import figures  # noqa: E402
from utils.inside_the_lstm.figures import peak_time_order, preferred_class_order
from utils.inside_the_lstm.taught import (
    PCA,
    fit_pca,
    gate_saturation,
    occlusion_drop,
    saliency,
    selectivity,
    settle_step,
    states_and_gates,
    step_probabilities,
)
from utils.lstm_classifier.helpers import lstm_weights
from utils.lstm_classifier.taught import (  # noqa: E402
    build_inspection_model,
    build_row_lstm,
    lstm_unroll,  # noqa: E402
)

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


def hand_written_states(model, images):
    """What notebook 04's states cell computes: the input projection, then notebook 03's lstm_unroll."""
    projection_kernel, projection_bias = model.get_layer("input_projection").get_weights()
    return lstm_unroll(images @ projection_kernel + projection_bias, *lstm_weights(model.get_layer("lstm")))


@pytest.fixture(scope="module")
def states(model, images):
    return {key: value.astype("float32") for key, value in hand_written_states(model, images).items()}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def as_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


# --- the inspection model ---------------------------------------------------------------------------


def test_inspection_model_equals_the_hand_written_lstm_at_every_step(model, images, states):
    outputs = build_inspection_model(model).predict(images, verbose=0)
    assert outputs["lstm_outputs"].shape == (BATCH, STEPS, UNITS)
    assert outputs["final_c"].shape == (BATCH, UNITS)
    assert min(np.std(states[gate]) for gate in "ifo") > 0.1  # gates really spread, not all ~0.5
    assert np.max(np.abs(outputs["lstm_outputs"] - states["h"])) < TOLERANCE
    assert np.max(np.abs(outputs["final_c"] - states["c"][:, -1])) < TOLERANCE
    np.testing.assert_allclose(outputs["logits"], as_numpy(model(images)), atol=TOLERANCE)


def test_inspection_model_follows_the_trained_weights(model, images):
    """No copies: the inspection model has no weights of its own and follows changes to the model's."""
    copy = build_row_lstm()
    copy.set_weights(model.get_weights())
    inspect = build_inspection_model(copy)
    assert {id(w) for w in inspect.weights} == {id(w) for w in copy.weights}
    before = as_numpy(inspect(images)["lstm_outputs"])
    lstm = copy.get_layer("lstm")
    kernel, recurrent_kernel, bias = lstm.get_weights()
    lstm.set_weights([kernel, recurrent_kernel, bias + 1.0])
    after = as_numpy(inspect(images)["lstm_outputs"])
    assert np.max(np.abs(after - before)) > 1e-2
    assert np.max(np.abs(after - hand_written_states(copy, images)["h"])) < TOLERANCE


def test_inspection_model_works_for_any_number_of_rows(model, images):
    any_length = build_row_lstm(steps=None)
    any_length.set_weights(model.get_weights())
    outputs = build_inspection_model(any_length).predict(images[:, :10], verbose=0)
    assert outputs["lstm_outputs"].shape == (BATCH, 10, UNITS)
    full = build_inspection_model(model).predict(images, verbose=0)
    np.testing.assert_allclose(outputs["lstm_outputs"], full["lstm_outputs"][:, :10], atol=TOLERANCE)


def test_states_and_gates_is_the_hand_written_lstm_in_chunks(model, images, states):
    """The notebook's states_and_gates: the trained weights read by Keras's get_weights, notebook 03's unroll
    passed in, the images in chunks (here 4 + 2); only the arrays asked for."""
    by_chunks = states_and_gates(model, images, lstm_unroll, keep=("h", "f"), batch_size=4)
    assert set(by_chunks) == {"h", "f"}
    for key, value in by_chunks.items():
        assert value.shape == (BATCH, STEPS, UNITS) and value.dtype == np.float32
        assert np.max(np.abs(value - states[key])) < TOLERANCE
    with pytest.raises(ValueError, match=r"expected images \(n, rows, cols\), got shape \(28, 28\)"):
        states_and_gates(model, images[0], lstm_unroll)


# --- the per-row readout ----------------------------------------------------------------------------


def test_step_probabilities_last_step_is_the_models_prediction(model, images, states):
    probabilities = step_probabilities(model.get_layer("logits"), states["h"])
    assert probabilities.shape == (BATCH, STEPS, 10)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)
    expected = as_numpy(keras.ops.softmax(model(images)))
    assert np.max(np.abs(probabilities[:, -1] - expected)) < TOLERANCE


def test_step_probabilities_after_t_rows_is_the_model_on_the_first_t_rows(model, images, states):
    """The readout after row t answers "what if the image ended here?": the model fed only t rows."""
    any_length = build_row_lstm(steps=None)
    any_length.set_weights(model.get_weights())
    probabilities = step_probabilities(model.get_layer("logits"), states["h"])
    for t in (1, 9, 20):
        expected = as_numpy(keras.ops.softmax(any_length(images[:, :t])))
        assert np.max(np.abs(probabilities[:, t - 1] - expected)) < TOLERANCE


def test_step_probabilities_is_softmax_of_h_w_plus_b(model, states):
    kernel, bias = model.get_layer("logits").get_weights()
    logits = states["h"].astype("float64") @ kernel + bias
    expected = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(
        step_probabilities(model.get_layer("logits"), states["h"]), expected, atol=1e-6
    )


def test_step_probabilities_rejects_one_sequence_without_batch_axis(model, states):
    with pytest.raises(ValueError, match=r"\(n, steps, units\)"):
        step_probabilities(model.get_layer("logits"), states["h"][0])


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


# --- gate saturation, unit order, PCA, selectivity ---------------------------------------------------


def test_gate_saturation_is_exact_on_a_tiny_array():
    gate = np.array(
        [[[0.05, 0.5], [0.5, 0.95]], [[0.95, 0.99], [0.1, 0.9]]]
    )  # (n=2, steps=2, units=2); 0.1 and 0.9 are not saturated
    closed, open_ = gate_saturation(gate)
    np.testing.assert_array_equal(closed, [0.25, 0.0])
    np.testing.assert_array_equal(open_, [0.25, 0.5])
    closed, open_ = gate_saturation(gate, low=0.6, high=0.96)
    np.testing.assert_array_equal(closed, [0.75, 0.25])
    np.testing.assert_array_equal(open_, [0.0, 0.25])
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
    assert isinstance(pca, PCA)
    np.testing.assert_allclose(pca.mean, [5.0, -1.0, 2.0], atol=1e-12)
    np.testing.assert_allclose(pca.explained_variance_ratio, [9 / 14, 4 / 14])
    np.testing.assert_allclose(pca.components @ pca.components.T, np.eye(2), atol=1e-12)
    for k in range(2):
        assert abs(abs(pca.components[k] @ rotation[:, k]) - 1) < 1e-12
        assert pca.components[k][np.abs(pca.components[k]).argmax()] > 0  # sign convention
    projected = pca.project(data)
    np.testing.assert_allclose(np.abs(projected[0]), [3.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(np.abs(projected[1]), [0.0, 2.0], atol=1e-12)
    assert pca.project(np.stack([data, data])).shape == (2, 6, 2)  # trajectories (k, steps, 2)
    with pytest.raises(ValueError, match="n_components"):
        fit_pca(data, n_components=4)
    with pytest.raises(ValueError, match=r"\(n, features\)"):
        fit_pca(data[0])


def test_selectivity_and_the_preferred_class_order():
    final_hidden = np.array([[1.0, 0.0, 0.5], [0.8, 0.2, 0.5], [0.0, 1.0, 0.5], [0.1, 0.9, 0.4]])
    labels = np.array([0, 0, 1, 1])
    means = np.stack([final_hidden[labels == c].mean(axis=0) for c in range(2)])
    np.testing.assert_allclose(means, [[0.9, 0.1, 0.5], [0.05, 0.95, 0.45]])
    np.testing.assert_allclose(selectivity(means), [[0.85, -0.85, 0.05], [-0.85, 0.85, -0.05]])
    np.testing.assert_array_equal(preferred_class_order(means), [0, 2, 1])
    # a unit that is equally on for every class is selective for none
    np.testing.assert_allclose(selectivity(np.full((4, 2), 0.7)), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="classes >= 2"):
        selectivity(means[:1])


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


def test_saliency_class_index_none_int_or_one_per_image(model, images):
    predicted = _logits(model, images[:3]).argmax(axis=-1)
    np.testing.assert_allclose(
        saliency(model, images[:3], class_index=predicted), saliency(model, images[:3])
    )
    one_class = saliency(model, images[:3], class_index=4)
    for n in range(3):  # each image's map is its own, as if it were alone in the batch
        np.testing.assert_allclose(
            one_class[n], saliency(model, images[n : n + 1], class_index=4)[0], rtol=1e-5, atol=1e-7
        )
    with pytest.raises(ValueError, match=r"x\[None\]"):
        saliency(model, images[0])


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
    drops = occlusion_drop(model, images[:3], band=3)
    assert drops.shape == (3, STEPS - 3 + 1)
    # the first and last 4 rows are already blank: blanking them again changes nothing
    for start in (0, 1, STEPS - 3):
        np.testing.assert_allclose(drops[:, start], 0, atol=1e-6)
    assert np.abs(drops[:, 4 : STEPS - 7]).max() > 1e-3  # bands over ink do change the output
    assert occlusion_drop(model, images[:2], band=STEPS).shape == (2, 1)
    with pytest.raises(ValueError, match="band"):
        occlusion_drop(model, images, band=0)
    with pytest.raises(ValueError, match=r"\(n, rows, cols\)"):
        occlusion_drop(model, images[0])


def test_occlusion_drop_equals_blanking_the_band_by_hand(model, images):
    """Column s of the result is the band of rows s + 1 .. s + band (numbered from 1)."""
    band, start = 4, 9  # rows 10-13
    drops = occlusion_drop(model, images[:3], band=band)
    intact = as_numpy(keras.ops.softmax(model(images[:3])))
    blanked = images[:3].copy()
    blanked[:, start : start + band] = 0
    after = as_numpy(keras.ops.softmax(model(blanked)))
    predicted = intact.argmax(axis=-1)
    expected = intact[np.arange(3), predicted] - after[np.arange(3), predicted]
    np.testing.assert_allclose(drops[:, start], expected, atol=1e-5)


# --- figures ----------------------------------------------------------------------------------------


def assert_titled_and_labelled(fig):
    """Every panel has a title; every panel with ticks has both axis labels; colour bars are labelled."""
    assert fig.axes, "the figure has no axes"
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
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
    probabilities = step_probabilities(model.get_layer("logits"), states["h"])
    accuracy = (probabilities.argmax(-1) == labels[:, None]).mean(axis=0)
    final = states["h"][:, -1]
    pca = fit_pca(final)
    means = rng.uniform(-1, 1, size=(10, UNITS))
    drops = occlusion_drop(model, images[:2], band=4)
    drawn = [
        figures.plot_states(images[:2], states["h"][:2], states["c"][:2], titles[:2], orders[:2]),
        figures.plot_gates(images[0], {g: states[g][0] for g in "ifo"}, titles[0], orders[0]),
        figures.plot_gate_timecourse(states),
        figures.plot_gate_saturation({g: gate_saturation(states[g]) for g in "ifo"}),
        figures.plot_decision(
            images[:2], probabilities[:2], titles[:2], settle=settle_step(probabilities.argmax(-1))[:2]
        ),
        figures.plot_accuracy_by_step(accuracy, BATCH),
        figures.plot_settle_steps(settle_step(probabilities.argmax(-1)), labels),
        figures.plot_pca_states(pca.project(final), labels, pca),
        figures.plot_trajectories(pca.project(final), labels, pca, pca.project(states["h"][:2]), labels[:2]),
        figures.plot_class_unit_means(means, preferred_class_order(means), selectivity(means).argmax(0)),
        figures.plot_top_units(images, final, np.arange(3), np.array([[0, 1], [2, 3], [4, 5]]), labels),
        figures.plot_saliency(images[:2], saliency(model, images[:2]), titles[:2]),
        figures.plot_occlusion(images[:2], drops, 4, titles[:2]),
    ]
    for fig in drawn:
        assert isinstance(fig, plt.Figure)
        assert_titled_and_labelled(fig)


def test_every_class_has_its_own_colour_unlike_other_classes():
    colours = [mcolors.to_hex(c) for c in figures.CLASS_COLOURS]
    assert len(colours) == 10 and len(set(colours)) == 10
    other = mcolors.to_rgb(figures._OTHER_CLASSES)
    for colour in figures.CLASS_COLOURS:
        assert np.abs(np.subtract(mcolors.to_rgb(colour), other)).max() > 0.3, colour


def test_decision_legend_names_every_answered_class_in_its_colour_and_other_classes_in_grey():
    """Class 7 among the answers: drawn in its own colour, not in the grey of "other classes"."""
    probabilities = np.full((1, STEPS, 10), 0.01)
    probabilities[0, :, 1] = 0.2  # the answer for the first rows
    for c, rows, peak in ((7, slice(15, None), 0.9), (2, slice(5, 10), 0.6), (5, slice(10, 15), 0.4)):
        probabilities[0, rows, c] = peak
    probabilities[0, :, 3] = 0.15  # never the answer: an "other class", although fairly probable
    fig = figures.plot_decision(np.zeros((1, STEPS, FEATURES)), probabilities, ["x"], settle=[16])
    legend = fig.axes[-1].get_legend()
    entries = {text.get_text(): handle for text, handle in zip(legend.get_texts(), legend.legend_handles)}
    assert list(entries) == ["other classes", "class 1", "class 2", "class 5", "class 7", "settled at row 16"]
    for c in (1, 2, 5, 7):
        assert mcolors.to_hex(entries[f"class {c}"].get_color()) == mcolors.to_hex(figures.CLASS_COLOURS[c])
    assert mcolors.to_hex(entries["other classes"].get_color()) == mcolors.to_hex(figures._OTHER_CLASSES)
    other_lines = [line for line in fig.axes[-1].get_lines() if line.get_linewidth() < 1]
    assert len(other_lines) == 6  # the ten classes minus the four answers
    # colour is not the only cue: each answer has its own marker and is written at its line's peak
    assert len({entries[f"class {c}"].get_marker() for c in (1, 2, 5, 7)}) == 4
    assert sorted(text.get_text() for text in fig.axes[-1].texts) == ["1", "2", "5", "7"]


def test_state_heatmaps_use_a_diverging_map_centred_at_zero(images, states):
    fig = figures.plot_states(images[:1], states["h"][:1], states["c"][:1], ["x"])
    heatmaps = [ax.images[0] for ax in fig.axes if ax.images and ax.images[0].get_cmap().name == "RdBu_r"]
    assert len(heatmaps) == 2  # h and c
    for image in heatmaps:
        low, high = image.get_clim()
        assert high > 0 and low == -high


def test_plots_reject_mismatched_inputs(images, states):
    with pytest.raises(ValueError, match="same n digits"):
        figures.plot_states(images[:2], states["h"][:3], states["c"][:3], ["a", "b"])
    with pytest.raises(ValueError, match="missing"):
        figures.plot_gates(images[0], {"i": states["i"][0]}, "x")
    with pytest.raises(ValueError, match="rows - band"):
        figures.plot_occlusion(images[:2], np.zeros((2, STEPS - 3)), 3, ["a", "b"])


def test_new_section_figures_have_titles_and_labels(model, images, states):
    labels = np.arange(BATCH) % 3
    titles = [f"image {k}" for k in range(BATCH)]
    kernel = model.get_layer("logits").get_weights()[0]
    silenced = [0, 4, 8]
    drawn = [
        figures.plot_states(
            images[:2], states["h"][:2], states["c"][:2], titles[:2], peak_time_order(states["h"][:2])
        ),
        figures.plot_unit_traces({k: states[k][:2] for k in "hcifo"}, [0, 3], labels[:2], titles[:2]),
        figures.plot_readout(kernel, np.arange(UNITS), silenced, [0.9, 0.8, 0.5], np.full((3, 3), 0.85)),
    ]
    for fig in drawn:
        assert_titled_and_labelled(fig)
    assert drawn[0].axes[1].get_xlabel() == "unit (one order for all digits)"


def test_state_heatmaps_share_one_colour_scale_for_c_across_digits(images, states):
    cell = np.stack([states["c"][0], 5 * states["c"][0]])  # the second digit's c five times larger
    fig = figures.plot_states(images[:2], states["h"][:2], cell, ["small", "large"])
    limits = [fig.axes[i].get_images()[0].get_clim() for i in (2, 5)]  # c panels of the two digits
    assert limits[0] == limits[1]


def test_unit_traces_refuse_states_without_a_gate(states):
    with pytest.raises(ValueError, match="states lacks 'o'"):
        figures.plot_unit_traces({k: states[k] for k in "hcif"}, [0], [0] * BATCH, ["x"] * BATCH)


def test_accuracy_without_units_silences_their_terms(model, states):
    from utils.inside_the_lstm.taught import accuracy_without_units

    readout = model.get_layer("logits")
    kernel, bias = readout.get_weights()
    final = states["h"][:, -1]
    labels = np.argmax(final @ kernel + bias, axis=1)  # the readout's own answers: accuracy 1 with every unit
    assert accuracy_without_units(readout, final, labels, []) == 1.0
    silenced = [0, 5, 7]
    zeroed = final.copy()
    zeroed[:, silenced] = 0
    expected = np.mean(np.argmax(zeroed @ kernel + bias, axis=1) == labels)
    assert accuracy_without_units(readout, final, labels, silenced) == pytest.approx(expected)
    all_silenced = accuracy_without_units(readout, final, labels, np.arange(kernel.shape[0]))
    assert all_silenced == np.mean(np.argmax(bias) == labels)  # only the biases are left
