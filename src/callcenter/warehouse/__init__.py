"""The embedded DuckDB warehouse (default) and the Ibis connection over it."""

from callcenter.warehouse.store import LoadReport, TableCounts, Warehouse, default_path

__all__ = ["LoadReport", "TableCounts", "Warehouse", "default_path"]
