"""Keras 3 implementations: ``from aigc_course import keras as ac``.

Same names and signatures as :mod:`aigc_course.torch` (a test compares them).
The models' training steps use ``tf.GradientTape``, so Keras must run on the
TensorFlow backend; importing this subpackage under another backend fails with
a message that says how to fix it.
"""

from aigc_course.keras._backend import require_tensorflow_backend

require_tensorflow_backend()

from aigc_course.core.seed import seed_everything  # noqa: E402
from aigc_course.keras._core import count_parameters, get_device  # noqa: E402
from aigc_course.keras.audio import SpectrogramVAE  # noqa: E402
from aigc_course.keras.diffusion import DDPM, Denoiser, FlowMatching, train_points  # noqa: E402
from aigc_course.keras.gan import (
    GAN,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from aigc_course.keras.gpt import GPTConfig, TinyGPT, evaluate_lm, train_lm  # noqa: E402
from aigc_course.keras.inpainting import Inpainter, masked_mse  # noqa: E402
from aigc_course.keras.lora import (
    LoRALinear,
    apply_lora,
    count_trainable_parameters,
    freeze,
    lora_layers,
    mark_only_lora_trainable,
    merge_lora,
    unmerge_lora,
)
from aigc_course.keras.selfsupervised import (
    Classifier,
    DenoisingAutoencoder,
    MaskedAutoencoder,
    masked_reconstruction_loss,
)
from aigc_course.keras.style import (
    FeatureExtractor,
    content_loss,
    gram_matrix,
    style_loss,
    transfer_style,
)
from aigc_course.keras.toy import (
    ToyDiscriminator,
    ToyGenerator,
    sample_points,
    toy_generator_loss,
    train_toy_gan,
)
from aigc_course.keras.training import load_checkpoint, save_checkpoint, train  # noqa: E402
from aigc_course.keras.vae import (
    VAE,
    Autoencoder,
    ConditionalVAE,
    kl_loss,
    reconstruction_loss,
)

FRAMEWORK = "keras"

__all__ = [
    "FRAMEWORK",
    "count_parameters",
    "get_device",
    "seed_everything",
    # GANs
    "DCGANDiscriminator",
    "DCGANGenerator",
    "GAN",
    "MLPDiscriminator",
    "MLPGenerator",
    # autoencoders and VAEs
    "Autoencoder",
    "ConditionalVAE",
    "VAE",
    "kl_loss",
    "reconstruction_loss",
    # training and checkpoints
    "load_checkpoint",
    "save_checkpoint",
    "train",
    # toy 2-D GANs
    "ToyDiscriminator",
    "ToyGenerator",
    "sample_points",
    "toy_generator_loss",
    "train_toy_gan",
    # language models
    "GPTConfig",
    "TinyGPT",
    "evaluate_lm",
    "train_lm",
    # LoRA and freezing
    "LoRALinear",
    "apply_lora",
    "count_trainable_parameters",
    "freeze",
    "lora_layers",
    "mark_only_lora_trainable",
    "merge_lora",
    "unmerge_lora",
    # self-supervised pre-training and transfer
    "Classifier",
    "DenoisingAutoencoder",
    "MaskedAutoencoder",
    "masked_reconstruction_loss",
    # inpainting
    "Inpainter",
    "masked_mse",
    # style transfer
    "FeatureExtractor",
    "content_loss",
    "gram_matrix",
    "style_loss",
    "transfer_style",
    # audio
    "SpectrogramVAE",
    # diffusion and flow matching
    "DDPM",
    "Denoiser",
    "FlowMatching",
    "train_points",
]
