"""Build the faust app from settings: the wiring of topics, state tables, the aggregators,
the detector, the ingest, the collectors and the pages. The rooms they come from:
docs/architecture.md."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import faust
from prometheus_client import CollectorRegistry, Gauge, ProcessCollector

from ioc.aggregate import kpi
from ioc.aggregate.state import Lookups
from ioc.catalog import Catalog, load_catalog
from ioc.config import Settings
from ioc.portal.board import PortalBoard
from streams.aggregator import AggregateMetrics, FaustBroker, SourceAggregator
from streams.alerts import Alerting
from streams.collector import AppliedOffsets, StateCollector
from streams.ingest import IngestMetrics, IngestService
from streams.internals import ManualAcks
from streams.owned import OwnedState
from streams.pages import add_pages
from streams.portal import PortalMetrics, PortalReader
from streams.state_cache import PartitionCache
from streams.tables import key_partitioned_table
from streams.topics import SOURCES
from streams.transport import App


def _credentials(settings: Settings) -> Any:
    ssl_context = settings.kafka_client_kwargs().get("ssl_context")
    if settings.sasl_mechanism:
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password,
            mechanism=settings.sasl_mechanism,
            ssl_context=ssl_context,  # type: ignore[arg-type]
        )
    if settings.security_protocol == "SSL":
        return faust.SSLCredentials(ssl_context)  # type: ignore[arg-type]
    return None


def create_app(settings: Settings, catalog: Catalog | None = None) -> App:
    catalog = catalog or load_catalog(settings.catalog_path)
    client_kwargs = settings.kafka_client_kwargs()
    app = App(
        settings.app_id,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        client_kwargs=client_kwargs,
        broker=settings.faust_broker(),
        broker_credentials=_credentials(settings),
        store="memory://",
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        # Seconds-fast group joins on a single broker (faust's defaults take ~30 s).
        broker_session_timeout=settings.group_session_timeout_seconds,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=10.0,
        stream_recovery_delay=0.0,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        producer_acks=-1,
        producer_max_request_size=4 * 1024 * 1024,
        consumer_max_fetch_size=4 * 1024 * 1024,
    )
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    ingest_metrics = IngestMetrics(registry)
    aggregate_metrics = AggregateMetrics(registry)

    lookups = Lookups.from_catalog(catalog, settings.late_grace_seconds)
    caches: dict[str, PartitionCache] = {}

    def assigned_partitions(source: str) -> set[int]:
        """The source's batch partitions assigned here."""
        assigned = app.consumer.assignment() if app.consumer is not None else set()
        topic_name = settings.topics.batch_topic(source)
        return {tp.partition for tp in assigned if tp.topic == topic_name}

    owned = OwnedState(caches, assigned_partitions, settings.partitions)
    alerting = Alerting(app, settings, catalog, registry, owned.dossier_states)
    broker = FaustBroker(app, client_kwargs, settings.topics.deadletter)
    for source in SOURCES:
        topic = app.topic(
            settings.topics.batch_topic(source),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            internal=True,
        )
        table = key_partitioned_table(app, f"{source}-state", settings.partitions)
        journal_table = key_partitioned_table(app, f"{source}-journal", settings.partitions)
        seen_table = key_partitioned_table(app, f"{source}-seen", settings.partitions)
        cache = PartitionCache(table, journal_table, seen_table, settings.dedup_window_seconds)
        caches[source] = cache
        aggregator = SourceAggregator(
            source,
            cache,
            lookups,
            aggregate_metrics,
            broker,
            alerting.send_signal,
            settings.state_shards,
            app.stop_for_config,
        )
        app.early_services.append(aggregator)  # its linger timer needs no table
        # A revocation clears the agent's queue and waits for every ack: held ones go first.
        app.before_wait_empty.append(aggregator.release_held)
        app.agent(topic, name=f"aggregate_{source}")(_agent(aggregator))

    registry.register(
        StateCollector(
            owned.active_shards,
            lookups,
            settings.clock().now,
            # Tables are recovered from their changelogs during a rebalance: not exported.
            ready=lambda: not app.rebalancing,
        )
    )
    registry.register(AppliedOffsets(owned.applied_offsets))
    Gauge(
        "ioc_aggregate_partitions_assigned",
        "Batch partitions this worker's aggregators own, with their state recovered.",
        registry=registry,
    ).set_function(lambda: 0 if app.rebalancing else owned.partitions_assigned())
    Gauge(
        "ioc_calendar_last_year",
        "The last year the catalog's working calendar lists (0: none): past it, office days "
        "are plain weeks without holidays (IocCalendarYearMissing).",
        registry=registry,
    ).set(max(catalog.calendar, default=0))
    board = PortalBoard(frozenset(a.id for a in catalog.agencies))
    tz = ZoneInfo(catalog.province.timezone)
    clock = settings.clock()

    def this_month() -> str:
        return kpi.period_ids(kpi.local_date(clock.now(), tz))[0]

    portal_metrics = PortalMetrics(registry, board, this_month)
    app.early_services.append(PortalReader(settings, board, portal_metrics))
    add_pages(app, registry, owned)
    app.early_services.append(_bind_ingest(settings, catalog, ingest_metrics))
    return app


def _agent(aggregator: SourceAggregator) -> Any:
    async def aggregate(stream: faust.StreamT[bytes]) -> Any:
        async for _ in aggregator.process(ManualAcks(stream)):
            yield None

    return aggregate


def _bind_ingest(settings: Settings, catalog: Catalog, metrics: IngestMetrics) -> type:
    class BoundIngest(IngestService):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(settings, catalog, metrics, **kwargs)

    return BoundIngest
