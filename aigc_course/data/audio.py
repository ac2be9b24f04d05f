"""Synthesised audio for the book: notes, envelopes, spectrograms, phase reconstruction,
playback.

Everything here is NumPy and framework-free.  The data set is made, not
downloaded: each clip is one note of the C major scale (C4 ... C5) with a
random loudness, timbre (harmonic amplitudes), slight detuning and ADSR
envelope, so a model has something besides the pitch to learn::

    from aigc_course.data import audio
    waves, labels = audio.make_notes(64, seed=0)  # (512, 2000) float32, (512,) int64
    specs = audio.note_spectrograms(waves)  # (512, 32, 32) in [0, 1]: an image
    clips = audio.spectrogram_to_audio(specs)  # back to sound, phase by Griffin-Lim
    audio.play(clips[:4], captions=audio.NOTE_NAMES[:4])

Shapes: waveforms are ``(T,)`` or ``(N, T)``; spectrograms are ``(F, frames)``
or ``(N, F, frames)``, frequency first, so ``imshow(origin="lower")`` puts low
notes at the bottom.
"""

from __future__ import annotations

import base64
import html
import io
import math
import wave

import numpy as np

from aigc_course.core.checks import check_float, check_int

__all__ = [
    "SAMPLE_RATE",
    "DURATION",
    "N_FFT",
    "HOP",
    "BINS",
    "DB_RANGE",
    "NOTE_NAMES",
    "NOTE_FREQUENCIES",
    "tone",
    "adsr",
    "synthesize_note",
    "make_notes",
    "stft",
    "istft",
    "spectrogram",
    "to_unit",
    "from_unit",
    "note_spectrograms",
    "griffin_lim",
    "spectrogram_to_audio",
    "dominant_frequency",
    "cents",
    "nearest_note",
    "play",
    "show_spectrograms",
]

SAMPLE_RATE = 8000  # Hz: telephone quality, plenty for notes below 1 kHz
DURATION = 0.25  # s: 2,000 samples, 32 spectrogram frames
N_FFT = 256  # samples per STFT frame (32 ms): frequency bins 31.25 Hz apart
HOP = 64  # samples between frames (75% overlap, which Griffin-Lim needs to work well)
BINS = 32  # frequency bins kept: 0 to 968.75 Hz, so a spectrogram is a 32 x 32 image
DB_RANGE = 80.0  # the quietest level kept, in dB below a full-scale sine
# Hz: harmonics above this are left out, so every partial fits in BINS
MAX_PARTIAL = 900.0
NOTE_NAMES = ("C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5")
# Equal temperament: f = 440 * 2^((midi - 69) / 12); MIDI 69 is A4 = 440 Hz.
NOTE_FREQUENCIES = tuple(
    440.0 * 2.0 ** ((m - 69) / 12) for m in (60, 62, 64, 65, 67, 69, 71, 72)
)


# --------------------------------------------------------------------------
# Argument checks: name the argument, the value and what was expected
# --------------------------------------------------------------------------


def _positive(name: str, value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    if not ok or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _hertz(name: str, value) -> np.ndarray:
    """Frequencies: an array (or a number) of positive, finite values."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a frequency in Hz or an array of them, got "
            f"{type(value).__name__}"
        ) from None
    if array.size == 0 or not np.all(np.isfinite(array) & (array > 0)):
        seen = (
            "an empty array"
            if array.size == 0
            else f"values in [{array.min():g}, {array.max():g}]"
        )
        seen = f"{array.item():g}" if array.size == 1 else seen
        raise ValueError(
            f"{name} must hold positive, finite frequencies in Hz, got {seen}"
        )
    return array


def _array(name: str, value, ndims: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)):
        raise ValueError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if array.ndim not in ndims or array.size == 0:
        raise ValueError(
            f"{name} must be a non-empty array with "
            f"{' or '.join(map(str, ndims))} dimensions, got shape "
            f"{array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array.astype(dtype, copy=False)


# --------------------------------------------------------------------------
# Synthesis
# --------------------------------------------------------------------------


def tone(
    frequency: float,
    duration: float = DURATION,
    sample_rate: int = SAMPLE_RATE,
    amplitude: float = 1.0,
) -> np.ndarray:
    """A sine ``amplitude * sin(2 pi f t)`` at ``t = n / sample_rate``, ``n = 0 ..
    round(duration * rate) - 1``."""
    frequency, duration = (
        _positive("frequency", frequency),
        _positive("duration", duration),
    )
    sample_rate, amplitude = (
        check_int("sample_rate", sample_rate),
        _positive("amplitude", amplitude),
    )
    if frequency >= sample_rate / 2:
        raise ValueError(
            "frequency must be below the Nyquist frequency sample_rate / 2 = "
            f"{sample_rate / 2:g} Hz, got {frequency:g} "
            "(higher tones alias to lower ones)"
        )
    t = np.arange(round(duration * sample_rate)) / sample_rate  # seconds
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def adsr(
    num_samples: int,
    attack: float,
    decay: float,
    sustain: float,
    release: float,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """An attack-decay-sustain-release envelope ``(num_samples,)``: straight lines
    through the breakpoints.

    0 -> 1 during ``attack`` seconds, 1 -> ``sustain`` (a level in [0, 1])
    during ``decay`` seconds, held, then ``sustain`` -> 0 during the last
    ``release`` seconds; the last sample is 0.
    """
    num_samples, sample_rate = (
        check_int("num_samples", num_samples, 2),
        check_int("sample_rate", sample_rate),
    )
    attack, decay, release = (
        _positive(n, v)
        for n, v in (("attack", attack), ("decay", decay), ("release", release))
    )
    if not (
        isinstance(sustain, (int, float, np.integer, np.floating)) and 0 <= sustain <= 1
    ):
        raise ValueError(
            f"sustain must be a level in [0, 1] (not a time), got {sustain!r}"
        )
    end = (num_samples - 1) / sample_rate  # time of the last sample
    if attack + decay + release > end:
        raise ValueError(
            f"attack + decay + release = {attack + decay + release:g} s must fit in "
            "the clip "
            f"({num_samples} samples = {end:g} s at sample_rate={sample_rate})"
        )
    t = np.arange(num_samples) / sample_rate
    times = [0.0, attack, attack + decay, end - release, end]
    return np.interp(t, times, [0.0, 1.0, sustain, sustain, 0.0]).astype(np.float32)


def synthesize_note(
    frequency: float,
    *,
    duration: float = DURATION,
    sample_rate: int = SAMPLE_RATE,
    harmonics=(1.0,),
    phases=None,
    envelope=(0.01, 0.05, 0.7, 0.05),
    amplitude: float = 0.8,
    max_partial: float = MAX_PARTIAL,
) -> np.ndarray:
    """A note: partials ``k * frequency`` with amplitudes ``harmonics[k - 1]`` (and
    starting ``phases[k - 1]``, radians; 0 when None), times an ADSR ``envelope``
    ``(attack, decay, sustain, release)``.

    Partials above ``max_partial`` Hz are dropped, as a band-limited
    synthesiser does (a partial above the Nyquist frequency would alias; the
    default also keeps every partial inside the 0-969 Hz band of
    :func:`note_spectrograms`).  The sum is scaled so its peak is ``amplitude``.
    """
    frequency, duration = (
        _positive("frequency", frequency),
        _positive("duration", duration),
    )
    sample_rate = check_int("sample_rate", sample_rate)
    amplitude, max_partial = (
        _positive("amplitude", amplitude),
        _positive("max_partial", max_partial),
    )
    if (
        isinstance(envelope, (str, bytes))
        or not hasattr(envelope, "__len__")
        or len(envelope) != 4
    ):
        raise ValueError(
            "envelope must be (attack, decay, sustain, release), four "
            f"numbers, got {envelope!r}"
        )
    harmonics = _array("harmonics", harmonics, (1,))
    phases = (
        np.zeros(len(harmonics)) if phases is None else _array("phases", phases, (1,))
    )
    if len(phases) != len(harmonics):
        raise ValueError(
            "phases must have one entry per harmonic "
            f"({len(harmonics)}), got {len(phases)}"
        )
    t = np.arange(round(duration * sample_rate)) / sample_rate
    partials = zip(range(1, len(harmonics) + 1), harmonics, phases)
    wave_ = sum(
        a * np.sin(2 * np.pi * k * frequency * t + p)
        for k, a, p in partials
        if k * frequency <= max_partial
    )
    if np.isscalar(wave_) or not np.any(wave_):
        raise ValueError(
            f"no partial of {frequency:g} Hz is both non-zero and below "
            f"max_partial={max_partial:g} Hz"
        )
    wave_ = wave_ * adsr(len(t), *envelope, sample_rate=sample_rate)
    return (amplitude * wave_ / np.abs(wave_).max()).astype(np.float32)


def make_notes(
    num_per_class: int = 64,
    *,
    seed: int = 0,
    duration: float = DURATION,
    sample_rate: int = SAMPLE_RATE,
):
    """The course's audio data set: ``num_per_class`` clips of each note of
    :data:`NOTE_NAMES`.

    Each clip draws its loudness (0.4-0.9), timbre (2nd and 3rd harmonic
    amplitudes 0-0.6 and 0-0.3), the starting phase of each partial (as a
    recording would catch it), detuning (within +-15 cents) and envelope
    (attack 5-40 ms, decay 20-80 ms, sustain 0.3-0.9, release 20-80 ms) from a
    generator seeded with ``seed``: the same seed gives the same clips.

    Returns:
        ``(waveforms, labels)``: ``(8 * num_per_class, round(duration * rate))``
        float32 in [-1, 1] and int64 note indices into :data:`NOTE_NAMES`,
        class by class.
    """
    num_per_class = check_int("num_per_class", num_per_class)
    seed = check_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    waves, labels = [], []
    for label, base in enumerate(NOTE_FREQUENCIES):
        for _ in range(num_per_class):
            detune = rng.uniform(-15, 15)  # cents: 100 cents = one semitone
            harmonics = (1.0, rng.uniform(0, 0.6), rng.uniform(0, 0.3))
            phases = rng.uniform(0, 2 * np.pi, 3)
            envelope = (
                rng.uniform(0.005, 0.04),
                rng.uniform(0.02, 0.08),
                rng.uniform(0.3, 0.9),
                rng.uniform(0.02, 0.08),
            )
            waves.append(
                synthesize_note(
                    base * 2 ** (detune / 1200),
                    duration=duration,
                    sample_rate=sample_rate,
                    harmonics=harmonics,
                    phases=phases,
                    envelope=envelope,
                    amplitude=rng.uniform(0.4, 0.9),
                )
            )
            labels.append(label)
    return np.stack(waves), np.array(labels, dtype=np.int64)


# --------------------------------------------------------------------------
# Spectrograms: the short-time Fourier transform and its inverse
# --------------------------------------------------------------------------


def _window(n_fft: int) -> np.ndarray:
    # periodic Hann: overlapping copies add up to a constant
    return np.hanning(n_fft + 1)[:-1]


def stft(waveforms, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Complex STFT ``(..., n_fft // 2 + 1, 1 + T // hop)`` of waveforms ``(..., T)``.

    Frames are centred on ``t = 0, hop, 2 hop, ...`` (the signal is padded with
    ``n_fft // 2`` zeros at each end) and windowed with a periodic Hann window.
    """
    n_fft, hop = check_int("n_fft", n_fft, 2), check_int("hop", hop)
    x = _array("waveforms", waveforms, (1, 2))
    pad = n_fft // 2
    x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)])
    # (..., frames, n_fft)
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=-1)[..., ::hop, :]
    # (..., F, frames)
    return np.swapaxes(np.fft.rfft(frames * _window(n_fft), axis=-1), -1, -2)


def istft(
    spectra, n_fft: int = N_FFT, hop: int = HOP, length: int | None = None
) -> np.ndarray:
    """Inverse of :func:`stft`: overlap-add of the windowed frames, divided by the
    summed squared window."""
    n_fft, hop = check_int("n_fft", n_fft, 2), check_int("hop", hop)
    spectra = np.asarray(spectra)
    if spectra.ndim not in (2, 3) or spectra.shape[-2] != n_fft // 2 + 1:
        raise ValueError(
            f"spectra must have shape (..., {n_fft // 2 + 1}, frames) "
            f"for n_fft={n_fft}, got {spectra.shape}"
        )
    window = _window(n_fft)
    # (..., frames, n_fft)
    frames = np.fft.irfft(np.swapaxes(spectra, -1, -2), n=n_fft, axis=-1) * window
    count = frames.shape[-2]
    out = np.zeros(frames.shape[:-2] + (n_fft + hop * (count - 1),))
    norm = np.zeros(out.shape[-1])
    for i in range(count):
        out[..., i * hop : i * hop + n_fft] += frames[..., i, :]
        norm[i * hop : i * hop + n_fft] += window**2
    out /= np.where(norm > 1e-8, norm, 1.0)
    pad = n_fft // 2
    length = hop * (count - 1) if length is None else check_int("length", length)
    return out[..., pad : pad + length]


def spectrogram(waveforms, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Magnitude ``|STFT|`` ``(..., n_fft // 2 + 1, frames)``: how much of each
    frequency, frame by frame."""
    return np.abs(stft(waveforms, n_fft, hop))


def to_unit(magnitude, n_fft: int = N_FFT, db_range: float = DB_RANGE) -> np.ndarray:
    """Magnitudes -> [0, 1]: decibels relative to a full-scale sine (1.0), floor at
    ``-db_range`` (0.0).

    A unit sine under a Hann window of ``n_fft`` samples peaks at ``n_fft / 4``.
    Ears hear loudness on a log scale, and so should the model's loss.
    """
    n_fft, db_range = check_int("n_fft", n_fft, 2), _positive("db_range", db_range)
    db = 20 * np.log10(
        np.maximum(np.asarray(magnitude, dtype=np.float64), 1e-12) / (n_fft / 4)
    )
    return np.clip(1 + db / db_range, 0.0, 1.0).astype(np.float32)


def from_unit(unit, n_fft: int = N_FFT, db_range: float = DB_RANGE) -> np.ndarray:
    """Inverse of :func:`to_unit` (0.0 becomes silence rather than the floor level)."""
    n_fft, db_range = check_int("n_fft", n_fft, 2), _positive("db_range", db_range)
    unit = np.asarray(unit, dtype=np.float64)
    return np.where(unit > 0, (n_fft / 4) * 10 ** ((unit - 1) * db_range / 20), 0.0)


def note_spectrograms(waveforms, bins: int = BINS) -> np.ndarray:
    """The model's view of a clip: :func:`to_unit` of the lowest ``bins`` bins, ``(...,
    bins, frames)`` float32."""
    return to_unit(spectrogram(waveforms)[..., : check_int("bins", bins), :])


def griffin_lim(
    magnitude,
    n_fft: int = N_FFT,
    hop: int = HOP,
    iterations: int = 64,
    length: int | None = None,
    momentum: float = 0.99,
    seed: int = 0,
) -> np.ndarray:
    """A waveform whose STFT magnitude is close to ``magnitude`` (Griffin & Lim, 1984).

    A spectrogram keeps each frame's magnitudes and throws away the phases.
    Starting from random phases, repeat: make a waveform (:func:`istft`),
    take its STFT, keep its phases and put the wanted magnitudes back.  The
    ``momentum`` term is the "fast Griffin-Lim" of Perraudin et al. (2013);
    0 gives the original algorithm.
    """
    n_fft, hop, seed = (
        check_int("n_fft", n_fft, 2),
        check_int("hop", hop),
        check_int("seed", seed, 0),
    )
    magnitude = _array("magnitude", magnitude, (2, 3))
    if magnitude.shape[-2] != n_fft // 2 + 1:
        raise ValueError(
            f"magnitude must have {n_fft // 2 + 1} frequency bins for "
            f"n_fft={n_fft}, got shape {magnitude.shape}"
        )
    iterations = check_int("iterations", iterations, 0)
    if not (isinstance(momentum, (int, float)) and 0 <= momentum < 2):
        raise ValueError(
            "momentum must be a number in [0, 2) (0.99 is the usual "
            f"choice), got {momentum!r}"
        )
    length = (
        hop * (magnitude.shape[-1] - 1)
        if length is None
        else check_int("length", length)
    )
    rng = np.random.default_rng(seed)
    spectra = magnitude * np.exp(2j * np.pi * rng.random(magnitude.shape))
    previous = np.zeros_like(spectra)
    for _ in range(iterations):
        # a consistent STFT near `spectra`
        rebuilt = stft(istft(spectra, n_fft, hop, length), n_fft, hop)
        accelerated = rebuilt + momentum * (rebuilt - previous)
        previous = rebuilt
        # its phases, our magnitudes
        spectra = magnitude * accelerated / np.maximum(np.abs(accelerated), 1e-12)
    return istft(spectra, n_fft, hop, length).astype(np.float32)


def spectrogram_to_audio(
    unit_spectrograms, duration: float = DURATION, iterations: int = 64
) -> np.ndarray:
    """Waveforms from :func:`note_spectrograms`-style images: undo the dB scale, zero
    the cut-off bins, Griffin-Lim."""
    unit = _array("unit_spectrograms", unit_spectrograms, (2, 3))
    if unit.min() < -1e-3 or unit.max() > 1 + 1e-3:
        raise ValueError(
            "unit_spectrograms must lie in [0, 1], got values in "
            f"[{unit.min():.3g}, {unit.max():.3g}]"
        )
    magnitude = from_unit(np.clip(unit, 0, 1))
    full = np.zeros(unit.shape[:-2] + (N_FFT // 2 + 1, unit.shape[-1]))
    full[..., : unit.shape[-2], :] = magnitude
    return griffin_lim(
        full,
        iterations=iterations,
        length=round(_positive("duration", duration) * SAMPLE_RATE),
    )


# --------------------------------------------------------------------------
# Measuring pitch
# --------------------------------------------------------------------------


def dominant_frequency(
    waveforms, sample_rate: int = SAMPLE_RATE, min_frequency: float = 20.0
) -> np.ndarray | float:
    """The frequency (Hz) of the strongest peak of each clip's spectrum, above
    ``min_frequency``.

    The clip is Hann-windowed and zero-padded to 16x its length, and the peak
    refined by a parabola through the log magnitudes of its three bins, so
    the estimate is far finer than ``sample_rate / T``.
    """
    x = _array("waveforms", waveforms, (1, 2))
    sample_rate = check_int("sample_rate", sample_rate)
    min_frequency = check_float(
        "min_frequency", min_frequency, 0.0, sample_rate / 2, high_open=True
    )
    n = 1 << int(math.ceil(math.log2(16 * x.shape[-1])))
    # (..., n/2 + 1)
    spectrum = np.log(
        np.abs(np.fft.rfft(x * np.hanning(x.shape[-1]), n=n, axis=-1)) + 1e-12
    )
    # ignore DC and rumble
    spectrum[..., : int(min_frequency * n / sample_rate) + 1] = -np.inf
    k = np.clip(np.argmax(spectrum, axis=-1), 1, spectrum.shape[-1] - 2)
    left, mid, right = (
        np.take_along_axis(spectrum, (k + d)[..., None], -1)[..., 0] for d in (-1, 0, 1)
    )
    left, right = (
        np.where(np.isfinite(left), left, mid),
        np.where(np.isfinite(right), right, mid),
    )
    curvature = left - 2 * mid + right
    offset = np.where(
        curvature < 0,
        0.5 * (left - right) / np.where(curvature < 0, curvature, -1.0),
        0.0,
    )
    freq = (k + offset) * sample_rate / n
    return float(freq) if freq.ndim == 0 else freq


def cents(frequency, reference) -> np.ndarray:
    """Pitch difference in cents, ``1200 log2(f / f_ref)``: 100 cents is a semitone,
    1200 an octave."""
    return 1200 * np.log2(
        _hertz("frequency", frequency) / _hertz("reference", reference)
    )


def nearest_note(frequency) -> np.ndarray:
    """Index into :data:`NOTE_NAMES` of the scale note nearest in pitch (a classifier by
    ear, in effect)."""
    distance = np.abs(
        cents(_hertz("frequency", frequency)[..., None], np.array(NOTE_FREQUENCIES))
    )
    return np.argmin(distance, axis=-1)


# --------------------------------------------------------------------------
# Showing and playing
# --------------------------------------------------------------------------


def _wav_base64(waveform, sample_rate: int) -> str:
    """16-bit mono WAV, peak-normalised, as base64 text for a ``data:`` URL."""
    x = np.asarray(waveform, dtype=np.float64)
    x = x / max(np.abs(x).max(), 1e-9)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(np.round(x * 32767).astype("<i2").tobytes())
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def play(waveforms, sample_rate: int = SAMPLE_RATE, captions=None):
    """A row of audio players for the page: ``(T,)`` or ``(N, T)`` clips, each embedded
    as a WAV.

    Like ``IPython.display.Audio`` (each clip is normalised to its peak), but
    several clips in one output, each with a caption.  The sound is stored in
    the notebook as base64 text, so the page needs no external file: 0.25 s
    at 8 kHz is about 5 KB.
    """
    from IPython.display import HTML

    clips = _array("waveforms", waveforms, (1, 2))
    clips = clips[None] if clips.ndim == 1 else clips
    sample_rate = check_int("sample_rate", sample_rate)
    captions = (
        [f"clip {i}" for i in range(len(clips))]
        if captions is None
        else [str(c) for c in captions]
    )
    if len(captions) != len(clips):
        raise ValueError(
            f"captions must have one entry per clip ({len(clips)}), got {len(captions)}"
        )
    cells = "".join(
        '<div style="display:inline-block;margin:0 8px 8px '
        '0;text-align:center;font-size:90%">'
        f"{html.escape(caption)}<br>"
        '<audio controls style="width:150px"><source '
        f'src="data:audio/wav;base64,{_wav_base64(clip, sample_rate)}" '
        'type="audio/wav"></audio></div>'
        for clip, caption in zip(clips, captions)
    )
    return HTML(f"<div>{cells}</div>")


def show_spectrograms(
    unit_spectrograms,
    titles=None,
    ncols: int = 8,
    axes=None,
    sample_rate: int = SAMPLE_RATE,
    n_fft: int = N_FFT,
    hop: int = HOP,
):
    """Plot ``(N, F, frames)`` spectrograms in [0, 1] (time across, frequency up, in
    Hz); returns the figure."""
    import matplotlib.pyplot as plt

    specs = _array("unit_spectrograms", unit_spectrograms, (2, 3))
    specs = specs[None] if specs.ndim == 2 else specs
    ncols, sample_rate = (
        check_int("ncols", ncols),
        check_int("sample_rate", sample_rate),
    )
    n_fft, hop = check_int("n_fft", n_fft, 2), check_int("hop", hop)
    if axes is None:
        nrows = -(-len(specs) // ncols)
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(1.5 * ncols, 1.6 * nrows + 0.3), squeeze=False
        )
    axes = np.ravel(axes)
    if len(axes) < len(specs):
        raise ValueError(
            f"axes holds {len(axes)} plots but there are {len(specs)} spectrograms"
        )
    top = specs.shape[-2] * sample_rate / n_fft  # Hz at the top edge
    length = specs.shape[-1] * hop / sample_rate  # s
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= len(specs):
            continue
        ax.imshow(
            specs[i],
            origin="lower",
            aspect="auto",
            cmap="magma",
            vmin=0,
            vmax=1,
            extent=(0, length, 0, top),
            # the model's own pixels (and a PNG a third the size)
            interpolation="nearest",
        )
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    return axes[0].figure
