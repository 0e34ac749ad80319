"""The files' positions the broker acknowledged, kept across restarts (atomic replace).

A checkpoint lists every followed file (device, inode, fingerprint, offset) and when it was
saved, so that a restart tells a file rotated away since from old history. A checkpoint of
one file without a fingerprint (written before) still reads.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ioc.config import ConfigError
from ioc.sources.wazuh.files import FileState


@dataclass(frozen=True, slots=True)
class Checkpoint:
    files: list[FileState]
    saved_ns: int | None


def load_checkpoint(path: Path) -> Checkpoint | None:
    try:
        doc = json.loads(path.read_text())
        if "files" not in doc:
            return Checkpoint([_state(doc)], None)
        return Checkpoint([_state(f) for f in doc["files"]], int(doc["saved_ns"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path}: not a checkpoint of ioc intake wazuh ({exc!r}); move it away to start "
            "from the end of the file, or pass --from-beginning"
        ) from None


def _state(doc: dict[str, object]) -> FileState:
    return FileState(
        int(doc["device"]),  # type: ignore[call-overload]
        int(doc["inode"]),  # type: ignore[call-overload]
        int(doc["offset"]),  # type: ignore[call-overload]
        int(doc.get("head_len", 0)),  # type: ignore[call-overload]
        str(doc.get("head", "")),
    )


def save_checkpoint(path: Path, files: list[FileState], saved_ns: int) -> None:
    """Raises OSError (a full disk, a read-only folder): the caller reports it."""
    doc = {
        "saved_ns": saved_ns,
        "files": [
            {
                "device": s.device,
                "inode": s.inode,
                "offset": s.offset,
                "head_len": s.head_len,
                "head": s.head,
            }
            for s in files
        ],
    }
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w") as f:
            json.dump(doc, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
