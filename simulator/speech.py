"""How long prompts take on the virtual clock: simple, documented estimates.

- Speech: ``SPEECH_MS_PER_CHAR`` per character of the (stripped) text, about 150 words a
  minute for English; the voice, language and engine do not change it.
- Audio URLs: ``PLAY_URL_MS`` per play, since the simulator never downloads the file.
- Recordings: as long as the recording was (see the engine).
- Tones: ``loop`` on/off cycles of ``don + doff``, capped by ``timeout``; a tone without
  ``don``/``doff`` plays for its whole ``timeout``.
All of these are multiplied by ``loop`` where the command has one.
"""

from __future__ import annotations

SPEECH_MS_PER_CHAR = 65
PLAY_URL_MS = 10_000


def speech_ms(text: str) -> int:
    """Estimated time to speak ``text`` once."""
    return len(text.strip()) * SPEECH_MS_PER_CHAR


def tone_ms(don: int | None, doff: int | None, loop: int, timeout: int) -> int:
    """How long a Tone plays."""
    cycle = (don or 0) + (doff or 0)
    if cycle == 0:
        return timeout
    return min(cycle * loop, timeout)
