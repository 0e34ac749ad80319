"""Load and validate a catalog YAML file, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from ioc.catalog.model import Catalog
from ioc.config.errors import ConfigError, format_pydantic_errors

DEFAULT_CATALOG_PATH = Path(__file__).parent / "data" / "nghe-an.yaml"


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read a province catalog; ``None`` loads the bundled Nghệ An model."""
    file = Path(path) if path is not None else DEFAULT_CATALOG_PATH
    data = load_yaml(file)
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_pydantic_errors(str(file), exc.errors())) from None


def load_yaml(file: Path) -> object:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{file}: {where}not valid YAML ({problem})") from None
