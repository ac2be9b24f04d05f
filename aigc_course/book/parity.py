"""Copy weights from a PyTorch model into its Keras twin, to show that the two agree.

    from aigc_course.book import parity
    parity.copy_torch_to_keras(torch_gan, keras_gan)
    # now torch_gan.sample(16) and keras_gan.sample(16) draw the same images

The twins give their layers the same attribute names, so the helper pairs layers
by *path*: ``"generator.net.0"`` or ``"blocks.1.attn.c_attn"``, PyTorch's
``named_modules`` on one side and :func:`aigc_course.keras.lora.named_layers` on the
other.  Inside a sequential container the frameworks count differently (a Keras
``Reshape`` is a layer; a PyTorch activation is a module where Keras folds it into
``Dense``), so an index in a path counts only the layers that hold weights: ``net.0``,
``net.2`` and ``net.5`` of one twin pair with ``net.0``, ``net.3`` and ``net.6`` of the
other as ``net[0]``, ``net[1]``, ``net[2]``.  Each tensor's layout is converted:

=====================  ============================  ============================
layer                  PyTorch                       Keras
=====================  ============================  ============================
Linear / Dense         weight (out, in) [, bias]     kernel (in, out) [, bias]
Conv2d / Conv2D        weight (out, in, kh, kw)      kernel (kh, kw, in, out)
ConvTranspose2d        weight (in, out, kh, kw)      kernel (kh, kw, out, in)
BatchNorm              weight, bias, running stats   gamma, beta, moving stats
Embedding              weight (num, dim)             embeddings (num, dim)
LayerNorm              weight, bias                  gamma, beta
LoRALinear             lora_A (r, in), lora_B        lora_A (in, r), lora_B
                       (out, r)                      (r, out), gate
=====================  ============================  ============================

Both frameworks compute cross-correlations, so no kernel is flipped.
"""

from __future__ import annotations

import numpy as np

__all__ = ["copy_torch_to_keras", "torch_layers", "keras_layers", "weight_arrays"]


def _arr(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def _torch_values(module) -> list[np.ndarray] | None:
    """A PyTorch module's own tensors in its Keras twin's order and layout (``None``: it
    holds none)."""
    from torch import nn

    from aigc_course.torch.lora import LoRALinear

    def with_bias(weight):
        return [weight] + ([_arr(module.bias)] if module.bias is not None else [])

    if isinstance(module, nn.Linear):
        return with_bias(_arr(module.weight).T)  # (out, in) -> (in, out)
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        # Conv2d (out, in, kh, kw) -> (kh, kw, in, out); ConvTranspose2d (in, out, kh,
        # kw) -> (kh, kw, out, in)
        return with_bias(_arr(module.weight).transpose(2, 3, 1, 0))
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        # Keras orders gamma, beta, moving_mean, moving_variance.
        return [
            _arr(module.weight),
            _arr(module.bias),
            _arr(module.running_mean),
            _arr(module.running_var),
        ]
    if isinstance(module, nn.Embedding):
        return [_arr(module.weight)]
    if isinstance(module, nn.LayerNorm):
        return [_arr(module.weight), _arr(module.bias)]
    if isinstance(module, LoRALinear):
        gate = np.float32(0.0 if module.merged else module.scaling)
        # (r, in) -> (in, r); (out, r) -> (r, out)
        return [_arr(module.lora_A).T, _arr(module.lora_B).T, np.asarray(gate)]
    if any(True for _ in module.parameters(recurse=False)):
        raise ValueError(
            f"cannot copy a {type(module).__name__}: only Linear, Conv2d, "
            "ConvTranspose2d, BatchNorm, "
            "Embedding, LayerNorm and LoRALinear are supported"
        )
    return None


def _keras_variables(layer) -> list:
    """The variables a Keras layer holds itself, in the order :func:`_torch_values`
    gives its twin's."""
    from aigc_course.keras._layers import own_weights
    from aigc_course.keras.lora import LoRALinear

    if isinstance(layer, LoRALinear):
        return [layer.lora_A, layer.lora_B, layer.gate]
    return own_weights(layer)


def _ranked(paths: list[str]) -> dict[str, str]:
    """Each path with every number in it replaced by its rank among the numbers used at
    that place.

    ``["net.0", "net.2", "net.5"]`` -> ``net[0]``, ``net[1]``, ``net[2]``: only layers
    that hold weights are listed, so the rank is the same in both twins.
    """
    ranks: dict[str, dict[int, int]] = {}
    for path in paths:
        parts = path.split(".")
        for i, part in enumerate(parts):
            if part.isdigit():
                seen = ranks.setdefault(".".join(parts[:i]), {})
                seen.setdefault(int(part), len(seen))
    out = {}
    for path in paths:
        parts, key = path.split("."), []
        for i, part in enumerate(parts):
            if part.isdigit():
                rank = f"[{ranks['.'.join(parts[:i])][int(part)]}]"
                key[-1:] = [(key[-1] if key else "") + rank]
            else:
                key.append(part)
        out[path] = ".".join(key)
    return out


def weight_arrays(model) -> list[np.ndarray]:
    """Every weight of a PyTorch or a Keras model, as NumPy arrays in that framework's
    own order and layout (not converted: for comparing a model with itself, e.g.
    before and after fine-tuning)."""
    if callable(getattr(model, "named_parameters", None)):  # a torch.nn.Module
        return [_arr(p) for p in model.parameters()]
    weights = getattr(model, "weights", None)
    if weights is None:
        raise TypeError(
            "model must be a PyTorch nn.Module or a Keras model, got "
            f"{type(model).__name__}"
        )
    from keras import ops

    return [ops.convert_to_numpy(w) for w in weights]


def torch_layers(model) -> list[tuple[str, object]]:
    """``(path, module)`` for every PyTorch module that holds weights itself, in
    registration order."""
    return [
        (path, m) for path, m in model.named_modules() if _torch_values(m) is not None
    ]


def keras_layers(model) -> list[tuple[str, object]]:
    """``(path, layer)`` for every Keras layer that holds weights itself, in creation
    order."""
    from aigc_course.keras._layers import named_layers

    return [
        (path, layer) for path, layer in named_layers(model) if _keras_variables(layer)
    ]


def copy_torch_to_keras(torch_model, keras_model) -> int:
    """Copy every weight of ``torch_model`` into ``keras_model``, its Keras twin built
    with the same arguments.

    A Keras model with LoRA must have it on the same layers; a merged PyTorch
    ``LoRALinear`` gives a merged Keras one.

    Returns:
        The number of layers copied.

    Raises:
        ValueError: when a layer has no twin at the same path, or shapes differ
            (for example, the two were built with different arguments).
    """
    from aigc_course.keras.lora import LoRALinear

    sources = torch_layers(torch_model)
    targets = keras_layers(keras_model)
    source_keys, target_keys = (
        _ranked([p for p, _ in sources]),
        _ranked([p for p, _ in targets]),
    )
    by_key = {target_keys[p]: (p, layer) for p, layer in targets}
    if len(sources) != len(targets):
        raise ValueError(
            f"torch_model has {len(sources)} layers with weights but keras_model has "
            f"{len(targets)}: "
            "build both with the same class and arguments (and apply LoRA to the same "
            "layers)"
        )
    for path, module in sources:
        key = source_keys[path]
        if key not in by_key:
            raise ValueError(
                f"torch_model has a {type(module).__name__} at {path!r} but "
                "keras_model has no layer with weights "
                "there: build both with the same class and arguments (and apply LoRA "
                "to the same layers)"
            )
        dst_path, dst = by_key[key]
        variables = _keras_variables(dst)
        values = _torch_values(module)
        shapes = [tuple(v.shape) for v in variables]
        if [v.shape for v in values] != shapes:
            raise ValueError(
                f"{path!r}: {type(module).__name__} gives shapes "
                f"{[v.shape for v in values]} but "
                f"{type(dst).__name__} {dst_path!r} expects {shapes}: build both with "
                "the same arguments"
            )
        for variable, value in zip(variables, values):
            variable.assign(value)
        if isinstance(dst, LoRALinear):
            dst.merged = module.merged
    return len(sources)
