"""Copy weights from a PyTorch model into its Keras twin, to show that the two agree.

    from aigc_course import parity
    parity.copy_torch_to_keras(torch_gan, keras_gan)
    # now torch_gan.sample(16) and keras_gan.sample(16) draw the same images

The twins build their layers in the same order, so the helper pairs the
layers that hold weights one by one and converts each tensor's layout:

=====================  ===========================  ===========================
layer                  PyTorch                      Keras
=====================  ===========================  ===========================
Linear / Dense         weight (out, in)             kernel (in, out)
Conv2d / Conv2D        weight (out, in, kh, kw)     kernel (kh, kw, in, out)
ConvTranspose2d        weight (in, out, kh, kw)     kernel (kh, kw, out, in)
BatchNorm              weight, bias, running stats  gamma, beta, moving stats
=====================  ===========================  ===========================

Both frameworks compute cross-correlations, so no kernel is flipped.
"""

from __future__ import annotations

import numpy as np

__all__ = ["copy_torch_to_keras", "torch_layers", "keras_layers"]


def torch_layers(model) -> list:
    """The modules of a PyTorch model that hold weights, in registration order."""
    from torch import nn

    kinds = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm1d, nn.BatchNorm2d)
    return [m for m in model.modules() if isinstance(m, kinds)]


def keras_layers(model) -> list:
    """The layers of a Keras model that hold weights, in the order they were created."""
    import keras

    kinds = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.BatchNormalization)
    found = []

    def walk(layer):
        if isinstance(layer, kinds):
            found.append(layer)
        for sub in getattr(layer, "layers", []):
            walk(sub)

    walk(model)
    return found


def _converted(module) -> list[np.ndarray]:
    """A PyTorch module's tensors in the order and layout of its Keras twin's weights."""
    from torch import nn

    def arr(t):
        return t.detach().cpu().numpy()

    if isinstance(module, nn.Linear):
        return [arr(module.weight).T, arr(module.bias)]  # (out, in) -> (in, out)
    if isinstance(module, nn.ConvTranspose2d):
        return [arr(module.weight).transpose(2, 3, 1, 0), arr(module.bias)]  # (in, out, kh, kw) -> (kh, kw, out, in)
    if isinstance(module, nn.Conv2d):
        return [arr(module.weight).transpose(2, 3, 1, 0), arr(module.bias)]  # (out, in, kh, kw) -> (kh, kw, in, out)
    # BatchNorm: Keras orders gamma, beta, moving_mean, moving_variance.
    return [arr(module.weight), arr(module.bias), arr(module.running_mean), arr(module.running_var)]


def copy_torch_to_keras(torch_model, keras_model) -> int:
    """Copy every weight of ``torch_model`` into ``keras_model``, its Keras twin built with the same arguments.

    Returns:
        The number of layers copied.

    Raises:
        ValueError: when the two models do not have the same layers with the
            same shapes (for example, built with different arguments).
    """
    sources, targets = torch_layers(torch_model), keras_layers(keras_model)
    if len(sources) != len(targets):
        raise ValueError(
            f"torch_model has {len(sources)} layers with weights but keras_model has {len(targets)}: "
            "build both with the same class and arguments"
        )
    for i, (src, dst) in enumerate(zip(sources, targets)):
        values = _converted(src)
        shapes = [tuple(w.shape) for w in dst.weights]
        if [v.shape for v in values] != shapes:
            raise ValueError(
                f"layer {i}: {type(src).__name__} gives shapes {[v.shape for v in values]} but "
                f"{type(dst).__name__} {dst.name!r} expects {shapes}: build both with the same arguments"
            )
        dst.set_weights(values)
    return len(sources)
