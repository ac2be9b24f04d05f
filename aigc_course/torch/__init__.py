"""PyTorch implementations: ``from aigc_course import torch as ac``.

Same names and signatures as :mod:`aigc_course.keras` (a test compares them).
"""

from aigc_course._seed import seed_everything
from aigc_course.torch._core import count_parameters, get_device

FRAMEWORK = "torch"

__all__ = ["FRAMEWORK", "count_parameters", "get_device", "seed_everything"]
