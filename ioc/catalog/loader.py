"""Load and validate a catalog YAML file, with errors that name the file, the line and the
field (``agencies[xa-na-ngoi].level``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ioc.catalog.model import Catalog
from ioc.config.yamlfile import read_yaml

DEFAULT_CATALOG_PATH = Path(__file__).parent / "data" / "nghe-an.yaml"


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read a province catalog; ``None`` loads the bundled Nghệ An model."""
    doc = read_yaml(Path(path) if path is not None else DEFAULT_CATALOG_PATH)
    try:
        return Catalog.model_validate(doc.data)
    except ValidationError as exc:
        raise doc.error(exc) from None
