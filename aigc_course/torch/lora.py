"""LoRA, low-rank adaptation (Hu et al., 2021), for PyTorch linear layers.

A frozen weight ``W`` (out, in) is adapted by a low-rank update:
``y = x W^T + b + scaling * x A^T B^T`` with ``A`` (r, in), ``B`` (out, r) and
``scaling = alpha / r`` (section 4.1 of the paper).  ``A`` starts random
(Kaiming-uniform, as in PEFT) and ``B`` at zero, so the adapted model starts as
exactly the base model.  ``merge`` folds the update into ``W`` (no extra cost
at inference); ``unmerge`` takes it out again.

The Keras twin, :mod:`aigc_course.keras.lora`, has the same names and arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch
from torch import nn

from aigc_course.core import training as common
from aigc_course.torch._core import count_parameters


class LoRALinear(nn.Module):
    """``base`` (a ``nn.Linear``) plus a trainable rank-``r`` update scaled by ``alpha /
    r``.

    Args:
        base: the layer to adapt; kept as ``self.base`` (freeze it with
            :func:`mark_only_lora_trainable`).
        r: rank of the update, an integer >= 1.
        alpha: scale numerator: the update is multiplied by ``alpha / r``.
        dropout: dropout on the input of the LoRA branch while training.
    """

    def __init__(
        self, base: nn.Linear, r: int = 4, alpha: float = 8.0, dropout: float = 0.0
    ):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise ValueError(
                f"base must be a torch.nn.Linear, got {type(base).__name__}"
            )
        self.r = common.check_int("r", r)
        self.alpha = check_alpha(alpha)
        self.scaling = self.alpha / self.r
        self.base = base
        self.lora_A = nn.Parameter(torch.empty(self.r, base.in_features))  # (r, in)
        # (out, r): zero, so the update starts at 0
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, self.r))
        # U(-1/sqrt(in), 1/sqrt(in)), as PEFT does
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = nn.Dropout(
            common.check_float("dropout", dropout, 0.0, 1.0, high_open=True)
        )
        self.merged = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.base(x)  # (..., out)
        if self.merged:  # the update is already inside base.weight
            return y
        # (..., in) -> (..., r) -> (..., out)
        return y + (self.lora_dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling

    def delta_weight(self) -> torch.Tensor:
        """The update ``scaling * B A``, shape ``(out, in)`` like ``base.weight``."""
        return (self.lora_B @ self.lora_A) * self.scaling

    @torch.no_grad()
    def merge(self) -> None:
        """Add the update to ``base.weight``: one matrix multiply per call
        afterwards."""
        if self.merged:
            raise ValueError("this LoRALinear is already merged; call unmerge() first")
        self.base.weight += self.delta_weight()
        self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """Subtract the update from ``base.weight`` again."""
        if not self.merged:
            raise ValueError("this LoRALinear is not merged; call merge() first")
        self.base.weight -= self.delta_weight()
        self.merged = False

    def extra_repr(self) -> str:
        return (
            f"r={self.r}, alpha={self.alpha}, scaling={self.scaling:g}, "
            f"merged={self.merged}"
        )


def apply_lora(
    model: nn.Module,
    targets: Iterable[str] | Callable[[str, nn.Module], bool],
    r: int = 4,
    alpha: float = 8.0,
    dropout: float = 0.0,
    freeze_base: bool = True,
) -> list[str]:
    """Replace chosen ``nn.Linear`` layers of ``model`` by :class:`LoRALinear` wrappers,
    in place.

    Args:
        targets: layer names to adapt: a name matches when it equals a layer's
            full path (``"blocks.0.attn.c_attn"``) or its last part
            (``"c_attn"`` adapts it in every block); or a function
            ``(path, layer) -> bool``.
        r, alpha, dropout: as for :class:`LoRALinear`.
        freeze_base: then make only the LoRA weights trainable
            (:func:`mark_only_lora_trainable`), as in the LoRA paper.

    Returns:
        The paths of the adapted layers.
    """
    common.check_int("r", r)  # check everything before replacing anything
    check_alpha(alpha)
    common.check_float("dropout", dropout, 0.0, 1.0, high_open=True)
    choose = _chooser(targets)
    chosen = [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear)
        and not name.endswith(".base")
        and choose(name, module)
    ]
    if not chosen:
        linear = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
        raise ValueError(
            "targets matched no linear layer of the model; its linear "
            f"layers are {linear}"
        )
    for name in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        setattr(
            parent,
            child,
            LoRALinear(getattr(parent, child), r=r, alpha=alpha, dropout=dropout),
        )
    if freeze_base:
        mark_only_lora_trainable(model)
    return chosen


def check_alpha(alpha) -> float:
    alpha = common.check_nonnegative("alpha", alpha)
    if alpha == 0:
        raise ValueError("alpha must be > 0 (the update is scaled by alpha / r), got 0")
    return alpha


def _chooser(targets) -> Callable:
    if callable(targets):
        return targets
    if isinstance(targets, str):
        targets = [targets]
    names = set(targets)
    if not names or not all(isinstance(t, str) for t in names):
        raise ValueError(
            "targets must be layer names (strings) or a function (path, "
            f"layer) -> bool, got {targets!r}"
        )
    return lambda path, layer: path in names or path.rpartition(".")[2] in names


def lora_layers(model: nn.Module) -> list[LoRALinear]:
    """The :class:`LoRALinear` layers of ``model``, in order."""
    return [m for m in model.modules() if isinstance(m, LoRALinear)]


def mark_only_lora_trainable(model: nn.Module) -> int:
    """Freeze everything except the LoRA matrices; returns the number of trainable
    parameters."""
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in lora_layers(model):
        layer.lora_A.requires_grad_(True)
        layer.lora_B.requires_grad_(True)
    return count_trainable_parameters(model)


def freeze(model: nn.Module, frozen: bool = True) -> nn.Module:
    """Make every parameter of ``model`` untrainable (``frozen=False`` makes them
    trainable again)."""
    for p in model.parameters():
        p.requires_grad_(not frozen)
    return model


def merge_lora(model: nn.Module) -> int:
    """Merge every :class:`LoRALinear` of ``model``; returns how many were merged."""
    layers = lora_layers(model)
    for layer in layers:
        layer.merge()
    return len(layers)


def unmerge_lora(model: nn.Module) -> int:
    """Unmerge every :class:`LoRALinear` of ``model``; returns how many were
    unmerged."""
    layers = lora_layers(model)
    for layer in layers:
        layer.unmerge()
    return len(layers)


def count_trainable_parameters(model: nn.Module) -> int:
    """Scalar parameters that training would update (``count_parameters(model,
    trainable_only=True)``)."""
    return count_parameters(model, trainable_only=True)
