"""Checkers for the exercises of chapter 6, "Audio generation".

Each checker calls the reader's NumPy function on a few chosen inputs, compares
it with the reference in :mod:`aigc_course.audio`, and recognises the usual
mistakes so that it can say what is wrong::

    from aigc_course.exercises import applications_audio as ex
    ex.check_tone(my_tone)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course import audio
from aigc_course.exercises import _checking as checking
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = ["check_adsr", "check_dominant_frequency", "check_tone"]


# The reader's function is run and its answer compared by the shared helpers; these are this
# module's settings of them.
_call = checking.call
_close = functools.partial(checking.close, rtol=0.0, atol=1e-4)


# --------------------------------------------------------------------------
# A pure tone
# --------------------------------------------------------------------------


def _tone_candidates(f, duration, rate) -> dict:
    n = round(duration * rate)
    t = np.arange(n) / rate
    return {
        "the tone starts at 1: that is a cosine; a sine starts at 0 (use np.sin)": np.cos(2 * np.pi * f * t),
        "the frequency is 2*pi times too low: sin takes radians, so the argument is 2 * pi * frequency * t": np.sin(f * t),
        "t must be in seconds: divide the sample index n by sample_rate (t = n / sample_rate)": np.sin(2 * np.pi * f * np.arange(n)),
        "np.linspace(0, duration, N) includes the end point, so samples are duration / (N - 1) apart, "
        "not 1 / sample_rate: use t = np.arange(N) / sample_rate": np.sin(2 * np.pi * f * np.linspace(0, duration, n)),
        "np.sin takes radians, not degrees: use 2 * pi, not 360": np.sin(360 * f * t),
    }


def check_tone(fn, show: bool = True) -> Feedback:
    """Check ``fn(frequency, duration, sample_rate) -> waveform``: ``sin(2 pi f t)``, ``t = n / sample_rate``."""
    name = "Pure tone"
    cases = [(440.0, 0.25, 8000), (1000.0, 0.1, 16000)]
    for i, (f, duration, rate) in enumerate(cases):
        out, problem = _call(fn, f, duration, rate)
        if problem:
            return feedback(name, [problem], show=show)
        right = audio.tone(f, duration, rate).astype(float)
        n = len(right)
        if out.ndim != 1:
            return feedback(name, [f"returned shape {out.shape}; expected a 1-D array of {n} samples"], show=show)
        if len(out) == n + 1:
            return feedback(name, [f"returned {n + 1} samples, one too many: a clip of {duration} s at {rate} Hz has "
                                   f"duration * sample_rate = {n} samples (leave out the end point)"], show=show)  # fmt: skip
        if len(out) != n:
            return feedback(name, [f"returned {len(out)} samples for {duration} s at {rate} Hz; "
                                   f"expected duration * sample_rate = {n}"], show=show)  # fmt: skip
        if _close(out, right):
            continue
        if i == 1:
            return feedback(name, ["right at 8000 Hz but wrong at 16000 Hz: use the sample_rate argument, "
                                   "do not hard-code 8000"], show=show)  # fmt: skip
        for message, wrong in _tone_candidates(f, duration, rate).items():
            if _close(out, wrong):
                return feedback(name, [message], show=show)
        peak = np.abs(out).max()
        if peak > 0 and _close(out / peak, right, atol=1e-3):
            return feedback(name, [f"the peak amplitude is {peak:.4g}; the tone should go from -1 to 1 (amplitude 1)"], show=show)
        return feedback(
            name,
            [f"values differ from sin(2 pi f t) (first samples {np.round(out[:3], 4).tolist()}, expected {np.round(right[:3], 4).tolist()})"],
            hints=["t = np.arange(round(duration * sample_rate)) / sample_rate; np.sin(2 * np.pi * frequency * t)"],
            show=show,
        )
    return feedback(name, [], show=show)


# --------------------------------------------------------------------------
# The dominant frequency of a clip
# --------------------------------------------------------------------------


def check_dominant_frequency(fn, show: bool = True) -> Feedback:
    """Check ``fn(waveform, sample_rate) -> Hz``: the frequency of the strongest spectral peak.

    Accepted within one FFT bin (``sample_rate / len(waveform)``) of the truth,
    which a plain ``argmax`` of ``np.abs(np.fft.rfft(x))`` reaches.
    """
    name = "Dominant frequency"
    t8, t16 = np.arange(2000) / 8000, np.arange(8000) / 16000
    cases = [
        ("a 440 Hz tone, 0.25 s at 8000 Hz", np.sin(2 * np.pi * 440 * t8), 8000, 440.0),
        ("a 300 Hz tone with a DC offset of 0.3", 0.3 + 0.5 * np.sin(2 * np.pi * 300 * t8), 8000, 300.0),
        ("a 1234.5 Hz tone, 0.5 s at 16000 Hz", np.sin(2 * np.pi * 1234.5 * t16), 16000, 1234.5),
    ]
    for what, x, rate, truth in cases:
        out, problem = _call(fn, x, rate)
        if problem:
            return feedback(name, [f"on {what}: {problem}"], show=show)
        if out.size != 1:
            return feedback(name, [f"on {what}: returned shape {out.shape}; expected one number (Hz)"], show=show)
        got, n, tol = float(out.reshape(())), len(x), rate / len(x)
        if abs(got - truth) <= tol:
            continue
        wrong = {}
        if rate != 8000:  # checked first: half the truth at 16 kHz is also what a hard-coded 8000 gives
            wrong["right at 8000 Hz, wrong at 16000 Hz: use the sample_rate argument, do not hard-code 8000"] = truth * 8000 / rate
        wrong |= {
            "you returned the FFT bin index k; in Hz it is k * sample_rate / N (N = the FFT length)": truth * n / rate,
            "you returned the angular frequency 2 pi f; the answer is in Hz (cycles per second)": 2 * np.pi * truth,
            "twice the truth: bin k of an N-point FFT is k * sample_rate / N Hz (N, not N / 2)": 2 * truth,
            "half the truth: bin k of an N-point FFT is k * sample_rate / N Hz": truth / 2,
            "you found the mirror image sample_rate - f: a real signal's spectrum is symmetric; "
            "search only the first half (np.fft.rfft does that)": rate - truth,
        }
        for message, value in wrong.items():
            if abs(got - value) <= max(tol * (2 * np.pi if "angular" in message else 1), 1e-9):
                return feedback(name, [f"on {what}: got {got:.5g}; {message}"], show=show)
        if abs(got) <= tol:
            return feedback(name, [f"on {what}: got {got:.3g} Hz, the DC component (the mean of the signal); "
                                   "skip bin 0 or subtract the mean before taking the peak"], show=show)  # fmt: skip
        return feedback(
            name,
            [f"on {what}: got {got:.5g} Hz, expected {truth:g} (within {tol:g} Hz)"],
            hints=["spectrum = np.abs(np.fft.rfft(x)); freqs = np.fft.rfftfreq(len(x), 1 / sample_rate); "
                   "return freqs[1:][np.argmax(spectrum[1:])]"],  # fmt: skip
            show=show,
        )
    return feedback(name, [], show=show)


# --------------------------------------------------------------------------
# An ADSR envelope
# --------------------------------------------------------------------------


def check_adsr(fn, show: bool = True) -> Feedback:
    """Check ``fn(num_samples, attack, decay, sustain, release, sample_rate) -> envelope``.

    Times in seconds, ``sustain`` a level; straight lines 0 -> 1 -> sustain,
    held, then -> 0 on the last sample (:func:`aigc_course.audio.adsr`).
    Accepted within 0.02 of the reference everywhere, so a one-sample shift
    at a corner does not matter.
    """
    name = "ADSR envelope"
    cases = [(2000, 0.02, 0.05, 0.6, 0.05, 8000), (4000, 0.05, 0.02, 0.3, 0.04, 16000)]
    for i, args in enumerate(cases):
        n, attack, decay, sustain, release, rate = args
        out, problem = _call(fn, *args)
        if problem:
            return feedback(name, [problem], show=show)
        right = audio.adsr(*args).astype(float)
        if out.ndim != 1:
            return feedback(name, [f"returned shape {out.shape}; expected a 1-D array of num_samples = {n} values"], show=show)
        if len(out) != n:
            extra = " (the release must fit inside the clip, not be appended after it)" if len(out) > n else ""
            return feedback(name, [f"returned {len(out)} values, expected num_samples = {n}{extra}"], show=show)
        if np.abs(out - right).max() <= 0.02:
            continue
        if i == 1:
            return feedback(name, ["right at 8000 Hz but wrong at 16000 Hz: convert seconds to samples with the "
                                   "sample_rate argument, do not hard-code 8000"], show=show)  # fmt: skip
        if abs(out[0]) <= 0.02 and out[:4].max() > 0.3:  # a 20 ms attack needs 160 samples, not 1
            return feedback(name, ["the attack is over within a few samples: attack, decay and release are in seconds; "
                                   "multiply by sample_rate to count samples"], show=show)  # fmt: skip
        problems = []
        if abs(out[0]) > 0.02:
            problems.append(f"the envelope starts at {out[0]:.3g}; the attack starts from silence (0)")
        if abs(out[-1]) > 0.02:
            problems.append(f"the last value is {out[-1]:.3g}; the release must fall to 0 on the last sample")
        if abs(out.max() - 1) > 0.02:
            problems.append(f"the peak is {out.max():.3g}; the attack rises to 1")
        held = float(out[n // 2])
        if abs(held - sustain) > 0.02:
            hint = " (the decay falls to the sustain level, not to 0)" if abs(held) <= 0.02 else ""
            problems.append(f"the held level is {held:.3g}; expected sustain = {sustain}{hint}")
        peak_at, expected_at = int(np.argmax(out)), round(attack * rate)
        if not problems and abs(peak_at - expected_at) > 2:
            problems.append(f"the peak is at sample {peak_at}; the attack lasts attack * sample_rate = {expected_at} samples")
        if not problems:
            worst = int(np.argmax(np.abs(out - right)))
            problems.append(f"sample {worst} is {out[worst]:.3g}, expected {right[worst]:.3g}: check where the decay "
                            "ends and the release begins (the release starts release seconds before the end)")  # fmt: skip
        hints = ["np.interp(t, [0, A, A + D, end - R, end], [0, 1, S, S, 0]) with t = np.arange(n) / sample_rate, "
                 "end = (n - 1) / sample_rate"]  # fmt: skip
        return feedback(name, problems, hints, show=show)
    return feedback(name, [], show=show)
