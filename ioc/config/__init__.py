"""Runtime configuration (env and flags) and the error type for user mistakes."""

from ioc.config.errors import ConfigError
from ioc.config.settings import Settings, TopicNames, load_settings

__all__ = ["ConfigError", "Settings", "TopicNames", "load_settings"]
