"""Benchmarks: timed runs that print figures (not collected by pytest; timed tests are
flaky)."""
