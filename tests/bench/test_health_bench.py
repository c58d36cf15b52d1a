"""make bench reports the full community health recomputation (issue 16)."""

from bench.report import _health_seconds


def test_report_reads_the_seconds_compute_health_printed():
    assert _health_seconds("compute_health: 648 rows (every month) in 12.3 s") == 12.3
    assert _health_seconds("not measured") is None
