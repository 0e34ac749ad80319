"""The file position the broker acknowledged, kept across restarts (atomic replace)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ioc.config import ConfigError
from ioc.sources.wazuh.follow import Position


def load_checkpoint(path: Path) -> Position | None:
    try:
        doc = json.loads(path.read_text())
        return Position(int(doc["device"]), int(doc["inode"]), int(doc["offset"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path}: not a checkpoint of ioc intake wazuh ({exc!r}); move it away to start "
            "from the end of the file, or pass --from-beginning"
        ) from None


def save_checkpoint(path: Path, position: Position) -> None:
    doc = {"device": position.device, "inode": position.inode, "offset": position.offset}
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w") as f:
        json.dump(doc, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
