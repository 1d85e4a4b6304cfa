"""The declarative column mapping that drives the generic tabular reader.

A mapping file (YAML or TOML) says how one export of some ACD / time-clock / QA system
becomes one canonical table (``callcenter.schema.TABLES``): how to read the file, which
time zone its wall-clock times are in, and, for each canonical column, where its value
comes from (a source column, a constant, or a date column joined with a time column) and
how to parse it. ``docs/ingest-mapping.md`` is the reference for every key; the shipped
examples are in ``examples/mappings/``.

Validation is done by pydantic; every problem becomes a :class:`ConfigError` that names
the mapping file, the key (``columns.outcome.unit``) and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from callcenter import schema
from callcenter.errors import ConfigError

FORMATS = ("csv", "tsv", "parquet", "xlsx")
#: encodings a mapping may name (Python codec names; aliases are normalised)
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "big5", "utf-16", "latin-1")
DURATION_UNITS = ("s", "ms", "min", "h", "HH:MM:SS")
#: columns every reader fills itself; a mapping may not set them
PROVENANCE = ("source_file", "source_line")

_EXT_FORMAT = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}


class FileOptions(BaseModel):
    """How to read the export file (``file:`` in the mapping)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "tsv", "parquet", "xlsx"] | None = Field(
        None, description="csv | tsv | parquet | xlsx; default: from the file name's extension"
    )
    encoding: str = Field("utf-8", description="text encoding of CSV/TSV: " + ", ".join(ENCODINGS))
    delimiter: str | None = Field(
        None, description="field separator, one character; default ',' (csv) or TAB (tsv)"
    )
    quote: str = Field('"', description="quote character, one character")
    header_row: int = Field(
        1, ge=0, description="1-based line (CSV) or row (XLSX) holding the column names; "
        "lines above it are skipped; 0 = no header (then give column_names)"
    )
    column_names: list[str] | None = Field(
        None, description="names of the columns when the file has no header row"
    )
    skip_rows: int = Field(0, ge=0, description="lines/rows to skip after the header (e.g. a units row)")
    sheet: str | int | None = Field(None, description="XLSX sheet name, or 1-based position; default the first")
    null_values: list[str] = Field(
        default_factory=lambda: ["", "NULL", "null", "\\N"],
        description="cell texts that mean 'no value'",
    )

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, v: str) -> str:
        norm = v.strip().lower().replace("_", "-")
        norm = {"utf8": "utf-8", "utf8-sig": "utf-8-sig", "cp936": "gbk", "latin1": "latin-1"}.get(
            norm, norm
        )
        if norm not in ENCODINGS:
            raise ValueError(f"unknown encoding {v!r}; use one of {', '.join(ENCODINGS)}")
        return norm

    @field_validator("delimiter", "quote")
    @classmethod
    def _one_char(cls, v: str | None) -> str | None:
        if v is not None:
            v = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(v, v)
            if len(v) != 1:
                raise ValueError(f"must be exactly one character, got {v!r} (write '\\t' for TAB)")
        return v

    @field_validator("sheet")
    @classmethod
    def _sheet(cls, v: str | int | None) -> str | int | None:
        if isinstance(v, int) and v < 1:
            raise ValueError("sheet positions count from 1")
        return v

    @model_validator(mode="after")
    def _names_without_header(self) -> FileOptions:
        if self.header_row == 0 and not self.column_names:
            raise ValueError("header_row: 0 (no header) needs file.column_names")
        return self


class ColumnSpec(BaseModel):
    """Where one canonical column comes from and how to parse it (``columns.<name>:``)."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, description="source column name (as in the header; Chinese allowed)")
    combine: list[str] | None = Field(
        None, description="source columns joined with `separator` before parsing, e.g. [日期, 时间]"
    )
    separator: str = Field(" ", description="joins the `combine` columns")
    constant: str | int | float | bool | None = Field(None, description="the same value for every row")
    format: list[str] | None = Field(
        None, description="strptime format(s) for dates/times, tried in order after ISO 8601"
    )
    unit: Literal["s", "ms", "min", "h", "HH:MM:SS"] | None = Field(
        None, description="unit of a duration column: s (default), ms, min, h or HH:MM:SS"
    )
    map: dict[str, Any] | None = Field(
        None, description="value map applied after strip/case, e.g. {接通: answered, 放弃: abandoned}"
    )
    strip: bool = Field(True, description="trim surrounding white space")
    case: Literal["upper", "lower"] | None = Field(None, description="upper- or lower-case text")
    thousands: str | None = Field(None, description="thousands separator to remove from numbers, e.g. ','")
    default: str | int | float | bool | None = Field(None, description="value when the cell is empty")

    @field_validator("format", mode="before")
    @classmethod
    def _format_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("map", mode="before")
    @classmethod
    def _map_keys(cls, v: Any) -> Any:
        if isinstance(v, dict):
            # YAML reads 是/否 as strings but 1/0, true/false as numbers/bools: key on the text
            return {_text(k): val for k, val in v.items()}
        return v

    @model_validator(mode="after")
    def _one_origin(self) -> ColumnSpec:
        given = [k for k in ("source", "combine", "constant") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of source, combine, constant"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.combine is not None and len(self.combine) < 2:
            raise ValueError("combine needs at least two source columns")
        return self

    @property
    def source_columns(self) -> list[str]:
        """The source columns this spec reads."""
        if self.source is not None:
            return [self.source]
        return list(self.combine or [])


def _text(v: Any) -> str:
    """How a YAML/TOML scalar reads as cell text (True -> 'true', 1.0 -> '1')."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class Mapping(BaseModel):
    """One export -> one canonical table."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(description="canonical table: " + ", ".join(schema.TABLES))
    description: str | None = Field(None, description="free text: which system/export this is for")
    file: FileOptions = Field(default_factory=FileOptions)
    timezone: str | None = Field(
        None, description="IANA zone of the wall-clock times (or UTC); default: settings.timezone"
    )
    columns: dict[str, ColumnSpec] = Field(description="canonical column -> spec (or just the source column name)")

    @field_validator("table")
    @classmethod
    def _table(cls, v: str) -> str:
        if v not in schema.TABLES:
            raise ValueError(f"unknown table {v!r}; use one of {', '.join(schema.TABLES)}")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if v.upper() == "UTC":
            return "UTC"
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r} (use an IANA name like Asia/Shanghai, or UTC)") from e
        return v

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({"source": s} if isinstance(s, str) else s) for k, s in v.items()}
        return v

    @model_validator(mode="after")
    def _columns_exist(self) -> Mapping:
        t = schema.TABLES[self.table]
        for name in self.columns:
            if name in PROVENANCE:
                raise ValueError(f"columns.{name}: set by the reader itself, do not map it")
            if name not in t.names:
                raise ValueError(
                    f"columns.{name}: {self.table} has no column {name!r}; "
                    f"its columns are {', '.join(n for n in t.names if n not in PROVENANCE)}"
                )
        return self


def mapping_format(mapping: Mapping, path: Path) -> str:
    """The file format: ``file.format`` or the one the extension implies."""
    if mapping.file.format:
        return mapping.file.format
    fmt = _EXT_FORMAT.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(
            f"cannot tell the format of {path.name} from its extension",
            hint="set file.format in the mapping to one of " + ", ".join(FORMATS),
        )
    return fmt


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file (``.yaml``/``.yml`` or ``.toml``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"mapping file not found: {p}", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read mapping file: {e}", where=str(p),
                          hint="save the mapping as UTF-8 text") from None
    try:
        raw = tomllib.loads(text) if p.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"not valid {'TOML' if p.suffix.lower() == '.toml' else 'YAML'}: {e}",
                          where=str(p)) from None
    if not isinstance(raw, dict):
        raise ConfigError("a mapping file must hold a table with keys table, file, columns",
                          where=str(p))
    return parse_mapping(raw, where=str(p))


def parse_mapping(raw: dict[str, Any], *, where: str = "<mapping>") -> Mapping:
    """Validate a mapping given as a dict; errors name the key and what is allowed."""
    try:
        return Mapping.model_validate(raw)
    except ValidationError as e:
        errs = e.errors()
        first = errs[0]
        key = ".".join(str(x) for x in first["loc"] if not str(x).startswith("function-"))
        msg = str(first["msg"]).removeprefix("Value error, ")
        more = f" ({len(errs) - 1} more problem(s) after fixing this one)" if len(errs) > 1 else ""
        raise ConfigError(
            f"mapping key {key or '<top>'!r}: {msg}{more}",
            where=where,
            hint="see docs/ingest-mapping.md for every key and its allowed values",
        ) from None
