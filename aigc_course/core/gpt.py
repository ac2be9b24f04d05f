"""The shape of the TinyGPT both frameworks build: one configuration class for both.

``aigc_course.torch.gpt.TinyGPT`` and ``aigc_course.keras.gpt.TinyGPT`` take a
:class:`GPTConfig` and build the same layers from it, so a configuration, and the
weights it sizes, move between the frameworks unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from aigc_course.core.checks import check_float, check_int


@dataclass(frozen=True)
class GPTConfig:
    """Sizes of a :class:`TinyGPT`; checked on creation.

    One class for both frameworks: ``aigc_course.torch.GPTConfig`` and
    ``aigc_course.keras.GPTConfig`` are this class, exported beside ``TinyGPT``
    (``aigc_course.torch.gpt``, ``aigc_course.keras.gpt``).
    """

    vocab_size: int  # number of distinct characters
    # longest context the model can see (positions 0 .. block_size - 1)
    block_size: int = 64
    n_layer: int = 2  # transformer blocks
    n_head: int = 4  # attention heads per block
    n_embd: int = 64  # width of the residual stream; a multiple of n_head
    # dropout on attention weights and residual branches while training
    dropout: float = 0.0

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            check_int(name, getattr(self, name))
        if self.n_embd % self.n_head:
            raise ValueError(
                "n_embd must be a multiple of n_head, got "
                f"n_embd={self.n_embd}, n_head={self.n_head}"
            )
        check_float("dropout", self.dropout, 0.0, 1.0, high_open=True)
