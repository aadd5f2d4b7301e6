"""Companion of notebooks/03_lstm_classifier.ipynb: the row-LSTM classifier, step by step.

* ``taught``    -- the LSTM cell in numpy, the model, its inspection model and the two training recipes,
                   generated from the notebook's ``# @save`` cells (``python tools/sync.py``)
* ``helpers``   -- the shipped weights (``load_row_lstm``), the LSTM weights as numpy arrays, and the pieces of
                   the command that trains them (``python tools/make_weights.py``)
* ``figures``   -- the original tutorial's tensors, as a table
* ``exercises`` -- the notebook's exercises: checks, hints, solutions

    rows (batch, 28, 28) -> Dense(128) linear "input_projection"
                         -> LSTM(128) "lstm" (last output only)
                         -> Dense(10) linear "logits"
"""
