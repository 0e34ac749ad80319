"""The asset register: which agency, asset type and information system each monitored
agent belongs to. The Wazuh intake maps an alert's agent through it.

A province keeps its register as CSV (exported from its inventory), one agent a row:
``agent_id,agent_name,agency,asset_type,information_system,security_level``; the last two may
be empty. The bundled catalog's register is derived from its asset counts (the same agent
ids the simulator uses), so the demo and the tests need no file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from ioc.catalog.model import Catalog
from ioc.config import ConfigError
from ioc.contracts.events import AssetType

COLUMNS = ("agent_id", "agent_name", "agency", "asset_type", "information_system", "security_level")
ASSET_TYPES: tuple[str, ...] = get_args(AssetType)


@dataclass(frozen=True, slots=True)
class Asset:
    agent_id: str
    agent_name: str
    agency: str
    asset_type: str
    information_system: str | None = None
    security_level: int | None = None


class AssetRegister:
    def __init__(self, assets: Iterable[Asset]) -> None:
        self.assets = list(assets)
        self._by_id = {a.agent_id: a for a in self.assets}
        # Wazuh renumbers an agent that is re-registered; its name stays.
        self._by_name = {a.agent_name: a for a in self.assets if a.agent_name}

    def __len__(self) -> int:
        return len(self.assets)

    def lookup(self, agent_id: str, agent_name: str | None = None) -> Asset | None:
        found = self._by_id.get(agent_id)
        if found is None and agent_name:
            found = self._by_name.get(agent_name)
        return found


def synthetic_assets(catalog: Catalog) -> Iterator[Asset]:
    """The assets the catalog's counts describe, with generated agent ids
    (``<agency>-d0001`` desktops, ``-s`` servers, ``-n`` network devices); servers are spread
    over the agency's information systems (``<agency>-ht<level>-NN``)."""
    for agency in catalog.agencies:
        systems: list[tuple[str, int]] = []
        for level, n in (
            (1, agency.information_systems.level_1),
            (2, agency.information_systems.level_2),
            (3, agency.information_systems.level_3),
            (4, agency.information_systems.level_4),
            (5, agency.information_systems.level_5),
        ):
            systems += [(f"{agency.id}-ht{level}-{i + 1:02d}", level) for i in range(n)]
        for asset_type, n, letter in (
            ("desktop", agency.assets.desktop, "d"),
            ("server", agency.assets.server, "s"),
            ("network_device", agency.assets.network_device, "n"),
        ):
            for i in range(n):
                system = systems[i % len(systems)] if systems and asset_type == "server" else None
                agent_id = f"{agency.id}-{letter}{i + 1:04d}"
                yield Asset(
                    agent_id,
                    agent_id,
                    agency.id,
                    asset_type,
                    system[0] if system else None,
                    system[1] if system else None,
                )


def load_register(path: Path | None, catalog: Catalog) -> AssetRegister:
    """The register in ``path`` (CSV), checked against the catalog; ``None``: the catalog's
    synthetic register."""
    if path is None:
        return AssetRegister(synthetic_assets(catalog))
    agencies = {a.id for a in catalog.agencies}
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in COLUMNS[:4] if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(
                    f"{path}: line 1: the header lacks {', '.join(missing)} "
                    f"(expected columns: {','.join(COLUMNS)})"
                )
            assets = [_asset(path, reader.line_num, row, agencies) for row in reader]
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the asset register ({exc.strerror})") from None
    seen: dict[str, int] = {}
    for i, asset in enumerate(assets):
        if asset.agent_id in seen:
            raise ConfigError(
                f"{path}: line {i + 2}: agent_id '{asset.agent_id}' appears more than once "
                f"(first on line {seen[asset.agent_id] + 2})"
            )
        seen[asset.agent_id] = i
    return AssetRegister(assets)


def _asset(path: Path, line: int, row: dict[str, str], agencies: set[str]) -> Asset:
    def fail(field: str, expected: str) -> ConfigError:
        return ConfigError(f"{path}: line {line}: {field} {row.get(field)!r}: expected {expected}")

    agent_id = (row.get("agent_id") or "").strip()
    if not agent_id:
        raise fail("agent_id", "a Wazuh agent id")
    agency = (row.get("agency") or "").strip()
    if agency not in agencies:
        raise fail("agency", "the id of an agency in the catalog")
    asset_type = (row.get("asset_type") or "").strip()
    if asset_type not in ASSET_TYPES:
        raise fail("asset_type", " or ".join(ASSET_TYPES))
    level_text = (row.get("security_level") or "").strip()
    if level_text and level_text not in ("1", "2", "3", "4", "5"):
        raise fail("security_level", "1 to 5 (Decree 85/2016) or empty")
    return Asset(
        agent_id,
        (row.get("agent_name") or "").strip(),
        agency,
        asset_type,
        (row.get("information_system") or "").strip() or None,
        int(level_text) if level_text else None,
    )
