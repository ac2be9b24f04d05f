"""Neural style transfer (风格迁移) in PyTorch, after Gatys, Ecker & Bethge (2016).

An image is optimised, pixel by pixel, so that a convolutional network's
features of it match the *content* image's features at a deep layer (where
things are) and the *style* image's Gram matrices at several layers (which
features occur together, wherever they are).  The network here is a small
**random** :class:`FeatureExtractor`: no pre-trained VGG is downloaded (the
book explains why random filters still measure texture).  The Keras twin,
:mod:`aigc_course.keras.style`, has the same names and arguments.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from aigc_course.core import perturb
from aigc_course.core import style as common
from aigc_course.core.checks import check_rgb_batch
from aigc_course.core.training import record
from aigc_course.torch._core import get_device


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """G = F F^T / (H W) for feature maps ``(N, C, H, W)``: ``(N, C, C)`` averages of
    channel products."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)  # (N, C, HW)
    return f @ f.transpose(1, 2) / (h * w)  # (N, C, C)


def _as_list(features) -> list:
    return list(features) if isinstance(features, (list, tuple)) else [features]


def content_loss(features, targets) -> torch.Tensor:
    """Mean squared difference of feature maps, summed over layers (a tensor or a list
    of tensors each)."""
    features, targets = common.paired(
        "features", _as_list(features), "targets", _as_list(targets)
    )
    return sum(((f - t) ** 2).mean() for f, t in zip(features, targets))


def style_loss(features, targets) -> torch.Tensor:
    """Mean squared difference of Gram matrices, summed over layers.

    The maps may differ in size between ``features`` and ``targets`` (a Gram
    matrix has no spatial axes), but not in channels.
    """
    features, targets = common.paired(
        "features", _as_list(features), "targets", _as_list(targets)
    )
    return sum(
        ((gram_matrix(f) - gram_matrix(t)) ** 2).mean()
        for f, t in zip(features, targets)
    )


class FeatureExtractor(nn.Module):
    """A small convolutional network whose ReLU activations serve as features.

    ``channels=(16, 32, 64)`` gives three blocks, each a 3x3 convolution and a
    ReLU, with 2x2 average pooling between blocks, so each block sees a region
    about twice as wide as the one before.  Called on images ``(N, 3, H, W)``
    in [0, 1], it returns the list of the blocks' activations.  Its weights
    are random: He-normal (std sqrt(2 / fan_in), zero bias), so deep blocks'
    activations are about as large as shallow ones' (seed with ``seed_everything``).
    """

    def __init__(self, channels: tuple[int, ...] = (16, 32, 64), kernel_size: int = 3):
        super().__init__()
        self.channels = common.check_channels(channels)
        self.kernel_size = common.check_kernel(kernel_size)
        widths = (3, *self.channels)
        self.convs = nn.ModuleList(
            nn.Conv2d(widths[i], widths[i + 1], kernel_size, padding=kernel_size // 2)
            for i in range(len(self.channels))
        )
        # He initialisation: each block's activations keep the scale of its input
        for layer in self.convs:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
        self.pool = nn.AvgPool2d(2)
        self.requires_grad_(False)  # the image is optimised, never the extractor

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        # NumPy too, as in Keras
        images = torch.as_tensor(
            images, dtype=torch.float32, device=self.convs[0].weight.device
        )
        # Every block after the first halves H and W: the last one needs maps of at
        # least 1 x 1.
        check_rgb_batch(images.shape, 2 ** (len(self.convs) - 1), channels_last=False)
        x, outputs = images * 2 - 1, []  # centre the pixels: [0, 1] -> [-1, 1]
        for i, conv in enumerate(self.convs):
            x = torch.relu(conv(self.pool(x) if i else x))  # (N, C_i, H / 2^i, W / 2^i)
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
        torch.manual_seed(args.seed)
        extractor = FeatureExtractor()
    common.check_layers(args, len(extractor.channels))
    device = get_device(device)
    extractor = extractor.to(device).eval()

    def chw(image):  # (H, W, 3) NumPy -> (1, 3, H, W)
        return torch.as_tensor(image, device=device).permute(2, 0, 1)[None]

    with torch.no_grad():
        content_feats, style_feats = (
            extractor(chw(args.content)),
            extractor(chw(args.style)),
        )
    content_targets = [content_feats[i] for i in args.content_layers]
    style_targets = [style_feats[i] for i in args.style_layers]
    # nudged only in tests (AIGC_COURSE_PERTURB)
    image = chw(perturb.nudged(args.start)).clone().requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=args.learning_rate)
    history = {}
    for step in range(args.steps):
        feats = extractor(image)
        c_loss = content_loss([feats[i] for i in args.content_layers], content_targets)
        s_loss = style_loss([feats[i] for i in args.style_layers], style_targets)
        loss = args.content_weight * c_loss + args.style_weight * s_loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            image.clamp_(0.0, 1.0)  # keep a valid image
        losses = {"loss": loss, "content_loss": c_loss, "style_loss": s_loss}
        record(history, step + 1, {k: v.detach() for k, v in losses.items()})
    return image.detach()[0].permute(1, 2, 0).cpu().numpy(), history
