"""Train a VAE and a GAN for 2 epochs in both frameworks; print their last losses as
JSON.

Run by tests/test_perturbations.py under each perturbed environment.
"""

import json

import aigc_course
from aigc_course import keras as kac
from aigc_course import torch as tac
from aigc_course.data import load_digits

x, _ = load_digits(28, split="train", scale="unit")
losses = {}
for framework, ac in [("torch", tac), ("keras", kac)]:
    aigc_course.seed_everything(0)
    losses[f"{framework} VAE"] = ac.train(
        ac.VAE(image_size=28, latent_dim=2), x, epochs=2
    )["loss"][-1]
    aigc_course.seed_everything(0)
    gan = ac.GAN(ac.MLPGenerator(28), ac.MLPDiscriminator(28))
    losses[f"{framework} GAN"] = ac.train(gan, x * 2 - 1, epochs=2)["d_loss"][-1]
print(json.dumps(losses))
