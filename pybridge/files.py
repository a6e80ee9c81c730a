"""File helpers every stage uses: atomic writes, the clean-up after killed writers, the user cache.

No import-time side effects: the process umask is read on first use, not when the module loads.
"""

from __future__ import annotations

import fcntl
import functools
import os
import re
import stat
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/digitbridge``, or ``~/.cache/digitbridge``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "digitbridge"


@functools.cache
def _umask() -> int:
    """The process umask. Linux reports it in /proc; elsewhere it can only be read by setting it (and back)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, payload: bytes) -> None:
    """Write bytes to ``path`` so that readers see either the old file or the whole new one.

    The bytes go to ``.NAME.XXXXXXXX.tmp`` beside ``path``, which is renamed over it once complete. The
    temporary file is locked (flock) until it has its final name, so ``remove_stale_temps`` can tell one
    a killed writer left behind from one being written; it runs first, for this name.
    """
    remove_stale_temps(path.parent, [path.name])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            fcntl.flock(out.fileno(), fcntl.LOCK_EX)
            os.fchmod(out.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600 files; give the permissions open() would
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
            os.replace(tmp, path)  # still locked: the name never exists unlocked while it is ours
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 60  # also guards temporary files of writers that predate the lock


def remove_stale_temps(directory: Path, names: Sequence[str]) -> list[Path]:
    """Delete the temporary files ``atomic_write`` left in ``directory`` for ``names`` when killed.

    Only regular files named ``.NAME.XXXXXXXX.tmp`` (mkstemp's 8 characters) for one of ``names`` are
    candidates, and only those nobody holds locked and nobody has modified for ``STALE_TEMP_SECONDS``.
    Returns what was removed; a file that vanishes or cannot be removed meanwhile is left to its owner.
    """
    patterns = [re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX)}") for name in names]
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not any(p.fullmatch(entry.name) for p in patterns):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < STALE_TEMP_SECONDS:
                continue
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a live writer holds it: not stale
                os.unlink(entry.path)
            finally:
                os.close(fd)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed
