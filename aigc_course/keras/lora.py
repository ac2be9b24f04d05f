"""LoRA, low-rank adaptation (Hu et al., 2021), for Keras ``Dense`` layers.

A frozen kernel ``W`` (in, out) is adapted by a low-rank update:
``y = x W + b + scaling * x A B`` with ``A`` (in, r), ``B`` (r, out) and
``scaling = alpha / r`` (section 4.1 of the paper).  ``A`` starts random
(Kaiming-uniform, as in PEFT) and ``B`` at zero, so the adapted model starts as
exactly the base model.  ``merge`` folds the update into ``W``; ``unmerge``
takes it out again.  Keras keeps kernels as (in, out), the transpose of
PyTorch's (out, in), so ``A`` and ``B`` are the transposes of the twin's.

The PyTorch twin, :mod:`aigc_course.torch.lora`, has the same names and arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import keras
import tensorflow as tf
from keras import layers, ops

from aigc_course.core import training as common
from aigc_course.keras._core import count_parameters
from aigc_course.keras._layers import named_layers, own_weights


class LoRALinear(layers.Layer):
    """``base`` (a built ``Dense``) plus a trainable rank-``r`` update scaled by ``alpha
    / r``.

    Args:
        base: the layer to adapt; kept as ``self.base`` (freeze it with
            :func:`mark_only_lora_trainable`).
        r: rank of the update, an integer >= 1.
        alpha: scale numerator: the update is multiplied by ``alpha / r``.
        dropout: dropout on the input of the LoRA branch while training.
    """

    def __init__(
        self, base: layers.Dense, r: int = 4, alpha: float = 8.0, dropout: float = 0.0
    ):
        super().__init__()
        if not isinstance(base, layers.Dense) or not base.built:
            raise ValueError(
                f"base must be a built keras.layers.Dense, got {type(base).__name__}"
            )
        self.r = common.check_int("r", r)
        self.alpha = check_alpha(alpha)
        self.scaling = self.alpha / self.r
        self.base = base
        fan_in, units = base.kernel.shape
        # PyTorch's kaiming_uniform_(a=sqrt(5)) on A (r, in): U(-1/sqrt(in), 1/sqrt(in))
        bound = 1.0 / math.sqrt(fan_in)
        self.lora_A = self.add_weight(
            shape=(fan_in, self.r),
            initializer=keras.initializers.RandomUniform(-bound, bound),
            name="lora_A",
        )
        # zero: the update starts at 0
        self.lora_B = self.add_weight(
            shape=(self.r, units), initializer="zeros", name="lora_B"
        )
        self.lora_dropout = layers.Dropout(
            common.check_float("dropout", dropout, 0.0, 1.0, high_open=True)
        )
        # The branch's scale as a (non-trainable) variable: `scaling`, or 0 once
        # merged.  A Python flag would be frozen into traced functions (fit,
        # generate), which would then keep adding the update after a merge.
        self.gate = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.scaling),
            trainable=False,
            name="gate",
        )
        self.merged = False
        self.built = True

    def call(self, x, training=False):
        y = self.base(x)  # (..., out)
        # (..., in) -> (..., r)
        h = ops.matmul(self.lora_dropout(x, training=training), self.lora_A)
        # (..., r) -> (..., out); gate is 0 once merged
        return y + ops.matmul(h, self.lora_B) * self.gate

    def delta_weight(self) -> tf.Tensor:
        """The update ``scaling * A B``, shape ``(in, out)`` like ``base.kernel``."""
        return ops.matmul(self.lora_A, self.lora_B) * self.scaling

    def merge(self) -> None:
        """Add the update to ``base.kernel`` (the branch is then switched off by its
        gate)."""
        if self.merged:
            raise ValueError("this LoRALinear is already merged; call unmerge() first")
        self.base.kernel.assign(self.base.kernel + self.delta_weight())
        self.gate.assign(0.0)
        self.merged = True

    def unmerge(self) -> None:
        """Subtract the update from ``base.kernel`` again."""
        if not self.merged:
            raise ValueError("this LoRALinear is not merged; call merge() first")
        self.base.kernel.assign(self.base.kernel - self.delta_weight())
        self.gate.assign(self.scaling)
        self.merged = False

    def extra_repr(self) -> str:
        """The settings, as PyTorch's ``LoRALinear`` prints them."""
        return (
            f"r={self.r}, alpha={self.alpha}, scaling={self.scaling:g}, "
            f"merged={self.merged}"
        )


def apply_lora(
    model,
    targets: Iterable[str] | Callable[[str, layers.Layer], bool],
    r: int = 4,
    alpha: float = 8.0,
    dropout: float = 0.0,
    freeze_base: bool = True,
) -> list[str]:
    """Replace chosen ``Dense`` layers of ``model`` by :class:`LoRALinear` wrappers, in
    place.

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
    found = [
        (p, layer)
        for p, layer in named_layers(model)
        if isinstance(layer, layers.Dense) and not p.endswith(".base")
    ]
    chosen = [p for p, layer in found if choose(p, layer)]
    if not chosen:
        raise ValueError(
            "targets matched no linear layer of the model; its linear "
            f"layers are {[p for p, _ in found]}"
        )
    for path in chosen:
        parent, attr = _resolve_parent(model, path)
        old = getattr(parent, attr)
        new = LoRALinear(old, r=r, alpha=alpha, dropout=dropout)
        was_locked = parent._tracker.locked
        # a built Keras layer refuses new sub-layers unless unlocked
        parent._tracker.unlock()
        setattr(parent, attr, new)
        if was_locked:
            parent._tracker.lock()
        # Keras keeps assigned layers in a list; drop the old entry so the
        # Dense is reached (and saved, frozen, counted) only through `new.base`.
        parent._layers[:] = [x for x in parent._layers if x is not old]
    if freeze_base:
        mark_only_lora_trainable(model)
    _reset_train_function(model)
    return chosen


def _resolve_parent(model, path: str):
    *parents, attr = path.split(".")
    obj = model
    for part in parents:
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    if attr.isdigit():
        raise ValueError(
            f"cannot replace the layer at {path!r}: it sits in a list or Sequential"
        )
    return obj, attr


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


def lora_layers(model) -> list[LoRALinear]:
    """The :class:`LoRALinear` layers of ``model``, in order."""
    return [layer for _, layer in named_layers(model) if isinstance(layer, LoRALinear)]


def mark_only_lora_trainable(model) -> int:
    """Freeze everything except the LoRA matrices; returns the number of trainable
    parameters.

    Keras' ``layer.trainable = False`` also freezes every layer inside, so the
    layers that own weights are frozen one by one, leaving ``LoRALinear``'s own
    ``lora_A`` and ``lora_B`` trainable.
    """
    model.trainable = True
    for _, layer in named_layers(model):
        if not isinstance(layer, LoRALinear) and own_weights(layer):
            layer.trainable = False
    _reset_train_function(model)
    return count_trainable_parameters(model)


def freeze(model, frozen: bool = True):
    """Make every weight of ``model`` untrainable (``frozen=False`` makes them trainable
    again)."""
    model.trainable = not frozen
    _reset_train_function(model)
    return model


def _reset_train_function(model) -> None:
    # A traced `fit` step or `generate` remembers the layers and trainable
    # variables it saw; trace again next time.
    if hasattr(model, "_forget_traces"):
        model._forget_traces()
    elif hasattr(model, "train_function"):
        model.train_function = None


def merge_lora(model) -> int:
    """Merge every :class:`LoRALinear` of ``model``; returns how many were merged."""
    layers_ = lora_layers(model)
    for layer in layers_:
        layer.merge()
    return len(layers_)


def unmerge_lora(model) -> int:
    """Unmerge every :class:`LoRALinear` of ``model``; returns how many were
    unmerged."""
    layers_ = lora_layers(model)
    for layer in layers_:
        layer.unmerge()
    return len(layers_)


def count_trainable_parameters(model) -> int:
    """Scalar parameters that training would update (``count_parameters(model,
    trainable_only=True)``)."""
    return count_parameters(model, trainable_only=True)
