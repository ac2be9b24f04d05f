"""Neural style transfer (风格迁移) in Keras 3, after Gatys, Ecker & Bethge (2016).

An image is optimised, pixel by pixel, so that a convolutional network's
features of it match the *content* image's features at a deep layer (where
things are) and the *style* image's Gram matrices at several layers (which
features occur together, wherever they are).  The network here is a small
**random** :class:`FeatureExtractor`: no pre-trained VGG is downloaded (the
book explains why random filters still measure texture).  The PyTorch twin,
:mod:`aigc_course.torch.style`, has the same names and arguments.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from aigc_course.core import perturb
from aigc_course.core import style as common
from aigc_course.core.checks import check_rgb_batch
from aigc_course.core.training import record
from aigc_course.keras._core import get_device
from aigc_course.keras._layers import own_message


def gram_matrix(features):
    """G = F^T F / (H W) for feature maps ``(N, H, W, C)``: ``(N, C, C)`` averages of
    channel products."""
    n, h, w, c = ops.shape(features)
    f = ops.reshape(features, (n, h * w, c))  # (N, HW, C)
    # (N, C, C)
    return ops.matmul(ops.transpose(f, (0, 2, 1)), f) / ops.cast(h * w, features.dtype)


def _as_list(features) -> list:
    return list(features) if isinstance(features, (list, tuple)) else [features]


def content_loss(features, targets):
    """Mean squared difference of feature maps, summed over layers (a tensor or a list
    of tensors each)."""
    features, targets = common.paired(
        "features", _as_list(features), "targets", _as_list(targets)
    )
    return sum(ops.mean(ops.square(f - t)) for f, t in zip(features, targets))


def style_loss(features, targets):
    """Mean squared difference of Gram matrices, summed over layers.

    The maps may differ in size between ``features`` and ``targets`` (a Gram
    matrix has no spatial axes), but not in channels.
    """
    features, targets = common.paired(
        "features", _as_list(features), "targets", _as_list(targets)
    )
    return sum(
        ops.mean(ops.square(gram_matrix(f) - gram_matrix(t)))
        for f, t in zip(features, targets)
    )


class FeatureExtractor(keras.Model):
    """A small convolutional network whose ReLU activations serve as features.

    ``channels=(16, 32, 64)`` gives three blocks, each a 3x3 convolution and a
    ReLU, with 2x2 average pooling between blocks, so each block sees a region
    about twice as wide as the one before.  Called on images ``(N, H, W, 3)``
    in [0, 1], it returns the list of the blocks' activations.  Its weights
    are random: He-normal (std sqrt(2 / fan_in), zero bias), so deep blocks'
    activations are about as large as shallow ones' (seed with ``seed_everything``).
    """

    def __init__(self, channels: tuple[int, ...] = (16, 32, 64), kernel_size: int = 3):
        super().__init__()
        self.channels = common.check_channels(channels)
        self.kernel_size = common.check_kernel(kernel_size)
        # He initialisation, untruncated as PyTorch's kaiming_normal_: each block's
        # activations keep their scale.
        he = keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")
        self.convs = [
            layers.Conv2D(
                width,
                kernel_size,
                padding="same",
                kernel_initializer=he,
                bias_initializer="zeros",
            )
            for width in self.channels
        ]
        self.pool = layers.AveragePooling2D(2)
        # build the weights now, so they can be copied at once
        self(np.zeros((1, 8, 8, 3), "float32"))
        self.trainable = False  # the image is optimised, never the extractor

    def call(self, images):
        images = ops.convert_to_tensor(images, "float32")
        # Every block after the first halves H and W: the last one needs maps of at
        # least 1 x 1.
        with own_message():
            check_rgb_batch(
                images.shape, 2 ** (len(self.convs) - 1), channels_last=True
            )
        x, outputs = images * 2 - 1, []  # centre the pixels: [0, 1] -> [-1, 1]
        for i, layer in enumerate(self.convs):
            x = ops.relu(layer(self.pool(x) if i else x))  # (N, H / 2^i, W / 2^i, C_i)
            outputs.append(x)
        return outputs


def transfer_style(
    content,
    style,
    *,
    extractor: FeatureExtractor | None = None,
    steps: int = 300,
    content_weight: float = 1.0,
    style_weight: float = 100.0,
    learning_rate: float = 0.02,
    content_layers: tuple[int, ...] = (1,),
    style_layers: tuple[int, ...] = (0, 1, 2),
    init: str = "content",
    seed: int = 0,
    device: str | None = None,
) -> tuple[np.ndarray, dict[str, list[float]]]:
    """Optimise an image with Adam to minimise ``content_weight * content_loss +
    style_weight * style_loss``.

    Args:
        content, style: ``(H, W, 3)`` NumPy images in [0, 1] (e.g. from
            :func:`aigc_course.evaluation.imaging.load_photo`); the result has the
            content's size.
        extractor: the feature network; a new random one (seeded with ``seed``) if None.
        steps: Adam steps on the pixels; after each, pixels are clipped to [0, 1].
        content_layers, style_layers: which of the extractor's blocks each loss uses.
        init: start from the ``"content"`` image or from seeded uniform ``"noise"``.
        seed: seeds the new extractor and the noise start (NumPy, so both frameworks
        agree).
        device: ``"auto"``, ``"cpu"`` or ``"gpu"``.

    Returns:
        ``(image, history)``: the image ``(H, W, 3)`` and, per step, the losses
        ``loss``, ``content_loss``, ``style_loss`` of the image before that step's
        update, with ``step`` counting the steps (the trainers' history format).
    """
    args = common.check_transfer_args(
        content,
        style,
        steps,
        content_weight,
        style_weight,
        learning_rate,
        content_layers,
        style_layers,
        init,
        seed,
    )
    if extractor is None:
        keras.utils.set_random_seed(args.seed)
        extractor = FeatureExtractor()
    common.check_layers(args, len(extractor.channels))
    with tf.device(get_device(device)):
        content_feats, style_feats = (
            extractor(args.content[None]),
            extractor(args.style[None]),
        )
        content_targets = [content_feats[i] for i in args.content_layers]
        style_targets = [style_feats[i] for i in args.style_layers]
        # (1, H, W, 3): the only thing trained; nudged only in tests
        # (AIGC_COURSE_PERTURB)
        image = keras.Variable(perturb.nudged(args.start)[None], name="image")
        # epsilon=1e-8 is PyTorch's default (Keras' is 1e-7).
        optimizer = keras.optimizers.Adam(args.learning_rate, epsilon=1e-8)
        optimizer.build([image])

        @tf.function(jit_compile=False)
        def step():
            with tf.GradientTape() as tape:  # the only TensorFlow-specific code here
                feats = extractor(image)
                c_loss = content_loss(
                    [feats[i] for i in args.content_layers], content_targets
                )
                s_loss = style_loss(
                    [feats[i] for i in args.style_layers], style_targets
                )
                loss = args.content_weight * c_loss + args.style_weight * s_loss
            optimizer.apply_gradients([(tape.gradient(loss, image), image)])
            image.assign(ops.clip(image, 0.0, 1.0))  # keep a valid image
            return ops.stack([loss, c_loss, s_loss])

        # (steps, 3)
        values = np.array(
            [ops.convert_to_numpy(step()) for _ in range(args.steps)], dtype=np.float64
        )
    history = {}
    for step, (loss, c_loss, s_loss) in enumerate(values):
        losses = {"loss": loss, "content_loss": c_loss, "style_loss": s_loss}
        record(history, step + 1, losses)
    return ops.convert_to_numpy(image)[0], history
