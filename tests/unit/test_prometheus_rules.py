"""Generated Prometheus rules: fresh, valid (promtool check), and each alert firing and not
firing on input series (promtool test rules)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from ioc.alerting.promrules import AGENCY_NAME, RULES_DIR, stale_files
from ioc.catalog import load_catalog

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None, reason="needs promtool")

RULE_FILES = sorted(str(p) for p in RULES_DIR.glob("*.yml"))


def rule(name: str, **labels: str) -> dict[str, Any]:
    for path in RULE_FILES:
        for group in yaml.safe_load(Path(path).read_text())["groups"]:
            for r in group["rules"]:
                if r.get("alert") == name and all(
                    r["labels"].get(k) == v for k, v in labels.items()
                ):
                    return dict(r)
    raise KeyError(name)


def promtool_test(
    tmp_path: Path, tests: list[dict[str, Any]], evaluation_interval: str = "1m"
) -> subprocess.CompletedProcess[str]:
    spec = {"rule_files": RULE_FILES, "evaluation_interval": evaluation_interval, "tests": tests}
    file = tmp_path / "rules.test.yml"
    file.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return subprocess.run(
        ["promtool", "test", "rules", str(file)], capture_output=True, text=True, check=False
    )


def probes(
    failure: str, success: str, service: str = "cong-dvc", tier: str = "1"
) -> list[dict[str, str]]:
    base = f'ioc_uptime_probes_total{{service="{service}",tier="{tier}",result='
    return [
        {"series": base + '"failure"}', "values": failure},
        {"series": base + '"success"}', "values": success},
    ]


def expected(r: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {"exp_labels": {**r["labels"], **extra}, "exp_annotations": r["annotations"]}


def test_committed_rule_files_match_the_catalog() -> None:
    assert stale_files(load_catalog()) == []


def test_promtool_accepts_every_rule_file() -> None:
    result = subprocess.run(
        ["promtool", "check", "rules", *RULE_FILES], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_total_outage_pages_with_the_fast_burn_rate_alert(tmp_path: Path) -> None:
    page = rule("SLOBurnRateHigh", service="cong-dvc", window="1h/5m")
    slow = rule("SLOBurnRateHigh", service="cong-dvc", window="6h/30m")
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": probes("0+2x120", "0+0x120"),
                "alert_rule_test": [
                    # The 1h/5m pair pages within minutes; the 6h/30m pair holds for 15m.
                    {
                        "eval_time": "10m",
                        "alertname": "SLOBurnRateHigh",
                        "exp_alerts": [expected(page, tier="1")],
                    },
                    {
                        "eval_time": "20m",
                        "alertname": "SLOBurnRateHigh",
                        "exp_alerts": [expected(page, tier="1"), expected(slow, tier="1")],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_healthy_service_raises_no_slo_alert(tmp_path: Path) -> None:
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": probes("0+0x300", "0+2x300"),
                "alert_rule_test": [
                    {"eval_time": "4h", "alertname": "SLOBurnRateHigh", "exp_alerts": []},
                    {"eval_time": "4h", "alertname": "SLOErrorBudgetBurn", "exp_alerts": []},
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_failed_probe_in_a_hundred_is_within_a_tier_two_budget_for_paging(
    tmp_path: Path,
) -> None:
    # 1% errors: above the 0.5% budget (ticket over 3d/6h), far below 14.4x or 6x burns.
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": probes("0+1x400", "0+99x400", service="ioffice", tier="2"),
                "alert_rule_test": [
                    {"eval_time": "6h", "alertname": "SLOBurnRateHigh", "exp_alerts": []},
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_worker_down_pages_after_a_minute(tmp_path: Path) -> None:
    down = rule("IocWorkerDown")
    series = [{"series": 'up{job="ioc-worker",instance="w1:6066"}', "values": "1 1 0 0 0 0"}]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "2m", "alertname": "IocWorkerDown", "exp_alerts": []},
                    {
                        "eval_time": "4m",
                        "alertname": "IocWorkerDown",
                        "exp_alerts": [
                            expected(down, job="ioc-worker", instance="w1:6066"),
                        ],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dead_letter_rate_above_one_percent_raises_a_ticket(tmp_path: Path) -> None:
    dl = rule("IocDeadLetterRateHigh")
    series = [
        {"series": 'ioc_events_processed_total{source="soc"}', "values": "0+1000x30"},
        {
            "series": 'ioc_events_dead_lettered_total{source="soc",reason="invalid_json"}',
            "values": "0+50x30",
        },
    ]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {
                        "eval_time": "20m",
                        "alertname": "IocDeadLetterRateHigh",
                        "exp_alerts": [expected(dl)],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dead_letters_below_one_percent_are_quiet(tmp_path: Path) -> None:
    series = [
        {"series": 'ioc_events_processed_total{source="soc"}', "values": "0+1000x30"},
        {
            "series": 'ioc_events_dead_lettered_total{source="soc",reason="invalid_json"}',
            "values": "0+5x30",
        },
    ]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "20m", "alertname": "IocDeadLetterRateHigh", "exp_alerts": []},
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unrepaired_batch_gap_raises_a_ticket_at_once(tmp_path: Path) -> None:
    gap = rule("IocBatchGapUnrepaired")
    series = 'ioc_batch_gaps_total{source="soc",outcome="unrepaired",instance="w1:6066"}'
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": [{"series": series, "values": "0 0 0 1 1 1"}],
                "alert_rule_test": [
                    {"eval_time": "2m", "alertname": "IocBatchGapUnrepaired", "exp_alerts": []},
                    {
                        "eval_time": "3m",
                        "alertname": "IocBatchGapUnrepaired",
                        "exp_alerts": [
                            expected(gap, source="soc", outcome="unrepaired", instance="w1:6066")
                        ],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_quarantined_batch_raises_a_ticket_at_once(tmp_path: Path) -> None:
    quarantined = rule("IocBatchQuarantined")
    series = 'ioc_batches_quarantined_total{source="dossier",instance="w1:6066"}'
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": [{"series": series, "values": "0 0 0 1 1 1"}],
                "alert_rule_test": [
                    {"eval_time": "2m", "alertname": "IocBatchQuarantined", "exp_alerts": []},
                    {
                        "eval_time": "3m",
                        "alertname": "IocBatchQuarantined",
                        "exp_alerts": [expected(quarantined, source="dossier", instance="w1:6066")],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_repaired_batch_gaps_are_quiet(tmp_path: Path) -> None:
    series = 'ioc_batch_gaps_total{source="soc",outcome="repaired",instance="w1:6066"}'
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": [{"series": series, "values": "0 1 2 3 4 5"}],
                "alert_rule_test": [
                    {"eval_time": "5m", "alertname": "IocBatchGapUnrepaired", "exp_alerts": []},
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


RATIO = "agency:ioc_dossiers_on_time:ratio"


def test_on_time_ratio_is_recorded_per_agency(tmp_path: Path) -> None:
    base = 'ioc_dossiers_resolved_by_timeliness_total{agency="so-tc",level="province",timeliness='
    series = [
        {"series": base + '"early"}', "values": "0+1x10"},
        {"series": base + '"on_time"}', "values": "0+2x10"},
        {"series": base + '"late"}', "values": "0+1x10"},
    ]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": "agency:ioc_dossiers_on_time:ratio",
                        "eval_time": "10m",
                        "exp_samples": [
                            {
                                "labels": RATIO + '{agency="so-tc",level="province"}',
                                "value": 0.75,
                            },
                        ],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_agency_without_a_complaint_is_fully_satisfied_not_without_data(
    tmp_path: Path,
) -> None:
    received = 'ioc_dossiers_received_total{agency="so-tc",level="province",channel="online"}'
    rated = 'ioc_dossiers_rated_total{agency="so-tc",level="province",rating="satisfied"}'
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": [
                    {"series": received, "values": "0+4x10"},
                    {"series": rated, "values": "0+1x10"},
                ],
                "promql_expr_test": [
                    {
                        "expr": "agency:ioc_dossiers_satisfaction:ratio",
                        "eval_time": "10m",
                        "exp_samples": [
                            {
                                "labels": "agency:ioc_dossiers_satisfaction:ratio"
                                '{agency="so-tc",level="province"}',
                                "value": 1.0,
                            },
                        ],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _partition_series(end: str, committed: str, applied: str) -> list[dict[str, str]]:
    labels = 'source="soc",partition="2",instance="w1:6066"'
    return [
        {"series": f"ioc_source_end_offset{{{labels}}}", "values": end},
        {"series": f"ioc_ingest_committed_offset{{{labels}}}", "values": committed},
        {"series": f"ioc_aggregate_applied_offset{{{labels}}}", "values": applied},
    ]


def test_a_partition_whose_applied_offset_stops_behind_its_end_pages(tmp_path: Path) -> None:
    stalled = rule("IocPartitionStalled")
    # Ingest keeps batching; the aggregator stops at 500 from minute 5 while messages arrive.
    series = _partition_series("100+100x40", "100+100x40", "100+100x4 500+0x36")
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "12m", "alertname": "IocPartitionStalled", "exp_alerts": []},
                    {
                        "eval_time": "25m",
                        "alertname": "IocPartitionStalled",
                        "exp_alerts": [expected(stalled, source="soc", partition="2")],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_idle_partition_with_nothing_waiting_is_not_stalled(tmp_path: Path) -> None:
    series = _partition_series("500+0x40", "500+0x40", "500+0x40")
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "30m", "alertname": "IocPartitionStalled", "exp_alerts": []}
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _lag_series(slow: str, fast: str) -> list[dict[str, str]]:
    """Batches per minute applied within 1 s (``fast``) and within 120 s (``slow``)."""
    labels = 'source="dossier",instance="w1:6066"'
    bucket = "ioc_pipeline_lag_seconds_bucket"
    return [
        {"series": f'{bucket}{{{labels},le="1.0"}}', "values": fast},
        {"series": f'{bucket}{{{labels},le="60.0"}}', "values": fast},
        {"series": f'{bucket}{{{labels},le="120.0"}}', "values": slow},
        {"series": f'{bucket}{{{labels},le="+Inf"}}', "values": slow},
    ]


def test_a_wall_more_than_a_minute_behind_for_ten_minutes_pages(tmp_path: Path) -> None:
    behind = rule("IocPipelineBehind")
    # From minute 5 every batch takes 60-120 s: the buckets up to 60 s stop growing.
    series = _lag_series("0+100x40", "0+100x5 500+0x35")
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "12m", "alertname": "IocPipelineBehind", "exp_alerts": []},
                    {
                        "eval_time": "20m",
                        "alertname": "IocPipelineBehind",
                        "exp_alerts": [expected(behind, source="dossier")],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wall_within_a_second_of_the_events_is_quiet(tmp_path: Path) -> None:
    series = _lag_series("0+100x40", "0+100x40")
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "30m", "alertname": "IocPipelineBehind", "exp_alerts": []},
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wazuh_intake_with_unread_alerts_and_a_still_checkpoint_pages(tmp_path: Path) -> None:
    stuck = rule("IocWazuhIntakeStuck")
    series = [
        {"series": "ioc_wazuh_backlog_bytes", "values": "0 0 4096+100x20"},
        {"series": "ioc_wazuh_checkpoint_offset_bytes", "values": "900+100x2 1100x20"},
    ]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "8m", "alertname": "IocWazuhIntakeStuck", "exp_alerts": []},
                    {
                        "eval_time": "14m",
                        "alertname": "IocWazuhIntakeStuck",
                        "exp_alerts": [expected(stuck)],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wazuh_intake_that_keeps_reading_a_busy_file_is_quiet(tmp_path: Path) -> None:
    series = [
        {"series": "ioc_wazuh_backlog_bytes", "values": "4096x30"},
        {"series": "ioc_wazuh_checkpoint_offset_bytes", "values": "0+5000x30"},
    ]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "25m", "alertname": "IocWazuhIntakeStuck", "exp_alerts": []}
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_real_source_that_cannot_be_scraped_pages_after_two_minutes(tmp_path: Path) -> None:
    down = rule("IocSourceDown")
    series = [{"series": 'up{job="ioc-sources",instance="prober:9110"}', "values": "1 0 0 0 0 0"}]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "2m", "alertname": "IocSourceDown", "exp_alerts": []},
                    {
                        "eval_time": "4m",
                        "alertname": "IocSourceDown",
                        "exp_alerts": [expected(down, job="ioc-sources", instance="prober:9110")],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


# chu-ky-so: tier 1 (SLO 99.9%), probed once a minute: the low-traffic case of the Workbook.
def signature_probes(failures: str, successes: str) -> list[dict[str, str]]:
    return probes(failures, successes, service="chu-ky-so", tier="1")


def burn_alerts_at(eval_minutes: list[int], name: str, expected_alerts: list[Any]) -> list[Any]:
    return [
        {"eval_time": f"{m}m", "alertname": name, "exp_alerts": expected_alerts}
        for m in eval_minutes
    ]


def test_one_failed_probe_of_a_low_traffic_service_does_not_page(tmp_path: Path) -> None:
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                # One failure at minute 30 of an otherwise healthy two hours.
                "input_series": signature_probes("0x30 1x90", "0+1x29 29+1x90"),
                "alert_rule_test": burn_alerts_at([31, 33, 36, 45, 90], "SLOBurnRateHigh", []),
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_three_consecutive_failures_of_a_low_traffic_service_page(tmp_path: Path) -> None:
    page = rule("SLOBurnRateHigh", service="chu-ky-so", window="1h/5m")
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": signature_probes("0x30 1 2 3x90", "0+1x29 29x3 29+1x90"),
                "alert_rule_test": [
                    *burn_alerts_at([32], "SLOBurnRateHigh", []),
                    *burn_alerts_at([36], "SLOBurnRateHigh", [expected(page, tier="1")]),
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_total_outage_of_each_low_traffic_tier_pages_within_its_detection_time(
    tmp_path: Path,
) -> None:
    """The table's detection time (docs/alerting.md), one evaluation of slack."""
    from ioc.alerting.promrules import burn_rate_timings

    timing = next(
        r
        for r in burn_rate_timings(load_catalog())
        if (r["service"], r["windows"]) == ("chu-ky-so", "1h/5m")
    )
    detection = float(timing["detection"].split()[0])
    page = rule("SLOBurnRateHigh", service="chu-ky-so", window="1h/5m")
    at = 60 + int(detection) + 1
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": signature_probes("0x60 1+1x60", "0+1x60 60x60"),
                "alert_rule_test": burn_alerts_at(
                    [at], "SLOBurnRateHigh", [expected(page, tier="1")]
                ),
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_slow_burn_over_days_raises_a_ticket_and_no_page(tmp_path: Path) -> None:
    ticket = rule("SLOErrorBudgetBurn", service="chu-ky-so")
    # 0.3% of probes fail, evenly, for four days: three times a 99.9% budget, far below a page.
    minutes = 4 * 24 * 60
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": signature_probes(f"0+0.003x{minutes}", f"0+0.997x{minutes}"),
                "alert_rule_test": [
                    {
                        "eval_time": "4d",
                        "alertname": "SLOErrorBudgetBurn",
                        "exp_alerts": [expected(ticket, tier="1")],
                    },
                    {"eval_time": "4d", "alertname": "SLOBurnRateHigh", "exp_alerts": []},
                ],
            }
        ],
        # Four days of rule evaluations, every 4 minutes: an alert then reads the recording
        # rules' samples within Prometheus' 5-minute lookback whatever order promtool
        # evaluates the groups in (at 10 minutes it sometimes read none: flaky).
        evaluation_interval="4m",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_service_in_maintenance_raises_nothing(tmp_path: Path) -> None:
    base = 'ioc_uptime_probes_total{service="chu-ky-so",tier="1",result='
    # Healthy for an hour, then two hours of maintenance whose probes all fail: the aggregate
    # counts them as result="maintenance", neither success nor failure.
    series = [
        {"series": base + '"success"}', "values": "0+1x60 60x120"},
        {"series": base + '"failure"}', "values": "0x180"},
        {"series": base + '"maintenance"}', "values": "0x60 1+1x120"},
    ]
    evals = [75, 100, 150, 180]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    *burn_alerts_at(evals, "SLOBurnRateHigh", []),
                    *burn_alerts_at(evals, "SLOErrorBudgetBurn", []),
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_documented_detection_and_reset_times_are_the_generated_ones() -> None:
    from ioc.alerting.promrules import burn_rate_table

    doc = (RULES_DIR.parents[2] / "docs" / "alerting.md").read_text()
    assert burn_rate_table(load_catalog()) in doc


def test_on_time_ratio_is_recorded_per_kind_of_agency(tmp_path: Path) -> None:
    def resolved(agency: str, level: str, timeliness: str, partition: str) -> str:
        return (
            f'ioc_dossiers_resolved_by_timeliness_total{{agency="{agency}",level="{level}",'
            f'timeliness="{timeliness}",partition="{partition}"}}'
        )

    def info(agency: str, level: str, kind: str, instance: str) -> str:
        return (
            f'ioc_agency_info{{agency="{agency}",level="{level}",kind="{kind}",'
            f'instance="{instance}"}}'
        )

    series = [
        # Two communes (3 of 4 on time), one department (1 of 2), counted on two partitions.
        {"series": resolved("phuong-cua-lo", "commune", "on_time", "0"), "values": "0+1x10"},
        {"series": resolved("phuong-cua-lo", "commune", "on_time", "1"), "values": "0+1x10"},
        {"series": resolved("phuong-hoang-mai", "commune", "early", "0"), "values": "0+1x10"},
        {"series": resolved("phuong-hoang-mai", "commune", "late", "2"), "values": "0+1x10"},
        {"series": resolved("so-tc", "province", "on_time", "3"), "values": "0+1x10"},
        {"series": resolved("so-tc", "province", "late", "3"), "values": "0+1x10"},
        # Every worker exports the catalog's grouping.
        *(
            {"series": info(agency, level, kind, w), "values": "1x10"}
            for agency, level, kind in (
                ("phuong-cua-lo", "commune", "commune"),
                ("phuong-hoang-mai", "commune", "commune"),
                ("so-tc", "province", "department"),
            )
            for w in ("w1", "w2")
        ),
    ]
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": "kind:ioc_dossiers_on_time:ratio",
                        "eval_time": "10m",
                        "exp_samples": [
                            {
                                "labels": RATIO.replace("agency", "kind") + '{kind="commune"}',
                                "value": 0.75,
                            },
                            {
                                "labels": RATIO.replace("agency", "kind") + '{kind="department"}',
                                "value": 0.5,
                            },
                        ],
                    },
                ],
            }
        ],
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _period_series(
    agency: str,
    level: str,
    period: str,
    counts: Mapping[str, float],
    now: Mapping[str, float],
    steps: int = 10,
) -> list[dict[str, str]]:
    """The period measures and the in-progress gauges of one agency, each split over two
    workers' halves as a real pair of workers exports them."""
    labels = f'agency="{agency}",level="{level}"'
    series = [
        {
            "series": f'ioc_dossiers_in_period{{{labels},period="{period}",measure="{measure}",'
            f'instance="{i}"}}',
            "values": f"{value / 2:g}x{steps}",
        }
        for measure, value in counts.items()
        for i in ("0", "1")
    ]
    series += [
        {"series": f'{metric}{{{labels},instance="{i}"}}', "values": f"{value / 2:g}x{steps}"}
        for metric, value in now.items()
        for i in ("0", "1")
    ]
    return series


def _expect(expr: str, samples: list[tuple[str, float]]) -> dict[str, Any]:
    return {
        "expr": expr,
        "eval_time": "5m",
        "exp_samples": [{"labels": labels, "value": value} for labels, value in samples],
    }


PORTAL_MONTH = {
    "received": 100, "resolved": 60, "resolved_with_due": 50, "resolved_on_time": 45,
    "steps_sync_tracked": 100, "steps_synced_in_time": 90, "received_eligible": 60,
    "full_online_eligible": 30, "resolved_result_document": 50, "electronic_result": 40,
    "digitized": 80, "received_replaceable": 20, "components_replaced": 10,
    "resolved_dissatisfied": 6, "received_with_fee": 40, "paid_online_with_fee": 20,
}  # fmt: skip
IN_PROGRESS_NOW = {"ioc_dossiers_in_progress": 10, "ioc_dossiers_overdue": 4}


def test_the_portals_progress_counts_dossiers_in_progress_within_due_as_on_time(
    tmp_path: Path,
) -> None:
    series = _period_series("so-tc", "province", "quarter", PORTAL_MONTH, IN_PROGRESS_NOW)
    # (resolved on time 45 + in progress within due 10 - 4) / (resolved 50 + in progress 10)
    labels = (
        'agency:ioc_766_indicator:ratio{agency="so-tc",level="province",period="quarter",'
        'indicator="progress",group="progress"}'
    )
    expr = 'agency:ioc_766_indicator:ratio{indicator="progress"}'
    test = {"interval": "1m", "input_series": series,
            "promql_expr_test": [_expect(expr, [(labels, 51 / 60)])]}  # fmt: skip
    result = promtool_test(tmp_path, [test])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_766_score_adds_each_sub_indicators_points_beside_their_maximum(
    tmp_path: Path,
) -> None:
    series = _period_series("so-tc", "province", "quarter", PORTAL_MONTH, IN_PROGRESS_NOW)
    # Rows 4, 5, 6, 11, 12, 14, 23, 24 of docs/kpis.md, points x rate; no citizen feedback,
    # so row 23 is worth 6 + 6 / 2 (the portal's rule for an agency without PAKN).
    expected_points = (
        6 * 90 / 100 + 20 * 51 / 60 + 12 * 30 / 60 + 6 * 40 / 50 + 4 * 80 / 100 + 2 * 10 / 20
        + 9 * (60 - 6) / 60 + 10 * 20 / 40
    )  # fmt: skip
    labels = '{agency="so-tc",level="province",period="quarter"}'
    test = {
        "interval": "1m",
        "input_series": series,
        "promql_expr_test": [
            # promtool compares floats exactly; the sum's last bit depends on its order.
            _expect(f"abs(agency:ioc_766_score:points - {expected_points!r}) < bool 1e-9",
                    [(labels, 1)]),
            _expect("agency:ioc_766_score_max:points",
                    [(f"agency:ioc_766_score_max:points{labels}", 69)]),
        ],
    }  # fmt: skip
    result = promtool_test(tmp_path, [test])
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_sub_indicator_with_nothing_to_divide_by_leaves_score_and_maximum(
    tmp_path: Path,
) -> None:
    # A commune with receipts only, none eligible, none with a fee: the rows it cannot be
    # judged on are left out of the points and of the maximum, never counted as 0.
    counts = {"received": 10, "digitized": 5, "steps_sync_tracked": 10,
              "steps_synced_in_time": 10}  # fmt: skip
    series = _period_series("phuong-cua-lo", "commune", "month", counts, IN_PROGRESS_NOW)
    labels = '{agency="phuong-cua-lo",level="commune",period="month"}'
    test = {
        "interval": "1m",
        "input_series": series,
        "promql_expr_test": [
            # Sync 6 x 1, progress 20 x (0 + 6) / (0 + 10), digitized 4 x 0.5.
            _expect("agency:ioc_766_score:points",
                    [(f"agency:ioc_766_score:points{labels}", 6 + 12 + 2)]),
            _expect("agency:ioc_766_score_max:points",
                    [(f"agency:ioc_766_score_max:points{labels}", 6 + 20 + 4)]),
        ],
    }  # fmt: skip
    result = promtool_test(tmp_path, [test])
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_agency_with_nothing_in_the_period_has_no_score_not_zero(tmp_path: Path) -> None:
    series = _period_series("phuong-cua-lo", "commune", "month", {"received": 0}, {})
    test = {"interval": "1m", "input_series": series,
            "promql_expr_test": [_expect("agency:ioc_766_score:points", [])]}  # fmt: skip
    result = promtool_test(tmp_path, [test])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("published", "fires"), [(12.0, True), (16.0, False)])
def test_an_agency_far_from_the_portals_published_points_gets_a_ticket_after_an_hour(
    tmp_path: Path, published: float, fires: bool
) -> None:
    series = _period_series("so-tc", "province", "month", PORTAL_MONTH, IN_PROGRESS_NOW, 120)
    # Ours: progress 20 x 51/60 = 17 points. The portal published 12 (5 apart) or 16 (1).
    series += [
        {
            "series": f'ioc_portal_766_points{{agency="so-tc",level="province",'
            f'indicator="progress",instance="{i}"}}',
            "values": f"{published:g}x120",
        }
        for i in ("0", "1")
    ]
    # Every worker exports the agency's name: the ticket says it instead of the id.
    series += [
        {
            "series": f'ioc_agency_info{{agency="so-tc",level="province",kind="department",'
            f'area="",name="Sở Tài chính",instance="{i}"}}',
            "values": "1x120",
        }
        for i in ("0", "1")
    ]
    ticket = rule("Ioc766DiffersFromPortal")
    distance = abs(17 - published)
    annotations = {
        k: v.replace(AGENCY_NAME, "Sở Tài chính").replace(
            '{{ $value | printf "%.1f" }}', f"{distance:.1f}"
        )
        for k, v in ticket["annotations"].items()
    }
    assert annotations["summary"].startswith("Sở Tài chính: ")
    alerts = [
        {
            "exp_labels": {**ticket["labels"], "agency": "so-tc", "level": "province"},
            "exp_annotations": annotations,
        }
    ]
    test = {
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [
            {"eval_time": "30m", "alertname": "Ioc766DiffersFromPortal", "exp_alerts": []},
            {"eval_time": "100m", "alertname": "Ioc766DiffersFromPortal",
             "exp_alerts": alerts if fires else []},
        ],
    }  # fmt: skip
    result = promtool_test(tmp_path, [test])
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_calendar_without_the_coming_year_raises_a_ticket_thirty_days_ahead(
    tmp_path: Path,
) -> None:
    # promtool's clock starts on 1 January 1970: the calendar lists up to 1970. One
    # evaluation a day keeps a year of rule evaluations quick.
    missing = rule("IocCalendarYearMissing")
    result = promtool_test(
        tmp_path,
        [
            {
                "interval": "1d",
                "input_series": [
                    {
                        "series": 'ioc_calendar_last_year{instance="w1:6066"}',
                        "values": "1970+0x400",
                    },
                ],
                "alert_rule_test": [
                    # 25 November 1970 (province time) plus 30 days: still 1970.
                    {"eval_time": "328d", "alertname": "IocCalendarYearMissing", "exp_alerts": []},
                    # 6 December 1970 plus 30 days is 1971, which the calendar lacks.
                    {
                        "eval_time": "339d",
                        "alertname": "IocCalendarYearMissing",
                        "exp_alerts": [expected(missing)],
                    },
                ],
            }
        ],
        evaluation_interval="1d",
    )
    assert result.returncode == 0, result.stdout + result.stderr
