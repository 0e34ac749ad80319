"""Files generated from the catalog and committed (Prometheus rules, Grafana dashboards):
write them, tell which committed copies are stale, and the CLI step that does either."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path


def write_files(files: Mapping[str, str], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(files: Mapping[str, str], directory: Path, pattern: str) -> list[str]:
    """Names whose committed copy differs or is missing, and left-over files matching
    ``pattern`` that nothing generates any more (they would still be loaded)."""
    present = {p.name for p in directory.glob(pattern)} if directory.exists() else set()
    differ = [
        name
        for name, text in files.items()
        if name not in present or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted(differ + sorted(present - set(files)))


def generate_or_check(files: Mapping[str, str], directory: Path, pattern: str, check: bool,
                      command: str) -> int:  # fmt: skip
    """``ioc ... generate [--check]``: write the files, or exit 1 listing the stale ones."""
    if check:
        stale = stale_files(files, directory, pattern)
        for name in stale:
            print(f"stale: {directory / name} (run `{command}`)", file=sys.stderr)
        return 1 if stale else 0
    for written in write_files(files, directory):
        print(f"wrote {written}")
    return 0
