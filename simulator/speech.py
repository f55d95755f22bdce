"""How long prompts take on the virtual clock: simple, documented estimates.

- Speech: ``SPEECH_MS_PER_CHAR`` per character of the (stripped) text, about 150 words a
  minute for English; the voice, language and engine do not change it.
- Audio URLs: ``PLAY_URL_MS`` per play, since the simulator never downloads the file.
- Recordings: as long as the recording was (see the engine).
- Tones: ``loop`` on/off cycles of ``don + doff``, capped by ``timeout``; a tone without
  ``don``/``doff`` plays for its whole ``timeout``. A tone without ``hz`` plays
  ``model.TONE_DEFAULT_HZ`` (440 Hz, our decision); ``tone_defaults`` names the defaults a
  tone event relied on, so a transcript shows them.
All of these are multiplied by ``loop`` where the command has one.
"""

from __future__ import annotations

from callflow import model as m

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


def tone_defaults(node: m.Tone) -> list[str]:
    """The attributes whose default decided what a Tone played (the event already carries
    their values as ``hz`` and ``length``): ``hz`` when none was written, and ``timeout`` when it
    set the length (no ``don``/``doff``) without being written.
    """
    used: list[str] = []
    if node.defaulted("hz"):
        used.append("hz")
    if not (node.don or node.doff) and node.defaulted("timeout"):
        used.append("timeout")
    return used
