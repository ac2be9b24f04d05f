"""Copy a PyTorch TinyGPT (with or without LoRA) into its Keras twin, layer by layer, by name.

    from aigc_course import parity_gpt
    parity_gpt.copy_torch_to_keras(torch_gpt, keras_gpt)
    # now both give the same logits and generate the same text

:func:`aigc_course.parity.copy_torch_to_keras` pairs layers by position and
knows Linear, Conv and BatchNorm; a transformer adds embeddings, LayerNorm,
bias-free heads and LoRA wrappers, so this helper pairs layers by their
*path* instead (``"blocks.0.attn.c_attn"``: PyTorch's ``named_modules`` on one
side, :func:`aigc_course.keras.lora.named_layers` on the other).

=====================  ============================  ============================
layer                  PyTorch                       Keras
=====================  ============================  ============================
Linear / Dense         weight (out, in) [, bias]     kernel (in, out) [, bias]
Embedding              weight (num, dim)             embeddings (num, dim)
LayerNorm              weight, bias                  gamma, beta
LoRALinear             lora_A (r, in), lora_B        lora_A (in, r), lora_B
                       (out, r)                      (r, out), gate
=====================  ============================  ============================
"""

from __future__ import annotations

import numpy as np

__all__ = ["copy_torch_to_keras"]


def _arr(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def _converted(module) -> list[np.ndarray] | None:
    """A PyTorch module's own tensors in its Keras twin's order and layout (``None``: it holds none)."""
    from torch import nn

    from aigc_course.torch.lora import LoRALinear

    if isinstance(module, nn.Linear):
        weights = [_arr(module.weight).T]  # (out, in) -> (in, out)
        return weights + ([_arr(module.bias)] if module.bias is not None else [])
    if isinstance(module, nn.Embedding):
        return [_arr(module.weight)]
    if isinstance(module, nn.LayerNorm):
        return [_arr(module.weight), _arr(module.bias)]
    if isinstance(module, LoRALinear):
        gate = np.float32(0.0 if module.merged else module.scaling)
        return [_arr(module.lora_A).T, _arr(module.lora_B).T, np.asarray(gate)]  # (r, in) -> (in, r); (out, r) -> (r, out)
    if any(True for _ in module.parameters(recurse=False)):
        raise ValueError(f"cannot copy a {type(module).__name__}: only Linear, Embedding, LayerNorm and LoRALinear are supported")
    return None


def copy_torch_to_keras(torch_model, keras_model) -> int:
    """Copy every weight of ``torch_model`` into ``keras_model``, pairing layers by path.

    The Keras model must have been built with the same arguments and have LoRA
    applied to the same layers.  A merged PyTorch ``LoRALinear`` gives a merged
    Keras one.

    Returns:
        The number of layers copied.

    Raises:
        ValueError: when a layer is missing on the Keras side or shapes differ.
    """
    from aigc_course.keras.lora import LoRALinear, named_layers

    targets = dict(named_layers(keras_model))
    copied = 0
    for path, module in torch_model.named_modules():
        values = _converted(module)
        if values is None:
            continue
        dst = targets.get(path)
        if dst is None:
            raise ValueError(
                f"torch_model has a {type(module).__name__} at {path!r} but keras_model has no layer there: "
                "build both with the same arguments (and apply LoRA to the same layers)"
            )
        variables = [dst.lora_A, dst.lora_B, dst.gate] if isinstance(dst, LoRALinear) else dst.weights
        shapes = [tuple(v.shape) for v in variables]
        if [v.shape for v in values] != shapes:
            raise ValueError(
                f"{path!r}: {type(module).__name__} gives shapes {[v.shape for v in values]} but "
                f"{type(dst).__name__} expects {shapes}: build both with the same arguments"
            )
        for variable, value in zip(variables, values):
            variable.assign(value)
        if isinstance(dst, LoRALinear):
            dst.merged = module.merged
        copied += 1
    return copied
