"""Companion of notebooks/02_rows_as_a_sequence.ipynb: an image as a sequence of rows.

* ``taught``    -- the truncations, reading by columns and the ``tf.data`` pipeline, generated from the
                   notebook's ``# @save`` cells (``python tools/sync.py``)
* ``figures``   -- a digit read as rows or columns, truncated inputs
* ``exercises`` -- the notebook's exercises: checks, hints, solutions

An MNIST image of shape (28, 28) is read as 28 time steps, each a 28-pixel row. A batch of images,
shape (n, rows, cols), is therefore already a batch of sequences in Keras's batch-major layout
(batch, steps, features).
"""
