"""PyTorch implementations: ``from aigc_course import torch as ac``.

Same names and signatures as :mod:`aigc_course.keras` (a test compares them).
"""

from aigc_course._seed import seed_everything
from aigc_course.torch._core import count_parameters, get_device
from aigc_course.torch.gan import GAN, DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from aigc_course.torch.vae import VAE, Autoencoder, ConditionalVAE, kl_loss, reconstruction_loss
from aigc_course.torch.training import load_checkpoint, save_checkpoint, train

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
]
