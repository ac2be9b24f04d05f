"""A conditional VAE over note spectrograms (PyTorch): ask for a note, hear it.

Why spectrograms rather than waveforms: two clips of the same note start at
different phases, so their waveforms can be opposite in sign; a VAE's decoder,
which learns something like the average of what it cannot tell apart, then
averages them towards silence.  Their magnitude spectrograms are (almost) the
same picture.  A 32 x 32 spectrogram (:func:`aigc_course.data.audio.note_spectrograms`)
is an image in [0, 1], so the chapter-3 :class:`~aigc_course.torch.vae.ConditionalVAE`
and the shared trainer apply unchanged; the phase is rebuilt afterwards by
Griffin-Lim (:func:`aigc_course.data.audio.spectrogram_to_audio`).

The Keras twin, :mod:`aigc_course.keras.audio`, has the same names and arguments.
"""

from __future__ import annotations

import numpy as np

from aigc_course.data import audio
from aigc_course.torch.vae import ConditionalVAE


class SpectrogramVAE(ConditionalVAE):
    """A :class:`ConditionalVAE` with defaults for the notes of
    :func:`aigc_course.data.audio.make_notes`.

    Args:
        image_size: frequency bins = frames of the square spectrogram (``audio.BINS``).
        latent_dim: size of z: loudness, timbre and envelope (the label gives the
        pitch).
        num_classes: notes in the scale (``len(audio.NOTE_NAMES)``).
        (the others as for :class:`ConditionalVAE`)
    """

    def __init__(
        self,
        image_size: int = audio.BINS,
        latent_dim: int = 4,
        num_classes: int = len(audio.NOTE_NAMES),
        architecture: str = "mlp",
        likelihood: str = "bernoulli",
        beta: float = 1.0,
        learning_rate: float = 1e-3,
    ):
        super().__init__(
            image_size,
            latent_dim,
            num_classes,
            architecture,
            likelihood,
            beta,
            learning_rate,
        )

    def sample_audio(
        self, num_samples: int = 8, labels=None, seed: int = 0, iterations: int = 64
    ) -> np.ndarray:
        """Waveforms ``(N, T)``: :meth:`sample` spectrograms, then Griffin-Lim with
        ``iterations`` steps."""
        return audio.spectrogram_to_audio(
            self.sample(num_samples, labels, seed), iterations=iterations
        )
