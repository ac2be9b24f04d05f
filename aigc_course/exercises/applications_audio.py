"""Checkers for the exercises of chapter 6, "Audio generation".

Each checker calls the reader's NumPy function on chosen inputs and on inputs drawn at
random, compares it with the reference in :mod:`aigc_course.data.audio`, and recognises
the usual mistakes so that it can say what is wrong::

    from aigc_course.exercises import applications_audio as ex
    ex.check_tone(my_tone)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.data import audio
from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, expected

__all__ = ["check_adsr", "check_dominant_frequency", "check_tone"]

_close = functools.partial(checking.close, rtol=0.0, atol=1e-4)
_HARD_CODED = "do not hard-code 8000"


def _rates_other_than_8000_wrong(outs, rights, cases, same) -> bool:
    """Right at 8000 Hz and wrong at another sample rate: the rate was written into the
    code."""
    at_8000 = [same(o, r) for o, r, c in zip(outs, rights, cases) if c.args[-1] == 8000]
    others = [same(o, r) for o, r, c in zip(outs, rights, cases) if c.args[-1] != 8000]
    return bool(at_8000) and all(at_8000) and not all(others)


# --------------------------------------------------------------------------
# A pure tone
# --------------------------------------------------------------------------


def _times(duration, rate):
    return np.arange(round(duration * rate)) / rate


_TONE_MISTAKES = {
    "the tone starts at 1: that is a "
    "cosine; a sine starts at 0 (use "
    "np.sin)": lambda f, d, r: np.cos(2 * np.pi * f * _times(d, r)),
    "the frequency is 2*pi times too low: sin takes radians, so the argument is 2 * "
    "pi * frequency * t": lambda f, d, r: np.sin(f * _times(d, r)),
    "t must be in seconds: divide the sample index n by sample_rate (t = n / "
    "sample_rate)": lambda f, d, r: np.sin(2 * np.pi * f * np.arange(round(d * r))),
    "np.linspace(0, duration, N) includes the end point, so samples are duration / (N "
    "- 1) apart, "
    "not 1 / sample_rate: use t = "
    "np.arange(N) / sample_rate": lambda f, d, r: np.sin(
        2 * np.pi * f * np.linspace(0, d, round(d * r))
    ),
    "np.sin takes radians, not degrees: use 2 * pi, not 360": lambda f, d, r: np.sin(
        360 * f * _times(d, r)
    ),
}


def _tone_cases() -> list[Case]:
    rng = checking.fresh_rng()
    f, rate = (
        round(float(rng.uniform(100, 1500)), 1),
        int(rng.choice([11025, 16000, 22050])),
    )
    duration = round(float(rng.uniform(0.05, 0.2)), 3)
    return [
        Case((440.0, 0.25, 8000), "440 Hz for 0.25 s at 8000 Hz"),
        Case((1000.0, 0.1, 16000), "1000 Hz for 0.1 s at 16000 Hz"),
        Case((f, duration, rate), f"{f:g} Hz for {duration:g} s at {rate} Hz"),
    ]


def _tone_shape(out, right, case) -> str:
    f, duration, rate = case.args
    n = len(right)
    if np.ndim(out) != 1:
        return f"returned shape {np.shape(out)}; expected a 1-D array of {n} samples"
    if len(out) == n + 1:
        return (f"returned {n + 1} samples, one too many: a clip of {duration} s at "
                f"{rate} Hz has "
                f"duration * sample_rate = {n} "
                "samples (leave out the end point)")  # fmt: skip
    return (
        f"returned {len(out)} samples for {duration} s at {rate} Hz; expected "
        f"duration * sample_rate = {n}"
    )


def _tone_diagnose(outs, rights, cases):
    if _rates_other_than_8000_wrong(outs, rights, cases, _close):
        return [
            "right at 8000 Hz but wrong at other sample rates: use the "
            f"sample_rate argument, {_HARD_CODED}"
        ]
    out, right = outs[0], rights[0]
    peak = np.abs(out).max()
    if peak > 0 and _close(out / peak, right) and not _close(out, right):
        return [
            f"the peak amplitude is {peak:.4g}; the tone should go from -1 to 1 "
            "(amplitude 1)"
        ]
    return []


@checking.checker
def check_tone(fn, show: bool = True) -> Feedback:
    """Check ``fn(frequency, duration, sample_rate) -> waveform``: ``sin(2 pi f t)``,
    ``t = n / sample_rate``."""
    return checking.judge(
        "Pure tone",
        fn,
        _tone_cases(),
        lambda f, d, r: audio.tone(f, d, r).astype(float),
        same=_close,
        shape=_tone_shape,
        mistakes=_TONE_MISTAKES,
        diagnose=_tone_diagnose,
        differs_hints=[
            "t = np.arange(round(duration * sample_rate)) / sample_rate; "
            "np.sin(2 * np.pi * frequency * t)"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# The dominant frequency of a clip
# --------------------------------------------------------------------------


def _clip(frequency, rate, seconds, offset=0.0, amplitude=1.0):
    return offset + amplitude * np.sin(
        2 * np.pi * frequency * np.arange(round(seconds * rate)) / rate
    )


def _dominant_cases() -> list[Case]:
    rng = checking.fresh_rng()
    rate = int(rng.choice([8000, 16000]))
    f = round(float(rng.uniform(150, rate / 2 - 500)), 1)
    offset, amplitude = (
        round(float(rng.uniform(-0.4, 0.4)), 2),
        round(float(rng.uniform(0.3, 1.0)), 2),
    )
    return [
        # The words name the clip, not its frequency: that is the answer.
        Case((_clip(440, 8000, 0.25), 8000), "on tone 1 (0.25 s at 8000 Hz)", 440.0),
        Case(
            (_clip(300, 8000, 0.25, offset=0.3, amplitude=0.5), 8000),
            "on tone 2 (with a DC offset of 0.3)",
            300.0,
        ),
        Case(
            (_clip(1234.5, 16000, 0.5), 16000), "on tone 3 (0.5 s at 16000 Hz)", 1234.5
        ),
        Case(
            (_clip(f, rate, 0.4, offset, amplitude), rate),
            f"on a random tone (at {rate} Hz, offset {offset:g})",
            f,
        ),
    ]


def _within(tol):
    return lambda out, right: (
        np.size(out) == 1 and abs(float(np.reshape(out, ())) - float(right)) <= tol
    )


def _bins(case):
    x, rate = case.args
    return rate / len(x)


def _peak(x, rate):
    """The dominant frequency, as the package finds it (within a bin of the truth)."""
    return audio.dominant_frequency(x, rate)


_DOMINANT_MISTAKES = {
    "right at 8000 Hz, wrong at other sample rates: use the sample_rate argument, "
    f"{_HARD_CODED}": lambda x, r: _peak(x, r) * 8000 / r,
    "you returned the FFT bin index k; in Hz it is k * sample_rate / N (N = the FFT "
    "length)": lambda x, r: _peak(x, r) * len(x) / r,
    "you returned the angular frequency 2 pi f; the answer is in Hz (cycles per "
    "second)": lambda x, r: 2 * np.pi * _peak(x, r),
    "twice the truth: bin k of an N-point FFT is k * sample_rate / N Hz (N, not N / "
    "2)": lambda x, r: 2 * _peak(x, r),
    "half the truth: bin k of an N-point FFT is k * sample_rate / N Hz": lambda x, r: (
        _peak(x, r) / 2
    ),
    "you found the mirror image sample_rate - f: a real signal's spectrum is "
    "symmetric; "
    "search only the first half (np.fft.rfft does that)": lambda x, r: r - _peak(x, r),
}


def _dominant_diagnose(outs, rights, cases):
    for out, right, case in zip(outs, rights, cases):
        got = float(np.reshape(out, ()))
        if abs(got - right) > _bins(case) and abs(got) <= _bins(case):
            return [f"{case.where}: got {got:.3g} Hz, the DC component (the mean of "
                    "the signal); "
                    "skip bin 0 or subtract the "
                    "mean before taking the peak"]  # fmt: skip
    return []


@checking.checker
def check_dominant_frequency(fn, show: bool = True) -> Feedback:
    """Check ``fn(waveform, sample_rate) -> Hz``: the frequency of the strongest
    spectral peak.

    Accepted within one FFT bin (``sample_rate / len(waveform)``) of the truth, which a
    plain ``argmax`` of ``np.abs(np.fft.rfft(x))`` reaches.
    """
    cases = _dominant_cases()
    return checking.judge(
        "Dominant frequency",
        fn,
        cases,
        None,
        tolerance=lambda case: _within(_bins(case)),
        convert=lambda out: checking.numbers(
            np.reshape(out, ()) if np.size(out) == 1 else out
        ),
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}; expected one number (Hz)"
        ),
        mistakes=_DOMINANT_MISTAKES,
        mistake_same=[_within(2 * np.pi * _bins(c)) for c in cases],
        diagnose=_dominant_diagnose,
        differs_hints=[
            "spectrum = np.abs(np.fft.rfft(x)); freqs = "
            "np.fft.rfftfreq(len(x), 1 / sample_rate); "
            "return freqs[1:][np.argmax(spectrum[1:])]"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# An ADSR envelope
# --------------------------------------------------------------------------


def _adsr_cases() -> list[Case]:
    rng = checking.fresh_rng()
    rate = int(rng.choice([11025, 16000, 22050]))
    attack, decay, release = (round(float(v), 3) for v in rng.uniform(0.01, 0.06, 3))
    sustain = round(float(rng.uniform(0.2, 0.8)), 2)
    n = int(rate * rng.uniform(0.25, 0.4))
    return [
        Case((2000, 0.02, 0.05, 0.6, 0.05, 8000), "for 2000 samples at 8000 Hz"),
        Case((4000, 0.05, 0.02, 0.3, 0.04, 16000), "for 4000 samples at 16000 Hz"),
        Case(
            (n, attack, decay, sustain, release, rate),
            f"for random times and sustain {sustain:g} at {rate} Hz",
        ),
    ]


def _adsr_same(out, right) -> bool:
    """Within 0.02 everywhere: a one-sample shift at a corner does not matter."""
    return (
        np.shape(out) == np.shape(right)
        and float(np.abs(np.asarray(out) - right).max()) <= 0.02
    )


def _adsr_shape(out, right, case) -> str:
    n = case.args[0]
    if np.ndim(out) != 1:
        return (
            f"returned shape {np.shape(out)}; expected a 1-D array of num_samples "
            f"= {n} values"
        )
    extra = (
        " (the release must fit inside the clip, not be appended after it)"
        if len(out) > n
        else ""
    )
    return f"returned {len(out)} values, expected num_samples = {n}{extra}"


def _adsr_diagnose(outs, rights, cases):
    if _rates_other_than_8000_wrong(outs, rights, cases, _adsr_same):
        return ["right at 8000 Hz but wrong at other sample rates: convert seconds "
                "to samples with the "
                f"sample_rate argument, {_HARD_CODED}"]  # fmt: skip
    i = next(i for i in range(len(outs)) if not _adsr_same(outs[i], rights[i]))
    out, right, (n, attack, _decay, sustain, _release, rate) = (
        outs[i],
        rights[i],
        cases[i].args,
    )
    # a 20 ms attack needs many samples, not 1
    if abs(out[0]) <= 0.02 and out[:4].max() > 0.3:
        return ["the attack is over within a few samples: attack, decay and release "
                "are in seconds; "
                "multiply by sample_rate to count samples"]  # fmt: skip
    problems = []
    if abs(out[0]) > 0.02:
        problems.append(
            f"the envelope starts at {out[0]:.3g}; the attack starts from silence (0)"
        )
    if abs(out[-1]) > 0.02:
        problems.append(
            f"the last value is {out[-1]:.3g}; the release must fall to 0 "
            "on the last sample"
        )
    if abs(out.max() - 1) > 0.02:
        problems.append(f"the peak is {out.max():.3g}; the attack rises to 1")
    held = float(out[n // 2])
    if abs(held - sustain) > 0.02:
        hint = (
            " (the decay falls to the sustain level, not to 0)"
            if abs(held) <= 0.02
            else ""
        )
        problems.append(
            f"the held level is {held:.3g}; {expected(f'sustain = {sustain}')}{hint}"
        )
    peak_at, expected_at = int(np.argmax(out)), round(attack * rate)
    if not problems and abs(peak_at - expected_at) > 2:
        problems.append(
            f"the peak is at sample {peak_at}; the attack lasts attack * "
            f"sample_rate = {expected_at} samples"
        )
    if not problems:
        worst = int(np.argmax(np.abs(out - right)))
        problems.append(f"{cases[i].where}: sample {worst} is {out[worst]:.3g}, "
                        f"{expected(f'{right[worst]:.3g}')}: check where "
                        "the decay ends and the release begins (the release starts "
                        "release seconds before the end)")  # fmt: skip
    return problems


@checking.checker
def check_adsr(fn, show: bool = True) -> Feedback:
    """Check ``fn(num_samples, attack, decay, sustain, release, sample_rate) ->
    envelope``.

    Times in seconds, ``sustain`` a level; straight lines 0 -> 1 -> sustain, held, then
    -> 0 on the last sample (:func:`aigc_course.data.audio.adsr`). Accepted within 0.02
    of the reference everywhere, so a one-sample shift at a corner does not matter.
    """
    return checking.judge(
        "ADSR envelope",
        fn,
        _adsr_cases(),
        lambda *args: audio.adsr(*args).astype(float),
        same=_adsr_same,
        shape=_adsr_shape,
        diagnose=_adsr_diagnose,
        hints=[
            "np.interp(t, [0, A, A + D, end - R, end], [0, 1, S, S, 0]) with t = "
            "np.arange(n) / sample_rate, "
            "end = (n - 1) / sample_rate"
        ],
        show=show,
    )
