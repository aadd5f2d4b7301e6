"""Looking inside the trained row-LSTM (notebook 04): per-row readout, settle step,
gate saturation, PCA, selectivity, gradient saliency and occlusion.

The functions marked "Taught in" are written out in notebook 04, in the cell that teaches them (a cell
starting with ``# @save utils.inspection``); this module keeps the same code for the unit tests
(tests/test_inspection.py). The other two functions are plotting helpers: unit orders for the heatmaps
of ``utils.inspection_plots``.
"""

from dataclasses import dataclass

import numpy as np

import utils

utils.silence_tensorflow()

import keras
import tensorflow as tf


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
def gate_saturation(gate, low=0.1, high=0.9):
    """Per unit: the share of (image, row) pairs in which a gate is nearly closed (< low) / open (> high).

    gate: activations (n, steps, units) in [0, 1]. Returns (closed, open), two arrays (units,).
    """
    gate = np.asarray(gate)
    if gate.ndim != 3:
        raise ValueError(f"gate_saturation: expected activations (n, steps, units), got shape {gate.shape}")
    return (gate < low).mean(axis=(0, 1)), (gate > high).mean(axis=(0, 1))


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
def step_probabilities(output_layer, hidden_states):
    """What the model would answer after every row: softmax(h_t W + b) of its output layer, for every h_t.

    output_layer: the trained Dense layer that reads the last h_t (model.get_layer("logits"));
    hidden_states: (n, steps, units). Returns (n, steps, classes); the last step is the model's answer.
    """
    hidden_states = np.asarray(hidden_states, dtype="float32")
    if hidden_states.ndim != 3:
        raise ValueError(
            f"step_probabilities: expected hidden states (n, steps, units), got shape {hidden_states.shape}"
        )
    logits = output_layer(hidden_states)  # a Dense layer acts on the last axis: all steps at once
    return keras.ops.convert_to_numpy(keras.ops.softmax(logits))


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
def settle_step(predictions):
    """The row from which on the answer no longer changes: predictions (n, steps) -> (n,), rows 1..steps.

    predictions[k, t - 1] is image k's predicted class after t rows. Never changing = settled at row 1.
    """
    predictions = np.asarray(predictions)
    if predictions.ndim != 2:
        raise ValueError(f"settle_step: expected predictions (n, steps), got shape {predictions.shape}")
    steps = predictions.shape[1]
    changed = predictions != predictions[:, -1:]  # answers that differ from the final one
    final_run = np.where(changed.any(axis=1), np.argmax(changed[:, ::-1], axis=1), steps)
    return steps - final_run + 1


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
@dataclass(frozen=True)
class PCA:
    """Principal components: the data's mean, orthonormal directions and their shares of the variance."""

    mean: np.ndarray  # (features,)
    components: np.ndarray  # (k, features), largest variance first
    explained_variance_ratio: np.ndarray  # (k,)

    def project(self, x):
        """Coordinates of x (..., features) along the components: (..., k)."""
        return (np.asarray(x) - self.mean) @ self.components.T


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
def fit_pca(x, n_components=2):
    """PCA of x (n, features) by numpy's SVD of the centred data; signs fixed for reproducible plots."""
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2 or not 1 <= n_components <= min(x.shape):
        raise ValueError(
            f"fit_pca: expected data (n, features) and 1 <= n_components <= min(n, features), "
            f"got shape {x.shape} and n_components={n_components}"
        )
    mean = x.mean(axis=0)
    _, singular_values, vt = np.linalg.svd(x - mean, full_matrices=False)
    components = vt[:n_components]
    largest = components[np.arange(n_components), np.abs(components).argmax(axis=1)]
    components = components * np.sign(largest)[:, None]  # a direction's sign is arbitrary: fix it
    variance = singular_values**2
    return PCA(mean, components, variance[:n_components] / variance.sum())


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
def selectivity(class_means):
    """How much more each unit is on for one class than for the others: (classes, units) -> same shape.

    class_means[c, u]: unit u's mean activation over the images of class c. Selectivity = that minus
    the average of unit u's means for the other classes.
    """
    class_means = np.asarray(class_means, dtype="float64")
    if class_means.ndim != 2 or len(class_means) < 2:
        raise ValueError(f"selectivity: expected means (classes >= 2, units), got shape {class_means.shape}")
    others = (class_means.sum(axis=0) - class_means) / (len(class_means) - 1)
    return class_means - others


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
def saliency(model, images, class_index=None):
    """Gradient of a class's logit with respect to every input pixel: (n, rows, cols), like images.

    class_index: None (each image's predicted class), one int for all images, or one int per image.
    Positive: a brighter pixel there would raise the logit; negative: it would lower it.
    """
    images = tf.convert_to_tensor(images, dtype=tf.float32)
    if images.shape.rank != 3:
        raise ValueError(
            f"saliency: expected images (n, rows, cols), got shape {images.shape}; for one use x[None]"
        )
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = model(images, training=False)
        if class_index is None:
            class_index = tf.argmax(logits, axis=-1)
        # one logit per image; images do not interact, so the gradient of the sum is each image's own
        chosen = tf.reduce_sum(logits * tf.one_hot(class_index, logits.shape[-1]))
    return tape.gradient(chosen, images).numpy()


# Taught in notebooks/04_inside_the_lstm.ipynb; the same code as there (tests/test_notebook_code.py).
def occlusion_drop(model, images, band=3):
    """Confidence lost when `band` rows are blanked (set to 0), for every position of the band.

    images: (n, rows, cols). Returns drops (n, rows - band + 1): drops[k, s] = p(c | image k) minus
    p(c | image k with rows s + 1 .. s + band blanked), c the class predicted for the intact image k.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 3 or not 1 <= band <= images.shape[1]:
        raise ValueError(
            f"occlusion_drop: expected images (n, rows, cols) and 1 <= band <= rows, "
            f"got shape {images.shape} and band={band}"
        )
    n, rows, cols = images.shape
    occluded = np.repeat(images[:, None], rows - band + 1, axis=1)  # (n, positions, rows, cols)
    for start in range(rows - band + 1):
        occluded[:, start, start : start + band] = 0.0
    logits = model.predict(np.concatenate([images, occluded.reshape(-1, rows, cols)]), verbose=0)
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    intact, blanked = probabilities[:n], probabilities[n:].reshape(n, rows - band + 1, -1)
    predicted = intact.argmax(axis=-1)
    return intact[np.arange(n), predicted][:, None] - blanked[np.arange(n), :, predicted]


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
