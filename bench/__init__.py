"""Benchmarks: ``make bench`` runs each module of ``bench.__main__.BENCHMARKS``."""
