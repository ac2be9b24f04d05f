"""Synthesised audio, spectrograms, Griffin-Lim, and the spectrogram VAE in both
frameworks."""

import numpy as np
import pytest
import torch

from aigc_course import keras as kac
from aigc_course import torch as tac
from aigc_course.book import parity
from aigc_course.data import audio
from aigc_course.keras.audio import SpectrogramVAE as KerasSpectrogramVAE
from aigc_course.torch.audio import SpectrogramVAE as TorchSpectrogramVAE

# ---- the data set ----------------------------------------------------------------


def test_make_notes_is_deterministic_with_the_documented_shapes():
    waves, labels = audio.make_notes(4, seed=3)
    again, labels_again = audio.make_notes(4, seed=3)
    other, _ = audio.make_notes(4, seed=4)
    assert (
        waves.shape == (32, round(audio.DURATION * audio.SAMPLE_RATE))
        and waves.dtype == np.float32
    )
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [4] * len(
        audio.NOTE_NAMES
    )
    np.testing.assert_array_equal(waves, again)
    np.testing.assert_array_equal(labels, labels_again)
    assert not np.array_equal(waves, other)
    # the attack starts from silence
    assert np.abs(waves).max() <= 0.9 + 1e-6 and np.abs(waves[:, 0]).max() < 1e-6


def test_each_clip_has_the_pitch_of_its_label():
    waves, labels = audio.make_notes(4, seed=0)
    found = audio.dominant_frequency(waves)
    # detuned by <= 15 cents
    assert (
        np.abs(audio.cents(found, np.array(audio.NOTE_FREQUENCIES)[labels])).max() < 20
    )
    np.testing.assert_array_equal(audio.nearest_note(found), labels)


def test_note_frequencies_are_equal_tempered():
    f = np.array(audio.NOTE_FREQUENCIES)
    assert audio.NOTE_NAMES[5] == "A4" and f[5] == 440.0
    assert np.isclose(f[-1], 2 * f[0])  # C5 is an octave above C4
    # the major scale's steps
    assert np.allclose(audio.cents(f[1:], f[:-1]), [200, 200, 100, 200, 200, 200, 100])


def test_adsr_breakpoints():
    env = audio.adsr(2001, 0.025, 0.05, 0.5, 0.1, 8000)
    assert env.shape == (2001,) and env[0] == 0 and env[-1] == 0
    assert (
        np.isclose(env[200], 1.0)
        and np.isclose(env[600], 0.5)
        and np.isclose(env[1200], 0.5)
    )
    assert np.isclose(env[1600], 0.25)  # halfway through the 0.1 s (800-sample) release


def test_harmonics_above_the_band_are_left_out():
    # 1000 Hz > MAX_PARTIAL: a pure tone
    x = audio.synthesize_note(500.0, harmonics=(1.0, 0.5))
    y = audio.synthesize_note(500.0, harmonics=(1.0,))
    np.testing.assert_allclose(x, y, atol=1e-6)


# ---- spectrograms ----------------------------------------------------------------


@pytest.mark.parametrize("frequency", [500.0, 437.5, 281.25])
def test_spectrogram_of_a_pure_tone_peaks_at_its_bin(frequency):
    spec = audio.spectrogram(audio.tone(frequency))
    assert spec.shape == (audio.N_FFT // 2 + 1, 1 + 2000 // audio.HOP)  # (129, 32)
    k = frequency * audio.N_FFT / audio.SAMPLE_RATE  # bin k holds k * rate / n_fft Hz
    assert np.all(np.argmax(spec[:, 4:-4], axis=0) == round(k))
    # a unit sine under a Hann window of n_fft samples peaks at n_fft / 4: 0 dB, 1.0 in
    # the unit scale
    assert np.isclose(spec[round(k), 16], audio.N_FFT / 4, rtol=1e-3)
    assert np.isclose(audio.to_unit(spec)[round(k), 16], 1.0, atol=1e-3)


def test_note_spectrograms_are_square_images():
    waves, _ = audio.make_notes(1)
    specs = audio.note_spectrograms(waves)
    assert specs.shape == (8, audio.BINS, audio.BINS) and specs.dtype == np.float32
    assert specs.min() >= 0 and specs.max() <= 1


def test_istft_inverts_stft_and_unit_scale_round_trips():
    waves, _ = audio.make_notes(1)
    np.testing.assert_allclose(
        audio.istft(audio.stft(waves), length=waves.shape[1]), waves, atol=1e-6
    )
    mags = np.array([0.01, 0.1, 1.0, 64.0])  # down to -76 dB, inside the 80 dB range
    np.testing.assert_allclose(audio.from_unit(audio.to_unit(mags)), mags, rtol=1e-5)


def test_griffin_lim_rebuilds_a_tone_with_its_pitch():
    x = audio.tone(440.0)
    rebuilt = audio.griffin_lim(audio.spectrogram(x), length=len(x), iterations=32)
    assert abs(audio.cents(audio.dominant_frequency(rebuilt), 440.0)) < 5
    error = np.linalg.norm(
        audio.spectrogram(rebuilt) - audio.spectrogram(x)
    ) / np.linalg.norm(audio.spectrogram(x))
    assert error < 0.1


def test_dominant_frequency_is_finer_than_a_bin():
    x = np.stack([audio.tone(f) for f in (441.3, 523.7)])
    np.testing.assert_allclose(audio.dominant_frequency(x), [441.3, 523.7], atol=0.5)
    assert isinstance(audio.dominant_frequency(x[0]), float)


def test_play_embeds_one_player_per_clip():
    html = audio.play(
        np.stack([audio.tone(440.0), audio.tone(523.25)]), captions=["A4", "C5"]
    ).data
    assert (
        html.count("<audio") == 2
        and html.count("data:audio/wav;base64,") == 2
        and "A4" in html
    )
    assert len(html) < 15_000  # about 5 KB per 0.25 s clip


def test_show_spectrograms_returns_a_figure():
    import matplotlib

    matplotlib.use("Agg")
    fig = audio.show_spectrograms(
        np.zeros((3, 32, 32)), titles=["a", "b", "c"], ncols=2
    )
    assert len(fig.axes) == 4


# ---- bad input: a ValueError that names the argument ----------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: audio.tone(-5.0), "frequency"),
        (lambda: audio.tone(5000.0), "Nyquist"),
        (lambda: audio.tone(440.0, duration=0), "duration"),
        (lambda: audio.adsr(100, 0.01, 0.01, 1.5, 0.01), "sustain"),
        (lambda: audio.adsr(100, 0.1, 0.1, 0.5, 0.1), r"attack \+ decay \+ release"),
        (
            lambda: audio.synthesize_note(440.0, harmonics=(1.0, 0.5), phases=(0.0,)),
            "phases",
        ),
        (lambda: audio.make_notes(0), "num_per_class"),
        (lambda: audio.make_notes(2, seed=-1), "seed"),
        (lambda: audio.stft(np.full(300, np.nan)), "waveforms"),
        (lambda: audio.stft(np.zeros(300), hop=0), "hop"),
        (lambda: audio.griffin_lim(np.ones((30, 32))), "magnitude"),
        (lambda: audio.griffin_lim(np.ones((129, 32)), momentum=-1), "momentum"),
        (
            lambda: audio.spectrogram_to_audio(np.full((32, 32), 2.0)),
            "unit_spectrograms",
        ),
        (lambda: audio.play(np.zeros((2, 100)), captions=["one"]), "captions"),
        (lambda: audio.dominant_frequency(np.zeros((2, 2, 2, 2))), "waveforms"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("cls", [TorchSpectrogramVAE, KerasSpectrogramVAE])
def test_model_bad_input_names_the_argument(cls):
    with pytest.raises(ValueError, match="latent_dim"):
        cls(latent_dim=0)
    with pytest.raises(ValueError, match="num_classes"):
        cls(num_classes=0)
    with pytest.raises(ValueError, match="likelihood"):
        cls(likelihood="poisson")
    model = cls()
    with pytest.raises(ValueError, match="labels"):
        model.sample(2, labels=[0, 8])  # only 8 notes
    train = tac.train if cls is TorchSpectrogramVAE else kac.train
    with pytest.raises(ValueError, match="images"):
        # not square
        train(model, np.zeros((4, 32, 16), np.float32), np.zeros(4, np.int64), steps=1)


# ---- the model: parity and a short run in each framework ------------------------


def test_keras_and_torch_agree_with_copied_weights():
    # threads: left to whichever test started TensorFlow
    tac.seed_everything(0, num_threads=None)
    t, k = TorchSpectrogramVAE(), KerasSpectrogramVAE()
    assert tac.count_parameters(t) == kac.count_parameters(k)
    # encoder: 2 Linear + 2 heads; decoder: 3 Linear
    assert parity.copy_torch_to_keras(t, k) == 7
    labels = np.arange(8)
    np.testing.assert_allclose(
        t.sample(8, labels=labels, seed=1),
        k.sample(8, labels=labels, seed=1),
        atol=1e-5,
    )
    waves, y = audio.make_notes(2, seed=0)
    specs = audio.note_spectrograms(waves)
    noise = (
        np.random.default_rng(0)
        .standard_normal((len(specs), t.latent_dim))
        .astype(np.float32)
    )
    with torch.no_grad():
        loss_t = t.compute_losses(
            torch.as_tensor(specs), torch.as_tensor(noise), torch.as_tensor(y)
        )
    loss_k = k.compute_losses(specs, noise, y)
    for key in ("loss", "reconstruction_loss", "kl_loss"):
        assert np.isclose(float(loss_t[key]), float(loss_k[key]), rtol=1e-5), key


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_few_steps_train_and_sound(framework):
    ac, cls = (
        (tac, TorchSpectrogramVAE)
        if framework == "torch"
        else (kac, KerasSpectrogramVAE)
    )
    ac.seed_everything(0, num_threads=None)
    model = cls()
    waves, labels = audio.make_notes(8, seed=0)
    history = ac.train(
        model, audio.note_spectrograms(waves), labels, steps=3, batch_size=16, verbose=0
    )
    assert sorted(history) == [
        "kl_loss",
        "loss",
        "reconstruction_loss",
        "step",
    ] and all(np.isfinite(history["loss"]))
    clips = model.sample_audio(2, labels=[0, 5], seed=0, iterations=4)
    assert (
        clips.shape == (2, round(audio.DURATION * audio.SAMPLE_RATE))
        and clips.dtype == np.float32
    )
