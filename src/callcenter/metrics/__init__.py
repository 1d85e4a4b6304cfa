"""The operating indicators (运营指标): registry, engine, targets, QC tools, reports.

* :mod:`~callcenter.metrics.registry` — every indicator defined once, as data (DOMAIN.md §1);
* :mod:`~callcenter.metrics.engine` — ``compute(tables, settings, grain=, by=, start=, end=)``
  over Ibis tables (DuckDB, SQLite, Polars) -> :class:`~callcenter.metrics.engine.KpiResult`;
* :mod:`~callcenter.metrics.targets` — on-target / warning / off-target and diagnostics;
* :mod:`~callcenter.metrics.qc` — Pareto, peak-day coefficient, before/after (DOMAIN.md §7);
* :mod:`~callcenter.metrics.summary` — the call summary (SL at several thresholds);
* :mod:`~callcenter.metrics.report` — the monthly management report (XLSX, HTML);
* :mod:`~callcenter.metrics.reference` — a pure-Python reference used to check the engine.

Importing this package imports neither Ibis nor a database driver; the submodules do.
"""

from callcenter.metrics.registry import BY_ID, INDICATORS, NUMBERED, Indicator, Target

__all__ = ["BY_ID", "INDICATORS", "NUMBERED", "Indicator", "Target"]
