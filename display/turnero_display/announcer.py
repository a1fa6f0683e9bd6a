"""Saying the calls: a chime, then the sentence, one announcement after the other.

The queue never drops an announcement; a speech engine that fails or never
finishes only costs its own turn (a watchdog moves on), so the display keeps
running with no audio device and no speech engine.
"""
from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from collections import deque
from pathlib import Path

from PySide6.QtCore import QLocale, QObject, QTimer, QUrl, Signal

log = logging.getLogger(__name__)

LOCALES = {"es": ("es_MX", "es_ES", "es_US", "es"), "en": ("en_US", "en_GB", "en")}


class SpeechEngine(QObject):
    """What the Announcer talks to: `say(text, lang)`, then `finished` once done
    (spoken, failed or stopped). Tests subclass it to record what was said."""

    finished = Signal()

    def say(self, text: str, lang: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class QtSpeech(SpeechEngine):
    """Qt's text-to-speech (PySide6.QtTextToSpeech), engine by name ("speechd",
    "mock", ...; None = Qt's default), voice by the branch language."""

    def __init__(self, engine: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        from PySide6.QtTextToSpeech import QTextToSpeech
        self._states = QTextToSpeech.State
        self._speaking = False
        self._lang: str | None = None
        self.tts = None
        installed = QTextToSpeech.availableEngines()
        if engine and engine not in installed:
            # Asking Qt for a plug-in it does not have only makes it complain; say it once, plainly.
            log.warning("text-to-speech engine %r is not installed (installed: %s); the display will not speak",
                        engine, ", ".join(installed) or "none")
            return
        self.tts = QTextToSpeech(engine, self) if engine else QTextToSpeech(self)
        self.tts.stateChanged.connect(self._state_changed)
        if self.tts.state() == self._states.Error:
            log.warning("text-to-speech engine %r is not available: %s", engine or "default",
                        self.tts.errorString())

    @property
    def available(self) -> bool:
        return self.tts is not None and self.tts.state() != self._states.Error

    def say(self, text: str, lang: str) -> None:
        if not self.available:
            QTimer.singleShot(0, self, self.finished.emit)
            return
        if lang != self._lang:
            self._lang = lang
            self._set_locale(lang)
        self._speaking = True
        self.tts.say(text)

    def _set_locale(self, lang: str) -> None:
        available = {loc.name(): loc for loc in self.tts.availableLocales()}
        for name in LOCALES.get(lang, (lang,)):
            if name in available:
                self.tts.setLocale(available[name])
                return
        for name, loc in available.items():
            if name.split("_")[0] == lang:
                self.tts.setLocale(loc)
                return
        self.tts.setLocale(QLocale(lang))
        log.info("no %s voice in the speech engine; using its default", lang)

    def _state_changed(self, state) -> None:
        if not self._speaking:
            return
        if state in (self._states.Ready, self._states.Error):
            if state == self._states.Error:
                log.warning("speech failed: %s", self.tts.errorString())
            self._speaking = False
            self.finished.emit()


class Chime(QObject):
    """A two-note chime played before each announcement (a WAV we write once).

    `play()` then `finished` after the chime's length, whether or not a sound
    device played it."""

    finished = Signal()

    def __init__(self, volume: float = 0.8, parent: QObject | None = None):
        super().__init__(parent)
        self.path = write_chime(Path(tempfile.gettempdir()) / "turnero-display-chime.wav")
        self.length_ms = CHIME_MS
        self.volume = volume
        self.effect = None
        self._multimedia = None
        self._silent_told = False
        try:
            from PySide6 import QtMultimedia
            self._multimedia = QtMultimedia
        except ImportError:
            log.warning("no sound effects available; the chime is silent", exc_info=True)
        self._sound()

    def play(self) -> None:
        sound = self._sound()
        if sound is not None:
            sound.play()
        QTimer.singleShot(self.length_ms, self, self.finished.emit)

    def _sound(self):
        """The chime's QSoundEffect, made once a sound device is there (a TV's audio may
        come later); without one there is nothing to play it on, so none is made."""
        if self._multimedia is None:
            return None
        if not self._multimedia.QMediaDevices.audioOutputs():
            if not self._silent_told:
                self._silent_told = True
                log.warning("no audio output device: the chime is silent until one is there")
            return None
        self._silent_told = False
        if self.effect is None:
            self.effect = self._multimedia.QSoundEffect(self)
            self.effect.setSource(QUrl.fromLocalFile(str(self.path)))
            self.effect.setVolume(self.volume)
        return self.effect


CHIME_MS = 1100
_RATE = 22050


def write_chime(path: Path) -> Path:
    """A soft "ding-dong" (E6 then C6 with a decaying envelope), 16-bit mono."""
    frames = bytearray()
    total = int(_RATE * CHIME_MS / 1000)
    samples = [0.0] * total
    for freq, start, length in ((1318.5, 0.0, 0.6), (1046.5, 0.42, 0.68)):
        first = int(start * _RATE)
        for i in range(int(length * _RATE)):
            if first + i >= total:
                break
            t = i / _RATE
            envelope = math.exp(-4.0 * t) * min(1.0, t / 0.01)
            tone = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(2 * math.pi * 2 * freq * t)
            samples[first + i] += 0.35 * envelope * tone
    for value in samples:
        frames += struct.pack("<h", int(max(-1.0, min(1.0, value)) * 32000))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(_RATE)
        out.writeframes(bytes(frames))
    return path


class Announcer(QObject):
    """Queue of (sentence, language): chime, speak, short pause, next.

    `started(text)` when one begins, `spoken(text)` when it has been said (or
    given up), `idle()` when the queue is empty."""

    started = Signal(str)
    spoken = Signal(str)
    idle = Signal()

    def __init__(self, speech: SpeechEngine | None, chime: Chime | None = None, *, enabled: bool = True,
                 pause_ms: int = 600, speech_timeout_ms: int | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.speech_timeout_ms = speech_timeout_ms
        self.speech = speech
        self.chime = chime
        self.enabled = enabled
        self.pause_ms = pause_ms
        self.queue: deque[tuple[str, str]] = deque()
        self.current: str | None = None
        self._step = ""
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._stuck)
        if speech is not None:
            speech.finished.connect(self._speech_done)
        if chime is not None:
            chime.finished.connect(self._chime_done)

    @property
    def busy(self) -> bool:
        return self.current is not None

    def announce(self, text: str, lang: str) -> None:
        if not self.enabled:
            return
        self.queue.append((text, lang))
        if not self.busy:
            self._next()

    def _next(self) -> None:
        if not self.queue:
            self.current = None
            self.idle.emit()
            return
        self.current, self._lang = self.queue.popleft()
        log.info("announcing %r", self.current)
        self.started.emit(self.current)
        if self.chime is not None:
            self._step = "chime"
            self._arm(self.chime_length() + 3000)
            self.chime.play()
        else:
            self._speak()

    def chime_length(self) -> int:
        return getattr(self.chime, "length_ms", 0)

    def _chime_done(self) -> None:
        if self._step == "chime":
            self._speak()

    def _speak(self) -> None:
        if self.speech is None:
            self._done()
            return
        self._step = "speech"
        # A sentence takes a few seconds; a stuck engine must not hold the queue forever.
        self._arm(self.speech_timeout_ms or 8000 + 150 * len(self.current or ""))
        self.speech.say(self.current or "", self._lang)

    def _speech_done(self) -> None:
        if self._step == "speech":
            self._done()

    def _stuck(self) -> None:
        log.warning("announcement %r did not finish (%s); moving on", self.current, self._step)
        if self._step == "chime":
            self._speak()
        else:
            self._done()

    def _done(self) -> None:
        self._watchdog.stop()
        said, self._step = self.current, "pause"
        self.spoken.emit(said or "")
        QTimer.singleShot(self.pause_ms, self, self._after_pause)

    def _after_pause(self) -> None:
        if self._step == "pause":
            self._step = ""
            self._next()

    def _arm(self, ms: int) -> None:
        self._watchdog.start(ms)
