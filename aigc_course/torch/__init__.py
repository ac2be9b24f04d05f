"""PyTorch implementations: ``from aigc_course import torch as ac``.

Same names and signatures as :mod:`aigc_course.keras` (a test compares them).
"""

from aigc_course.core.seed import seed_everything
from aigc_course.torch._core import count_parameters, get_device
from aigc_course.torch.audio import SpectrogramVAE
from aigc_course.torch.diffusion import DDPM, Denoiser, FlowMatching, train_points
from aigc_course.torch.gan import (
    GAN,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from aigc_course.torch.gpt import GPTConfig, TinyGPT, evaluate_lm, train_lm
from aigc_course.torch.inpainting import Inpainter, masked_mse
from aigc_course.torch.lora import (
    LoRALinear,
    apply_lora,
    count_trainable_parameters,
    freeze,
    lora_layers,
    mark_only_lora_trainable,
    merge_lora,
    unmerge_lora,
)
from aigc_course.torch.selfsupervised import (
    Classifier,
    DenoisingAutoencoder,
    MaskedAutoencoder,
    masked_reconstruction_loss,
)
from aigc_course.torch.style import (
    FeatureExtractor,
    content_loss,
    gram_matrix,
    style_loss,
    transfer_style,
)
from aigc_course.torch.toy import (
    ToyDiscriminator,
    ToyGenerator,
    sample_points,
    toy_generator_loss,
    train_toy_gan,
)
from aigc_course.torch.training import load_checkpoint, save_checkpoint, train
from aigc_course.torch.vae import (
    VAE,
    Autoencoder,
    ConditionalVAE,
    kl_loss,
    reconstruction_loss,
)

FRAMEWORK = "torch"

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
