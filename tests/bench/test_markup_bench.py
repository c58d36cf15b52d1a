"""`make bench` times the markup tests' pathological inputs (bench/markup.py)."""

from bench.markup import report


def test_report_lists_the_slowest_first_and_names_the_worst():
    text = report(
        [
            ("brackets", 30_000, 0.3, "rendered"),
            ("image-openers", 30_000, 0.5, "rendered"),
            ("full size: brackets", 100_000, 0.0, "refused (too_long)"),
        ]
    )

    lines = text.splitlines()
    assert lines[1].startswith("image-openers")
    assert "100,000" in lines[3]
    assert lines[-1] == "slowest: 0.500 s of CPU for one post"
