"""Helpers the book's notebooks use; framework-free.

- ``plotting``: image grids, loss curves, point clouds.
- ``claims``: checks a trained number against the claim the prose makes about it.
- ``parity``: copies weights from a PyTorch model into its Keras twin.
"""
