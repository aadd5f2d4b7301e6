"""Companion of notebooks/04_inside_the_lstm.ipynb: looking inside the trained row-LSTM.

* ``taught``    -- the states and gates of the trained LSTM, gate saturation, the per-row readout, the settle
                   step, PCA, selectivity, gradient saliency and occlusion, generated from the notebook's
                   ``# @save`` cells (``python tools/sync.py``)
* ``figures``   -- the notebook's figures (hidden states, gates, decisions, PCA, saliency, occlusion) and the
                   unit orders of its heatmaps
* ``exercises`` -- the notebook's exercises: checks, hints, solutions
"""
