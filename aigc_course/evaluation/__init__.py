"""How good is a result: NumPy in, numbers out, the same ruler for both frameworks.

- ``metrics``: sample-quality metrics (precision and recall, FID-like distances, ...).
- ``classifier``: the reference digits classifier that scores generated digits.
- ``imaging``: PSNR, and the naive fills an inpainting model has to beat.
"""
