"""Looking inside the trained row-LSTM: states, gates, per-step decisions, geometry, saliency.

Used by notebook 04 ("Inside the LSTM"); the figures for these numbers are in
``utils.inspection_plots``. Everything here works on numpy arrays, except the two functions
that need gradients or forward passes of the Keras model (``saliency``, ``occlusion_drop``).

The states and gates come from the hand-written cell in ``utils.lstm`` (notebook 03) run with the
trained weights, so every number in notebook 04 is computed by code a reader has seen line by line.
``tests/test_inspection.py`` checks that those states equal Keras's own LSTM output.
"""

from dataclasses import dataclass

import numpy as np

from utils.lstm import lstm_unroll, lstm_weights
from utils.model import row_lstm_layer

#: The arrays ``states_and_gates`` can return: hidden state, cell state and the four gate activations.
STATE_KEYS = ("h", "c", "i", "f", "g", "o")


def _check_batch(images, features, where):
    """Return ``images`` as a float32 array (n, steps, features) or raise a clear error."""
    images = np.asarray(images, dtype="float32")
    if images.ndim != 3 or images.shape[-1] != features:
        hint = " (for a single image use images[None])" if images.ndim == 2 else ""
        raise ValueError(
            f"{where}: expected a batch of row sequences of shape (n, steps, {features}), "
            f"got shape {images.shape}{hint}"
        )
    if len(images) == 0:
        raise ValueError(f"{where}: got an empty batch (0 sequences); pass at least one image")
    return images


def states_and_gates(model, images, keep=STATE_KEYS, batch_size=1000):
    """Hidden/cell states and gate activations of the model's LSTM for every image and row.

    The rows are first passed through the model's linear ``input_projection`` layer, then through
    the hand-written cell ``utils.lstm.lstm_unroll`` with the trained LSTM weights.
    Returns a dict with the requested ``keep`` keys among "h", "c", "i", "f", "g", "o", each a
    float32 numpy array (n, steps, units). Works in chunks of ``batch_size`` images so that the whole
    test set fits in memory when only a few keys are kept (all six for 10,000 images need ~0.9 GB).
    Used by notebook 04, sections 1-5.
    """
    keep = tuple(keep)
    unknown = [key for key in keep if key not in STATE_KEYS]
    if not keep or unknown:
        raise ValueError(f"states_and_gates: keep must be a non-empty subset of {STATE_KEYS}, got {keep}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"states_and_gates: batch_size must be a positive int, got {batch_size!r}")
    projection_kernel, projection_bias = row_lstm_layer(
        model, "input_projection", "states_and_gates"
    ).get_weights()
    kernel, recurrent_kernel, bias = lstm_weights(row_lstm_layer(model, "lstm", "states_and_gates"))
    images = _check_batch(images, projection_kernel.shape[0], "states_and_gates")

    chunks = {key: [] for key in keep}
    for start in range(0, len(images), batch_size):
        projected = images[start : start + batch_size] @ projection_kernel + projection_bias
        # float32 like Keras: half the memory and time of the float64 default, still equal to 1e-6
        unrolled = lstm_unroll(projected, kernel, recurrent_kernel, bias, dtype=np.float32)
        for key in keep:
            chunks[key].append(np.asarray(unrolled[key], dtype="float32"))
    return {key: np.concatenate(parts) for key, parts in chunks.items()}


def softmax(logits, axis=-1):
    """Numerically stable softmax along ``axis`` (numpy). Used by ``step_probabilities``."""
    logits = np.asarray(logits, dtype="float64")
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return (shifted / shifted.sum(axis=axis, keepdims=True)).astype("float32")


def step_probabilities(model, hidden):
    """Class probabilities after every row: the output layer "logits" applied to each h_t, then softmax.

    ``hidden`` is (n, steps, units) from ``states_and_gates``; returns (n, steps, classes).
    The last step is exactly what the model predicts; earlier steps answer "what would the model
    say if the image ended here?". Used by notebook 04, section 3.
    """
    kernel, bias = row_lstm_layer(model, "logits", "step_probabilities").get_weights()
    hidden = _check_batch(hidden, kernel.shape[0], "step_probabilities")
    return softmax(hidden @ kernel + bias)


def accuracy_by_step(probabilities, labels):
    """Fraction of correct argmax predictions after each row: (n, steps, classes), (n,) -> (steps,).

    Used by notebook 04, section 3 ("accuracy vs rows read").
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if probabilities.ndim != 3 or labels.shape != probabilities.shape[:1]:
        raise ValueError(
            f"accuracy_by_step: expected probabilities (n, steps, classes) and labels (n,), "
            f"got {probabilities.shape} and {labels.shape}"
        )
    return (probabilities.argmax(axis=-1) == labels[:, None]).mean(axis=0)


def settle_step(predictions):
    """Rows read before the prediction stops changing: the first t after which argmax never changes.

    ``predictions`` is an int array (n, steps) of predicted classes after 1, 2, ..., steps rows
    (e.g. ``step_probabilities(...).argmax(-1)``). Returns an int array (n,) with values in
    1..steps: t means "from row t on, the prediction is already the final one". A sequence whose
    prediction never changes settles at 1; one that changes at the last row settles at ``steps``.
    Used by notebook 04, section 3.
    """
    predictions = np.asarray(predictions)
    if predictions.ndim != 2 or predictions.shape[1] < 1:
        raise ValueError(f"settle_step: expected predictions of shape (n, steps), got {predictions.shape}")
    differs = predictions != predictions[:, -1:]
    steps = predictions.shape[1]
    # index of the last step that still differs from the final prediction (-1 if none)
    last_differs = np.where(differs.any(axis=1), steps - 1 - np.argmax(differs[:, ::-1], axis=1), -1)
    return last_differs + 2  # the 1-based row just after it; never-changing sequences settle at 1


def gate_saturation(gate, low=0.1, high=0.9):
    """Karpathy-style saturation: per unit, the fraction of (image, step) pairs with gate < low / > high.

    ``gate`` is (n, steps, units) with values in [0, 1] (e.g. ``states_and_gates(...)["f"]``).
    Returns ``(left, right)``, two float arrays (units,): the fraction of time each unit is
    left-saturated (< low, "closed") and right-saturated (> high, "open").
    Used by notebook 04, section 2.
    """
    gate = np.asarray(gate)
    if gate.ndim != 3:
        raise ValueError(f"gate_saturation: expected a gate array (n, steps, units), got shape {gate.shape}")
    if not 0 <= low < high <= 1:
        raise ValueError(f"gate_saturation: need 0 <= low < high <= 1, got low={low}, high={high}")
    flat = gate.reshape(-1, gate.shape[-1])
    return (flat < low).mean(axis=0), (flat > high).mean(axis=0)


def peak_time_order(activity):
    """Unit order for heatmaps: sorted by the step at which each unit's |activity| peaks.

    ``activity`` is (steps, units), e.g. one digit's h_t, or (n, steps, units), in which case the
    mean |activity| over the n sequences is used. Ties (same peak step) are broken by the sign of
    the activity at the peak (negative first), then by the peak size (largest first), so units that
    switch on together and in the same direction end up next to each other.
    Returns an int array (units,) of unit indices. Used by notebook 04, sections 1-2.
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


@dataclass(frozen=True)
class PCA:
    """A principal-component basis fitted with numpy's SVD (see ``fit_pca``)."""

    mean: np.ndarray  #: (features,) the mean that is subtracted before projecting
    components: np.ndarray  #: (k, features) orthonormal directions, largest variance first
    explained_variance_ratio: np.ndarray  #: (k,) share of the total variance along each direction

    def project(self, x):
        """Coordinates of ``x`` (..., features) in the component basis: (..., k)."""
        x = np.asarray(x)
        if x.shape[-1] != self.mean.shape[0]:
            raise ValueError(
                f"PCA.project: expected (..., {self.mean.shape[0]}) features, got shape {x.shape}"
            )
        return (x - self.mean) @ self.components.T


def fit_pca(x, n_components=2):
    """Principal components of ``x`` (n, features) via ``np.linalg.svd``; returns a ``PCA``.

    Signs are fixed (each component's largest loading is positive) so figures are reproducible.
    Used by notebook 04, section 4: fitted on the final hidden states of the test set, then used to
    project whole h_t trajectories into the same plane.
    """
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"fit_pca: expected at least 2 samples of shape (n, features), got {x.shape}")
    if not isinstance(n_components, int) or not 1 <= n_components <= min(x.shape):
        raise ValueError(f"fit_pca: n_components must be an int in 1..{min(x.shape)}, got {n_components!r}")
    mean = x.mean(axis=0)
    _, singular_values, vt = np.linalg.svd(x - mean, full_matrices=False)
    components = vt[:n_components]
    signs = np.sign(components[np.arange(n_components), np.abs(components).argmax(axis=1)])
    variance = singular_values**2
    return PCA(
        mean=mean,
        components=components * signs[:, None],
        explained_variance_ratio=variance[:n_components] / variance.sum(),
    )


def class_mean_activation(final_hidden, labels, num_classes=10):
    """Mean final hidden state per class: (n, units), (n,) -> (num_classes, units).

    Used by notebook 04, section 5 (unit selectivity heatmap).
    """
    final_hidden = np.asarray(final_hidden)
    labels = np.asarray(labels)
    if final_hidden.ndim != 2 or labels.shape != final_hidden.shape[:1]:
        raise ValueError(
            f"class_mean_activation: expected final_hidden (n, units) and labels (n,), "
            f"got {final_hidden.shape} and {labels.shape}"
        )
    missing = [c for c in range(num_classes) if not np.any(labels == c)]
    if missing:
        raise ValueError(f"class_mean_activation: no examples of class(es) {missing}; use a larger sample")
    return np.stack([final_hidden[labels == c].mean(axis=0) for c in range(num_classes)])


def selectivity(class_means):
    """How much more a unit fires for one class than for the others: (classes, units) -> same shape.

    Selectivity of unit u for class c = its mean final activation for c minus its average over the
    other classes' means, so a unit that is high for every digit does not count as selective.
    Used by ``top_units_per_class`` and ``preferred_class_order`` (notebook 04, section 5).
    """
    class_means = np.asarray(class_means, dtype="float64")
    if class_means.ndim != 2 or class_means.shape[0] < 2:
        raise ValueError(f"selectivity: expected class_means (classes >= 2, units), got {class_means.shape}")
    classes = class_means.shape[0]
    others = (class_means.sum(axis=0, keepdims=True) - class_means) / (classes - 1)
    return class_means - others


def top_units_per_class(class_means, k=3):
    """The k most selective units per class (see ``selectivity``): (classes, units) -> int (classes, k).

    Used by notebook 04, section 5.
    """
    scores = selectivity(class_means)
    if not isinstance(k, int) or not 1 <= k <= scores.shape[1]:
        raise ValueError(f"top_units_per_class: k must be an int in 1..{scores.shape[1]}, got {k!r}")
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def preferred_class_order(class_means):
    """Unit order for the class x unit heatmap: grouped by preferred class, most selective first.

    A unit's preferred class is the one it is most selective for (see ``selectivity``).
    Returns an int array (units,). Used by notebook 04, section 5.
    """
    scores = selectivity(class_means)
    preferred = scores.argmax(axis=0)
    strength = scores.max(axis=0)
    return np.lexsort((-strength, preferred))


def most_exciting(final_hidden, unit, n=5):
    """Indices of the ``n`` images whose final hidden state is largest for ``unit`` (largest first).

    Used by notebook 04, section 5 ("the digits that excite a unit most").
    """
    final_hidden = np.asarray(final_hidden)
    if final_hidden.ndim != 2 or not 0 <= unit < final_hidden.shape[1]:
        raise ValueError(
            f"most_exciting: expected final_hidden (n, units) and 0 <= unit < units, "
            f"got {final_hidden.shape} and unit={unit}"
        )
    return np.argsort(-final_hidden[:, unit], kind="stable")[:n]


def saliency(model, images, class_index=None):
    """Gradient of a class logit with respect to every input pixel: (n, rows, cols).

    ``class_index`` is None (use each image's predicted class), an int, or an int array (n,).
    Positive values: brightening that pixel would raise the logit. Uses ``tf.GradientTape``.
    Used by notebook 04, section 6.
    """
    import tensorflow as tf

    images = _check_batch(images, model.input_shape[-1], "saliency")
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x, training=False)
        if class_index is None:
            chosen = tf.argmax(logits, axis=-1)
        else:
            chosen = np.broadcast_to(np.asarray(class_index, dtype="int64"), (len(images),))
        # each image's logit depends only on that image, so the gradient of the sum is per-image
        target = tf.reduce_sum(tf.gather(logits, chosen, axis=1, batch_dims=1))
    return tape.gradient(target, x).numpy()


def occlusion_drop(model, images, band=3):
    """Confidence drop when a band of ``band`` rows is blanked (set to 0), for every band position.

    For each image the class is the one predicted on the intact image. Returns
    ``(drops, starts)``: drops (n, positions) = p(class | intact) - p(class | rows
    start..start+band-1 blanked), and starts (positions,) = first row of each band (0-based).
    Positive drop: those rows mattered for the decision. Used by notebook 04, section 6.
    """
    images = _check_batch(images, model.input_shape[-1], "occlusion_drop")
    n, rows, _ = images.shape
    if not isinstance(band, int) or not 1 <= band <= rows:
        raise ValueError(f"occlusion_drop: band must be an int in 1..{rows}, got {band!r}")
    starts = np.arange(rows - band + 1)
    occluded = np.repeat(images[:, None], len(starts), axis=1)  # (n, positions, rows, cols)
    for position, start in enumerate(starts):
        occluded[:, position, start : start + band] = 0.0
    batch = np.concatenate([images, occluded.reshape(-1, *images.shape[1:])])
    probabilities = softmax(np.asarray(model.predict(batch, batch_size=256, verbose=0)))
    predicted = probabilities[:n].argmax(axis=-1)
    base = probabilities[np.arange(n), predicted]
    after = probabilities[n:].reshape(n, len(starts), -1)
    after = np.take_along_axis(after, predicted[:, None, None], axis=2)[..., 0]
    return base[:, None] - after, starts
