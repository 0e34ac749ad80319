"""Worker, simulator and tool settings, read from ``IOC_*`` environment variables.

Nested values use a double underscore: ``IOC_TOPICS__SOC=my.soc.topic``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ioc.clock import Clock
from ioc.config.errors import ConfigError, format_pydantic_errors
from ioc.contracts import SOURCES

# Kafka's rule for topic names; an empty IOC_TOPICS__SOC= is an error, not the topic ''.
TopicName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$"),
]


class TopicNames(BaseModel):
    soc: TopicName = "ioc.soc.alerts"
    uptime: TopicName = "ioc.uptime.probes"
    dossier: TopicName = "ioc.dossier.events"
    feedback: TopicName = "ioc.feedback.events"
    deadletter: TopicName = "ioc.deadletter"
    # Internal: validated events packed per source partition, one topic per source
    # ("<batches>.<source>"), each consumed by that source's faust agent.
    batches: TopicName = "ioc.ingest.batches"
    # Alerts as they fire and resolve (JSON), and the detector's input (internal, one
    # partition: the detector needs every source partition's view in one place).
    alerts: TopicName = "ioc.alerts"
    signals: TopicName = "ioc.alerts.signals"
    # The national portal's published Decision 766 scores (``ioc portal import``), keyed
    # "agency|month": every worker reads all of it.
    portal_scores: TopicName = "ioc.portal.scores"
    # Acknowledgements of pages (``ioc ack``): the audit trail, kept however old.
    acks: TopicName = "ioc.alerts.acks"
    # Each page's escalation chain (when it started, which steps went out), keyed by the
    # page: what a detector taking over resumes from.
    escalations: TopicName = "ioc.alerts.escalations"

    @classmethod
    def prefixed(cls, prefix: str) -> TopicNames:
        """Topic names of their own (``<prefix>.soc`` ...): for tests and benchmarks."""
        return cls(
            soc=f"{prefix}.soc",
            uptime=f"{prefix}.uptime",
            dossier=f"{prefix}.dossier",
            feedback=f"{prefix}.feedback",
            deadletter=f"{prefix}.deadletter",
            batches=f"{prefix}.batches",
            alerts=f"{prefix}.alerts",
            signals=f"{prefix}.alerts.signals",
            portal_scores=f"{prefix}.portal.scores",
            acks=f"{prefix}.alerts.acks",
            escalations=f"{prefix}.alerts.escalations",
        )

    def batch_topic(self, source: str) -> str:
        return f"{self.batches}.{source}"

    def of_source(self) -> dict[str, str]:
        """Map source name -> its topic."""
        return {source: getattr(self, source) for source in SOURCES}

    def source_topics(self) -> dict[str, str]:
        """Map topic name -> source name for the source topics."""
        return {getattr(self, source): source for source in SOURCES}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IOC_", env_nested_delimiter="__", extra="ignore")

    broker_url: str = Field(
        default="kafka://127.0.0.1:9092",
        description="Comma-separated kafka://host:port list of bootstrap servers.",
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: Path | None = None

    app_id: str = "ioc-streams"
    topics: TopicNames = TopicNames()
    partitions: int = Field(default=4, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1)
    # Tansu's DescribeConfigs omits retention.ms, so it is always set explicitly on creation.
    retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=60_000)

    catalog_path: Path | None = Field(
        default=None, description="Province catalog YAML; the bundled Nghệ An model if unset."
    )
    alert_rules_path: Path | None = Field(
        default=None, description="Alert rules YAML; the bundled rules if unset."
    )
    alertmanager_url: str | None = Field(
        default=None, description="Alertmanager base URL (http://host:9093); no delivery if unset."
    )
    grafana_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Grafana's base URL as on-call staff reach it (https://grafana.example); "
        "pages link to the panel that shows them. Unset: pages say no link is configured.",
    )
    # Where an alert's generatorURL points: this worker's /alerts page as operators reach it.
    public_url: str | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=1024, le=65535)
    data_dir: Path = Path("var/worker")

    # Seconds added to the wall clock wherever event time meets "now" (validation, detector,
    # gauges): tests and the demo replay a fixed province time (ioc/clock.py). 0 in production.
    clock_offset_seconds: float = Field(default=0.0, allow_inf_nan=False)

    max_message_bytes: int = Field(default=64 * 1024, ge=256)
    max_future_skew_seconds: float = Field(default=300.0, ge=0)
    # Older events are dead-lettered as stale_event_time: a re-sent archive must not reopen
    # closed days or alerts, and the state's retention (docs/kpis.md) assumes a bound.
    max_event_age_seconds: float = Field(default=30 * 86400.0, gt=0, allow_inf_nan=False)
    # Lateness: an event older than its partition's newest event time minus this is late.
    late_grace_seconds: float = Field(default=300.0, ge=0)
    # Event-id dedup window in event time (docs/architecture.md: memory cost).
    dedup_window_seconds: float = Field(default=900.0, ge=0)
    # Each source partition's state is split in this many table keys, by entity, so that no
    # value nears the broker's message size limit. Fixed for the life of the state topics.
    state_shards: int = Field(default=8, ge=1, le=1024)
    # Under load a batch takes what one poll brought: fewer, larger state writes.
    batch_max_events: int = Field(default=5000, ge=1)
    # Kept under the broker's default 1 MB message limit.
    batch_max_bytes: int = Field(default=900 * 1024, ge=4096)
    # Longest a consumer's fetch waits for data. Tansu answers only when the wait ends, so each
    # of a page's three hops costs up to this (twice, for a partition aiokafka left out of the
    # fetch in flight; on Kafka too when the others are quiet): 100 put the page p99 at
    # 239-285 ms at 5,000 events/s, 50 at 191-226 ms, for 3% of a core more in an idle worker
    # and broker (docs/benchmarks.md, session 25).
    fetch_max_wait_ms: int = Field(default=50, ge=1, le=30_000)
    # Under load (ioc.ingest.pace), the ingest polls no more often than this: fewer, larger
    # batches. 0 polls as fast as the loop turns.
    ingest_busy_poll_interval_ms: int = Field(default=50, ge=0, le=1000)
    # How often the ingest stage tells the aggregators how far each source partition is
    # batched (an empty batch), so that a batch lost at a restart is read back even when its
    # partition gets no new events.
    batch_heartbeat_seconds: float = Field(default=10.0, gt=0)
    # A worker that stops answering loses its partitions after this long. Kafka's brokers
    # refuse less than 6 s (group.min.session.timeout.ms); Tansu also waits this long after
    # a clean leave, so it sets most of a restart's and a failover's time there.
    group_session_timeout_seconds: float = Field(default=6.0, ge=1.0, le=300.0)

    @model_validator(mode="after")
    def _a_valid_event_fits_a_batch(self) -> Settings:
        # A fact is no larger than its message; twice the message plus room for the batch
        # envelope keeps every single valid event packable (ioc.ingest.batch).
        if 2 * self.max_message_bytes + 1024 > self.batch_max_bytes:
            raise ValueError(
                f"IOC_BATCH_MAX_BYTES ({self.batch_max_bytes}) must be at least twice "
                f"IOC_MAX_MESSAGE_BYTES ({self.max_message_bytes}) plus 1024, so that any "
                "valid event fits in a batch"
            )
        return self

    def clock(self) -> Clock:
        """The province clock these settings run on."""
        return Clock(self.clock_offset_seconds)

    def bootstrap_servers(self) -> str:
        """aiokafka's bootstrap_servers string (host:port,host:port)."""
        hosts = []
        for part in self.broker_url.split(","):
            part = part.strip()
            if "://" in part:
                part = part.split("://", 1)[1]
            hosts.append(part)
        return ",".join(hosts)

    def faust_broker(self) -> str:
        """faust's broker URL (kafka://host:port;host:port)."""
        return "kafka://" + ";".join(self.bootstrap_servers().split(","))

    def kafka_client_kwargs(self) -> dict[str, object]:
        """Keyword arguments every aiokafka client is given: the brokers and the security."""
        kwargs: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers(),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            kwargs.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            cafile = str(self.ssl_cafile) if self.ssl_cafile else None
            kwargs["ssl_context"] = create_ssl_context(cafile=cafile)
        return kwargs


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; a bad value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            variable = "IOC_" + "__".join(str(p) for p in err["loc"]).upper()
            errors.append({**err, "loc": (variable,)})
        raise ConfigError(format_pydantic_errors("environment", errors)) from None
