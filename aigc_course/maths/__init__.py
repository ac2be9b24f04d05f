"""The book's maths in NumPy, framework-free: short functions named after the formulas.

- ``theory``: the math chapter (GAN objective, KL divergence, cross-entropy, ...).
- ``diffusion``: noise schedules, the forward process and one step of each sampler,
  shared by the PyTorch and Keras diffusion models.
"""
