"""Benchmarks: each runs a baseline and our code in the same run and reports the ratio.

`make bench` runs them all; `make bench ONLY=name` runs one. Every benchmark prints one line
`NAME: value, baseline, ratio (goal …)` and appends a record to var/bench/results.json.
"""
