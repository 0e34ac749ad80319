"""The province's reference catalog: agencies, assets, information systems, probed services."""

from ioc.catalog.loader import DEFAULT_CATALOG_PATH, load_catalog
from ioc.catalog.model import Agency, AssetCounts, Catalog, Province, Service, SystemCounts

__all__ = [
    "DEFAULT_CATALOG_PATH",
    "Agency",
    "AssetCounts",
    "Catalog",
    "Province",
    "Service",
    "SystemCounts",
    "load_catalog",
]
