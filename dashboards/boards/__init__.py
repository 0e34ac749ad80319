"""The five IOC dashboards, one module each, over shared panel helpers (``panels``). Targets
and tiers come from the catalog, not from copies here.

Titles are Vietnamese (the wall is read by the operations centre); descriptions are English.
Selectors use ``=~"$var"`` so that "All" (``.*``) and multi-selections both work.
"""

from __future__ import annotations

from dashboards.boards.dossiers import dossiers
from dashboards.boards.overview import overview
from dashboards.boards.pipeline import pipeline
from dashboards.boards.soc import soc
from dashboards.boards.uptime import uptime
from dashboards.model import Dashboard
from ioc.catalog import Catalog

BOARDS = (overview, soc, uptime, dossiers, pipeline)


def build_all(catalog: Catalog) -> list[Dashboard]:
    return [make(catalog) for make in BOARDS]
