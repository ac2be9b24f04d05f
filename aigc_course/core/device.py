"""Device choice shared by both frameworks: an argument, then an environment variable,
then auto."""

from __future__ import annotations

import os

DEVICE_ENV_VAR = "AIGC_COURSE_DEVICE"
DEVICE_CHOICES = ("auto", "cpu", "gpu")


def requested_device(device: str | None) -> str:
    """Normalise a device request to ``"auto"``, ``"cpu"`` or ``"gpu"``.

    ``None`` reads ``AIGC_COURSE_DEVICE`` (``cpu`` reproduces the book's stored
    outputs on a machine with a GPU).  ``"cuda"`` is accepted as ``"gpu"``.
    """
    source = "device"
    if device is None:
        device, source = (
            os.environ.get(DEVICE_ENV_VAR, "auto") or "auto",
            DEVICE_ENV_VAR,
        )
    if not isinstance(device, str):
        raise ValueError(
            f"{source} must be a string ({', '.join(DEVICE_CHOICES)}), got {device!r}"
        )
    choice = device.strip().lower()
    if choice == "cuda" or choice.startswith("cuda:"):
        choice = "gpu"
    if choice not in DEVICE_CHOICES:
        raise ValueError(
            f"{source} must be one of {', '.join(DEVICE_CHOICES)} (or "
            f"'cuda'), got {device!r}"
        )
    return choice
