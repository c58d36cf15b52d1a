"""`make bench`: load-test Hearth against its static ceiling (see bench/run.py)."""
