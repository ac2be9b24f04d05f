"""Model configurations the model tests share: each builds the PyTorch and the Keras
twin."""

from __future__ import annotations

import numpy as np

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac

# name -> (class name, keyword arguments, input kind)
NETWORKS = {
    "mlp_generator_8": ("MLPGenerator", {"image_size": 8, "latent_dim": 16}, "latent"),
    "mlp_generator_28": ("MLPGenerator", {"image_size": 28}, "latent"),
    "mlp_discriminator_8": ("MLPDiscriminator", {"image_size": 8}, "images"),
    "mlp_discriminator_28": ("MLPDiscriminator", {"image_size": 28}, "images"),
    "dcgan_generator_8": (
        "DCGANGenerator",
        {"image_size": 8, "latent_dim": 16},
        "latent",
    ),
    "dcgan_generator_28": (
        "DCGANGenerator",
        {"image_size": 28, "latent_dim": 16},
        "latent",
    ),
    "dcgan_discriminator_16": ("DCGANDiscriminator", {"image_size": 16}, "images"),
    "dcgan_discriminator_28": ("DCGANDiscriminator", {"image_size": 28}, "images"),
    "cond_mlp_generator_8": (
        "MLPGenerator",
        {"image_size": 8, "latent_dim": 16, "num_classes": 10},
        "latent",
    ),
    "cond_mlp_discriminator_8": (
        "MLPDiscriminator",
        {"image_size": 8, "num_classes": 10},
        "images",
    ),
    "cond_dcgan_generator_8": (
        "DCGANGenerator",
        {"image_size": 8, "latent_dim": 16, "num_classes": 10},
        "latent",
    ),
    "cond_dcgan_discriminator_8": (
        "DCGANDiscriminator",
        {"image_size": 8, "num_classes": 10},
        "images",
    ),
}

GANS = {
    "mlp": ("MLPGenerator", "MLPDiscriminator", {"image_size": 8}, {"latent_dim": 16}),
    "dcgan": (
        "DCGANGenerator",
        "DCGANDiscriminator",
        {"image_size": 8},
        {"latent_dim": 16},
    ),
    "cond_mlp": (
        "MLPGenerator",
        "MLPDiscriminator",
        {"image_size": 8, "num_classes": 10},
        {"latent_dim": 16},
    ),
    "cond_dcgan": (
        "DCGANGenerator",
        "DCGANDiscriminator",
        {"image_size": 8, "num_classes": 10},
        {"latent_dim": 16},
    ),
}


def build_network(ac, name: str):
    cls, kwargs, _ = NETWORKS[name]
    return getattr(ac, cls)(**kwargs)


def build_gan(ac, name: str, **gan_kwargs):
    g_cls, d_cls, shared, g_only = GANS[name]
    return ac.GAN(
        getattr(ac, g_cls)(**shared, **g_only),
        getattr(ac, d_cls)(**shared),
        **gan_kwargs,
    )


def twins(builder, *args, seed: int = 0, **kwargs):
    """The PyTorch and the Keras model, each built right after seeding."""
    seed_everything(seed)
    t = builder(tac, *args, **kwargs)
    seed_everything(seed)
    k = builder(kac, *args, **kwargs)
    return t, k


def network_inputs(name: str, n: int = 5, seed: int = 1):
    """Fixed inputs ``(x, labels)`` for a network: latents or images in [-1, 1], and
    labels if conditional."""
    cls, kwargs, kind = NETWORKS[name]
    rng = np.random.default_rng(seed)
    if kind == "latent":
        x = rng.standard_normal((n, kwargs.get("latent_dim", 100))).astype(np.float32)
    else:
        size = kwargs["image_size"]
        x = rng.uniform(-1, 1, (n, size, size)).astype(np.float32)
    labels = (
        rng.integers(0, kwargs["num_classes"], n) if kwargs.get("num_classes") else None
    )
    return x, labels


def digits(
    image_size: int = 8, n: int = 128, scale: str = "tanh", with_labels: bool = False
):
    """A small slice of the bundled digits."""
    from aigc_course.data import load_digits

    images, labels = load_digits(image_size, scale=scale)
    return (images[:n], labels[:n]) if with_labels else images[:n]


# name -> (class name, keyword arguments)
AUTOENCODERS = {
    "ae_mlp": ("Autoencoder", {"image_size": 8, "latent_dim": 3}),
    "ae_conv_gaussian": (
        "Autoencoder",
        {
            "image_size": 8,
            "latent_dim": 3,
            "architecture": "conv",
            "likelihood": "gaussian",
        },
    ),
    "vae_mlp": ("VAE", {"image_size": 8, "latent_dim": 3}),
    "vae_mlp_28": ("VAE", {"image_size": 28, "latent_dim": 2}),
    "vae_conv": (
        "VAE",
        {"image_size": 8, "latent_dim": 3, "architecture": "conv", "beta": 4.0},
    ),
    "vae_conv_28_gaussian": (
        "VAE",
        {
            "image_size": 28,
            "latent_dim": 2,
            "architecture": "conv",
            "likelihood": "gaussian",
        },
    ),
    "cvae_mlp": ("ConditionalVAE", {"image_size": 8, "latent_dim": 3}),
    "cvae_conv": (
        "ConditionalVAE",
        {"image_size": 8, "latent_dim": 3, "architecture": "conv", "num_classes": 4},
    ),
}


def build_autoencoder(ac, name: str):
    cls, kwargs = AUTOENCODERS[name]
    return getattr(ac, cls)(**kwargs)


# name -> (class name, keyword arguments): small diffusion and flow-matching models at
# 8x8
DIFFUSION = {
    "ddpm": ("DDPM", {"image_size": 8, "hidden": 32, "blocks": 2, "timesteps": 100}),
    "ddpm_cond": (
        "DDPM",
        {
            "image_size": 8,
            "hidden": 32,
            "blocks": 1,
            "timesteps": 100,
            "num_classes": 10,
            "schedule": "linear",
        },
    ),
    "flow": ("FlowMatching", {"image_size": 8, "hidden": 32, "blocks": 2}),
    "flow_cond": (
        "FlowMatching",
        {
            "image_size": 8,
            "hidden": 32,
            "blocks": 1,
            "num_classes": 10,
            "time_sampling": "uniform",
        },
    ),
}


def build_diffusion(ac, name: str, **overrides):
    cls, kwargs = DIFFUSION[name]
    return getattr(ac, cls)(**{**kwargs, **overrides})
