"""Event-stream core of a provincial Intelligent Operations Center (IOC)."""

__version__ = "0.1.0"
