"""Real components started by the project itself: the embedded broker, workers, Prometheus."""

from ioc.runtime.broker import EmbeddedBroker, free_port, wait_for_port
from ioc.runtime.prometheus import PrometheusServer
from ioc.runtime.worker import WorkerProcess

__all__ = ["EmbeddedBroker", "PrometheusServer", "WorkerProcess", "free_port", "wait_for_port"]
