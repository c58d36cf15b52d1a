# ruff: noqa: T201 -- a command-line tool: it prints its results
"""How long the worst inputs the markup tests know take to render (`make bench`).

tests/forum/test_markup.py checks that rendering pathological input takes
linear *work* and refuses what is too big before parsing; how many seconds it
takes depends on the machine, so it is measured here, not asserted there.
For each input of those tests: CPU seconds of ``render_post_body`` (best of
three, this process only), and the input's size.

  DJANGO_SETTINGS_MODULE=bench.settings python -m bench.markup
"""

from __future__ import annotations

import os
import time

import django

REPEATS = 3


def measure() -> list[tuple[str, int, float, str]]:
    """(input name, characters, best CPU seconds, outcome) per input."""
    from forum.markup import MarkupError, render_post_body
    from tests.forum.test_markup import FULL_SIZE, UNDER_LIMIT

    rows = []
    for group, params in (("", UNDER_LIMIT), ("full size: ", FULL_SIZE)):
        for param in params:
            source = str(param.values[0])
            best = float("inf")
            outcome = "rendered"
            for _ in range(REPEATS):
                start = time.process_time()
                try:
                    render_post_body(source)
                except MarkupError as exc:
                    outcome = f"refused ({exc.code})"
                best = min(best, time.process_time() - start)
            rows.append((f"{group}{param.id}", len(source), best, outcome))
    return rows


def report(rows: list[tuple[str, int, float, str]]) -> str:
    width = max(len(name) for name, *_ in rows)
    lines = [f"{'input':{width}}  {'chars':>7}  {'CPU s':>6}  outcome"]
    for name, chars, seconds, outcome in sorted(rows, key=lambda r: -r[2]):
        lines.append(f"{name:{width}}  {chars:7,}  {seconds:6.3f}  {outcome}")
    slowest = max(seconds for _, _, seconds, _ in rows)
    lines.append(f"slowest: {slowest:.3f} s of CPU for one post")
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    print(report(measure()))
