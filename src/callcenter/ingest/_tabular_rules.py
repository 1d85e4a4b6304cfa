"""The rules of the tabular reader, compiled to one DuckDB query: map, parse, derive, validate.

:func:`compile_rows` turns a mapping into a :class:`RowPlan`: layers of SQL expressions
over the raw text columns ``s0..`` (see ``_tabular_source``) that end in one row per
record with the canonical values plus ``_check`` (NULL for a good row, else the number of
the first failed check), ``_field``, ``_reason`` and ``_raw``. This is the only place the
mapping options, the derivations and the validation rules are implemented; every format
and both consumers (``read_tabular`` -> Arrow, the warehouse -> its tables) run it.

Per column (in mapping order): origin (source / constant / combine) -> ``strip``, ``case``
-> ``map``, ``default`` -> parse by canonical type. Then the derivations, then the checks in
this order, the first failure deciding the reject: unreadable value, instant or date
outside 1900-2199, integer not whole / out of range, required value empty, value outside
a closed vocabulary, negative duration given by the file, impossible time order, negative
derived duration. Duplicate keys are found afterwards over the good rows
(:func:`duplicate_rejects_sql`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa

from callcenter import schema
from callcenter.ingest import _tabular_sql as q
from callcenter.ingest.mapping import PROVENANCE, ColumnSpec, Mapping
from callcenter.settings import Settings

#: closed vocabularies checked after mapping: (table, column) -> allowed values
VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("calls", "outcome"): tuple(o.value for o in schema.Outcome),
    ("calls", "transfer_kind"): tuple(k.value for k in schema.TransferKind),
    ("calls", "direction"): ("inbound", "outbound"),
    ("agent_states", "state"): tuple(s.value for s in schema.AgentState),
    ("headcount_events", "event"): ("join", "leave"),
}

#: (earlier, later) pairs per table: a row whose later instant precedes the earlier is impossible
TIME_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "calls": (
        ("offered_at", "answered_at"),
        ("offered_at", "ended_at"),
        ("offered_at", "queue_entry_at"),
        ("queue_entry_at", "queue_exit_at"),
        ("queue_entry_at", "answered_at"),
        ("ivr_entry_at", "ivr_exit_at"),
        ("answered_at", "ended_at"),
    ),
    "agent_states": (("start_at", "end_at"),),
    "schedule": (("start_at", "end_at"),),
    "timeclock": (("clock_in_at", "clock_out_at"),),
    "costs": (("period_start", "period_end"),),
    "agents": (("hired_on", "left_on"),),
}

#: what the reader fills in when the mapping does not give a column: (table, column) -> rule
DERIVATIONS: dict[tuple[str, str], str] = {
    ("calls", "contact_id"): "= call_id (every leg is its own contact)",
    ("calls", "leg"): "= 1",
    ("calls", "channel"): "= 'voice'",
    ("calls", "direction"): "= 'inbound'",
    ("calls", "centre"): "= settings.centre",
    ("calls", "offered_local"): "= offered_at in the centre's zone (settings.timezone)",
    ("calls", "ivr_seconds"): "= ivr_exit_at - ivr_entry_at, when both are mapped",
    ("calls", "wait_seconds"): "= queue_exit_at - queue_entry_at when both are mapped; otherwise "
    "answered_at - queue_entry_at for answered legs and ended_at - queue_entry_at for legs lost "
    "in the queue (abandoned, timeout, exit_*, callback)",
    ("calls", "source_outcome"): "= the outcome cell as read, before the value map",
    ("agent_states", "start_local"): "= start_at in the centre's zone",
    ("agent_states", "seconds"): "= end_at - start_at, when end_at is mapped",
    ("agent_states", "end_at"): "= start_at + seconds, when seconds is mapped",
    ("schedule", "date"): "= local date of start_at",
    ("timeclock", "date"): "= local date of clock_in_at",
    ("timeclock", "present"): "= clock_in_at is not empty",
    ("surveys", "satisfied"): "= score >= settings.satisfied_min_share x scale_max",
    ("costs", "centre"): "= settings.centre",
    ("agents", "role"): "= 'agent'",
}

_UNIT_FACTOR = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0}
_SQL_TYPE: dict[pa.DataType, str] = {
    pa.string(): "VARCHAR",
    pa.int16(): "SMALLINT",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    schema.UTC_TS: "TIMESTAMPTZ",
    schema.LOCAL_TS: "TIMESTAMP",
}
_INSTANT = (schema.UTC_TS, schema.LOCAL_TS)


def sql_type(t: pa.DataType) -> str:
    return _SQL_TYPE[t]


@dataclass
class Check:
    field: str
    cond: str  # SQL condition over the last layer
    reason: str  # SQL text expression, evaluated only for the rows that fail


@dataclass
class RowPlan:
    """The compiled rules for one mapping (see the module docstring)."""

    table: schema.Table
    layers: list[dict[str, str]] = field(default_factory=list)
    staged: dict[str, str] = field(default_factory=dict)  # stage column -> expr (last layer)
    final: dict[str, str] = field(default_factory=dict)  # canonical column -> expr over the stage
    checks: list[Check] = field(default_factory=list)
    raw: str = "''"  # the record as read, for rejects
    notes: list[str] = field(default_factory=list)

    def select(self, relation: str, *, keep_line: bool) -> str:
        """The query giving the stage rows (staged columns, ``_check``, ``_field``,
        ``_reason``, ``_raw``, plus ``_line`` when the relation has one)."""
        sql = f"({relation})"
        for k, layer in enumerate(self.layers):
            cols = ", ".join(f"{expr} AS {name}" for name, expr in layer.items())
            sql = f"(SELECT l{k}.*, {cols} FROM {sql} AS l{k})" if cols else sql
        check = "CASE " + " ".join(
            f"WHEN {c.cond} THEN {i}" for i, c in enumerate(self.checks, 1)) + " END" \
            if self.checks else "NULL::INTEGER"
        sql = f"(SELECT lc.*, {check} AS _check FROM {sql} AS lc)"
        fields = " ".join(f"WHEN {i} THEN {q.lit(c.field)}" for i, c in enumerate(self.checks, 1))
        reasons = " ".join(f"WHEN {i} THEN {c.reason}" for i, c in enumerate(self.checks, 1))
        staged = [f"CASE WHEN _check IS NULL THEN {e} END AS {q.ident(n)}"
                  if _can_fail(e) else f"{e} AS {q.ident(n)}" for n, e in self.staged.items()]
        out = [
            *staged,
            "_check::SMALLINT AS _check",
            f"CASE WHEN _check IS NOT NULL THEN (CASE _check {fields} END) END::VARCHAR AS _field"
            if self.checks else "NULL::VARCHAR AS _field",
            f"CASE WHEN _check IS NOT NULL THEN (CASE _check {reasons} END) END::VARCHAR AS _reason"
            if self.checks else "NULL::VARCHAR AS _reason",
            f"CASE WHEN _check IS NOT NULL THEN {self.raw} END::VARCHAR AS _raw",
        ]
        if keep_line:
            out.append("_line")
        return f"SELECT {', '.join(out)} FROM {sql} AS lo"


def _can_fail(expr: str) -> bool:
    return expr.startswith(("make_timestamp", "TRY_CAST(", "CAST(make_timestamp"))


# --------------------------------------------------------------------------- compile


def compile_rows(m: Mapping, table: schema.Table, settings: Settings, present: list[str],
                 mwhere: str) -> RowPlan:
    """Compile ``m`` for a relation whose text columns ``s<i>`` are ``present``."""
    return _Compiler(m, table, settings, present, mwhere).run()


def scalar_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, StrEnum):
        return v.value
    return str(v)


class _Compiler:
    def __init__(self, m: Mapping, table: schema.Table, settings: Settings, present: list[str],
                 mwhere: str) -> None:
        self.m, self.t, self.s, self.mw = m, table, settings, mwhere
        self.present = present
        self.src_zone = m.timezone or settings.timezone
        self.plan = RowPlan(table)
        self.values: dict[str, pa.DataType] = {}  # value column -> canonical type, in order
        self.text: set[str] = set()  # canonical columns with a cell text t_<name>
        self.pure: dict[str, str] = {}  # derived column -> final expr (constant / alias)
        # the value layer comes after every parse layer (instants use 7 + number of formats)
        self.value_depth = 8 + max((len(s.format or []) for s in m.columns.values()), default=0)

    # -- layers ---------------------------------------------------------------------------
    def layer(self, depth: int) -> dict[str, str]:
        while len(self.plan.layers) <= depth:
            self.plan.layers.append({})
        return self.plan.layers[depth]

    def src(self, column: str) -> str:
        return f"s{self.present.index(column)}"

    def origin(self, spec: ColumnSpec) -> str:
        if spec.constant is not None:
            return q.lit(scalar_text(spec.constant))
        if spec.combine is not None:
            sep = f" || {q.lit(spec.separator)} || "
            return "(" + sep.join(self.src(c) for c in spec.combine) + ")"
        assert spec.source is not None
        return self.src(spec.source)

    # -- 1. text: origin -> strip, case -> map, default ---------------------------------
    def text_ops(self, name: str, spec: ColumnSpec, col: schema.Column) -> None:
        self.layer(0)[f"o_{name}"] = self.origin(spec)
        a = f"o_{name}"
        plain = spec.map is None and spec.default is None and spec.case is None
        if spec.strip and (col.type == pa.string() or not plain):
            # the first and last code points once, so that the white-space test is cheap
            self.layer(1)[f"fc_{name}"] = f"ord({a})"
            self.layer(1)[f"lc_{name}"] = f"ord(right({a}, 1))"
            a = q.strip(a, f"fc_{name}", f"lc_{name}")
        if spec.case == "upper":
            a = f"upper({a})"
        elif spec.case == "lower":
            a = f"lower({a})"
        self.layer(2)[f"a_{name}"] = a
        t = f"a_{name}"
        if spec.map:
            whens = " ".join(
                f"WHEN {t} = {q.lit(k)} THEN "
                + ("NULL" if v is None else q.lit(scalar_text(v))) for k, v in spec.map.items())
            t = f"CASE {whens} ELSE {t} END"
        if spec.default is not None:
            t = f"coalesce({t}, {q.lit(scalar_text(spec.default))})"
        self.layer(3)[f"t_{name}"] = t
        self.text.add(name)

    # -- 2. parse by canonical type -------------------------------------------------------
    def parse(self, name: str, spec: ColumnSpec, col: schema.Column) -> None:
        t, ty = f"t_{name}", col.type
        if ty in _INSTANT or ty == pa.date32():
            n, z = self.parse_instant(name, spec)
            if ty == schema.UTC_TS:
                v = f"coalesce({z}, {q.local_to_utc_us(n, self.src_zone)})"
            elif ty == schema.LOCAL_TS:
                v = f"coalesce({n}, {q.utc_to_local_us(z, self.s.timezone)})"
            else:
                v = (f"CAST(make_timestamp(coalesce({n}, {q.utc_to_local_us(z, self.src_zone)}))"
                     " AS DATE)")
            self.put(name, ty, v)
        elif ty == pa.bool_():
            self.layer(4)[f"p_{name}"] = f"lower({q.strip(t)})"
            p = f"p_{name}"
            self.put(name, ty, f"CASE WHEN {q.one_of(p, q.TRUE_WORDS)} THEN true "
                               f"WHEN {q.one_of(p, q.FALSE_WORDS)} THEN false END")
        elif pa.types.is_floating(ty) or pa.types.is_integer(ty):
            if col.unit == "s" and spec.unit == "HH:MM:SS":
                self.layer(4)[f"p_{name}"] = q.strip(t)
                p = f"p_{name}"
                self.layer(5)[f"r_{name}"] = (f"regexp_extract({p}, {q.lit(q.HMS_PATTERN)}, "
                                              "['h', 'm', 's'])")
                self.layer(5)[f"e_{name}"] = q.number(p)
                r, e = f"r_{name}", f"e_{name}"
                hms = (f"(coalesce(TRY_CAST(nullif({r}.h, '') AS DOUBLE), 0.0) * 3600.0"
                       f" + TRY_CAST({r}.m AS DOUBLE) * 60.0 + TRY_CAST({r}.s AS DOUBLE))")
                self.put(name, ty, f"CASE WHEN {r}.m <> '' THEN {hms} ELSE {q.finite(e)} END")
                return
            x = f"replace({t}, {q.lit(spec.thousands)}, '')" if spec.thousands else t
            self.layer(4)[f"d_{name}"] = q.number(x)
            d = f"d_{name}"
            self.layer(5)[f"f_{name}"] = q.finite(d)
            self.layer(5)[f"p_{name}"] = f"CASE WHEN {d} IS NULL THEN {q.strip(x)} END"
            self.layer(6)[f"e_{name}"] = q.number(f"p_{name}")
            e = f"e_{name}"
            num = f"coalesce(f_{name}, {q.finite(e)})"
            factor = _UNIT_FACTOR[spec.unit or "s"] if col.unit == "s" else 1.0
            self.put(name, ty, f"({num} * {factor!r})" if factor != 1.0 else num)
        else:
            self.put(name, ty, t)

    def parse_instant(self, name: str, spec: ColumnSpec) -> tuple[str, str]:
        """Layers giving ``n<k>_<name>`` (wall-clock µs, no offset) and ``z<k>_<name>`` (UTC µs).

        The common case costs one strict ``strptime``: a text with an offset fails the
        naive layouts and only then is read with ``%z``."""
        t = f"t_{name}"
        self.layer(4)[f"n0_{name}"] = q.naive_us(t)
        n0 = f"n0_{name}"
        self.layer(5)[f"z0_{name}"] = f"CASE WHEN {n0} IS NULL THEN {q.aware_us(t)} END"
        z0 = f"z0_{name}"
        # a value that is not ISO as it stands: strip it, then ISO again, then each format
        self.layer(6)[f"q_{name}"] = f"CASE WHEN {n0} IS NULL AND {z0} IS NULL THEN {q.strip(t)} END"
        qq = f"q_{name}"
        self.layer(7)[f"n1_{name}"] = f"coalesce({n0}, {q.naive_us_strict(qq)})"
        self.layer(7)[f"z1_{name}"] = f"coalesce({z0}, {q.aware_us_strict(qq)})"
        n, z = f"n1_{name}", f"z1_{name}"
        for k, fmt in enumerate(spec.format or [], start=2):
            depth = 6 + k
            nn, zz = f"n{k}_{name}", f"z{k}_{name}"
            if "%z" in fmt:
                self.layer(depth)[nn] = n
                self.layer(depth)[zz] = \
                    f"coalesce({z}, CASE WHEN {n} IS NULL THEN {q.format_us(qq, fmt)} END)"
            else:
                self.layer(depth)[nn] = \
                    f"coalesce({n}, CASE WHEN {z} IS NULL THEN {q.format_us(qq, fmt)} END)"
                self.layer(depth)[zz] = z
            n, z = nn, zz
        return n, z

    def put(self, name: str, ty: pa.DataType, expr: str) -> None:
        """The value column ``v_<name>`` (computed in the value layer); ``ty`` is the canonical
        type (integers are carried as DOUBLE until checked, instants as µs)."""
        self.value_layer[f"v_{name}"] = expr
        self.values[name] = ty

    @property
    def value_layer(self) -> dict[str, str]:
        return self.layer(self.value_depth)


    # -- 3. derive ---------------------------------------------------------------------
    def derive(self) -> None:
        t, s, v = self.t.name, self.s, self.values
        d = self.layer(self.value_depth + 1)
        notes: list[str] = []

        def has(*cols: str) -> bool:
            return all(c in v for c in cols)

        def put(col: str, expr: str, *, pure: str | None = None) -> None:
            d[f"v_{col}"] = expr
            v[col] = self.t.column(col).type
            if pure is not None:
                self.pure[col] = pure
            notes.append(f"{col} {DERIVATIONS[(t, col)]}")

        def const(col: str, value: Any) -> None:
            ty = self.t.column(col).type
            text = q.lit(scalar_text(value)) if ty == pa.string() else str(value)
            expr = f"CAST({text} AS {sql_type(ty)})"
            put(col, expr, pure=expr)

        def secs(a: str, b: str) -> str:
            return f"((v_{b} - v_{a}) / 1e6)"

        if t == "calls":
            if "contact_id" not in v and has("call_id"):
                put("contact_id", "v_call_id", pure=q.ident("call_id"))
            if "leg" not in v:
                const("leg", 1)
            if "channel" not in v:
                const("channel", "voice")
            if "direction" not in v:
                const("direction", "inbound")
            if "centre" not in v:
                const("centre", s.centre)
            out = self.m.columns.get("outcome")
            if "source_outcome" not in v and out is not None and out.constant is None:
                put("source_outcome", "o_outcome")
            if "ivr_seconds" not in v and has("ivr_entry_at", "ivr_exit_at"):
                put("ivr_seconds", secs("ivr_entry_at", "ivr_exit_at"))
            if "wait_seconds" not in v and "queue_entry_at" in v:
                if has("queue_exit_at"):
                    put("wait_seconds", secs("queue_entry_at", "queue_exit_at"))
                elif has("answered_at") or has("ended_at", "outcome"):
                    w = secs("queue_entry_at", "answered_at") if has("answered_at") else "NULL::DOUBLE"
                    if has("ended_at", "outcome"):
                        lost = q.one_of("v_outcome", sorted(str(o) for o in schema.QUEUE_LOSS_OUTCOMES))
                        w = (f"CASE WHEN {lost} THEN "
                             f"{secs('queue_entry_at', 'ended_at')} ELSE {w} END")
                    put("wait_seconds", w)
            if "offered_local" not in v and has("offered_at"):
                put("offered_local", q.utc_to_local_us("v_offered_at", s.timezone))
        elif t == "agent_states":
            if "end_at" not in v and has("start_at", "seconds"):
                put("end_at", "TRY_CAST(v_start_at::DOUBLE + v_seconds * 1e6 AS BIGINT)")
            if "seconds" not in v and has("start_at", "end_at"):
                put("seconds", secs("start_at", "end_at"))
            if "start_local" not in v and has("start_at"):
                put("start_local", q.utc_to_local_us("v_start_at", s.timezone))
        elif t == "schedule":
            if "date" not in v and has("start_at"):
                put("date", "CAST(make_timestamp("
                    f"{q.utc_to_local_us('v_start_at', s.timezone)}) AS DATE)")
        elif t == "timeclock":
            if "date" not in v and has("clock_in_at"):
                put("date", "CAST(make_timestamp("
                    f"{q.utc_to_local_us('v_clock_in_at', s.timezone)}) AS DATE)")
            if "present" not in v and has("clock_in_at"):
                put("present", "(v_clock_in_at IS NOT NULL)")
        elif t == "surveys":
            if "satisfied" not in v and has("score", "scale_max"):
                put("satisfied", f"(v_score >= v_scale_max * {float(s.satisfied_min_share)!r})")
        elif t == "costs":
            if "centre" not in v:
                const("centre", s.centre)
        elif t == "agents" and "role" not in v:
            const("role", "agent")
        if notes:
            self.plan.notes.append("derived: " + "; ".join(notes))

    # -- 4. validate ---------------------------------------------------------------------
    def cell(self, name: str) -> str:
        """The cell as the user wrote it, quoted (empty for derived columns)."""
        return q.py_repr(f"t_{name}") if name in self.text else "''''''"

    def shown(self, name: str) -> str:
        if name in self.text:
            return q.py_repr(f"t_{name}")
        return f"CAST({self.typed(name)} AS VARCHAR)"

    def typed(self, name: str) -> str:
        """``v_<name>`` converted to its canonical SQL type."""
        ty = self.values[name]
        v = f"v_{name}"
        if ty == schema.UTC_TS:
            return f"make_timestamptz({v})"
        if ty == schema.LOCAL_TS:
            return f"make_timestamp({v})"
        if pa.types.is_integer(ty):
            return f"TRY_CAST({v} AS {sql_type(ty)})"
        return v

    def validate(self) -> None:
        t, mw, checks = self.t, self.mw, self.plan.checks

        def add(field: str, cond: str, reason: str) -> None:
            checks.append(Check(field, cond, reason))

        for name, spec in self.m.columns.items():
            col = t.column(name)
            if col.type == pa.string():
                continue
            what = _kind(col, spec)
            add(name, f"(t_{name} IS NOT NULL AND v_{name} IS NULL AND {q.strip(f't_{name}')} IS NOT NULL)",
                f"'cannot read ' || {self.cell(name)} || {q.lit(f' as {what} — fix the value, or adjust columns.{name} in {mw}')}")
        for name, ty in self.values.items():
            if ty in _INSTANT:
                lo, hi = q.PLAUSIBLE_US
                cond = f"(v_{name} < {lo} OR v_{name} >= {hi})"
            elif ty == pa.date32():
                lo_d, hi_d = q.PLAUSIBLE_DATES
                cond = f"(v_{name} < DATE '{lo_d}' OR v_{name} >= DATE '{hi_d}')"
            else:
                continue
            add(name, cond, f"{self.cell(name)} || "
                f"{q.lit(f' is outside 1900-2199 — fix the value or its format in columns.{name}')}")
        for name in self.values:
            col = t.column(name)
            if pa.types.is_integer(col.type) and name not in self.pure:
                info = np.iinfo(col.type.to_pandas_dtype())
                add(name, f"(v_{name} <> floor(v_{name}) OR v_{name} < {float(info.min)!r} "
                          f"OR v_{name} > {float(info.max)!r})",
                    f"{self.cell(name)} || ' is not a whole number in range — fix the value'")
        for name in t.required:
            if name in PROVENANCE or name not in self.values:
                continue
            add(name, f"v_{name} IS NULL", q.lit(
                f"required value {name} is empty — fill it in the export, or give "
                f"columns.{name}.default in {mw}"))
        for (tab, name), allowed in VOCABULARIES.items():
            if tab != t.name or name not in self.values:
                continue
            tail = (f" is not a known {name} ({', '.join(allowed)}) — add it to "
                    f"columns.{name}.map in {mw}")
            add(name, f"(v_{name} IS NOT NULL AND NOT {q.one_of(f'v_{name}', allowed)})",
                f"{self.cell(name)} || {q.lit(tail)}")
        self.negatives(mapped=True)
        for earlier, later in TIME_ORDER.get(t.name, ()):
            if earlier in self.values and later in self.values:
                add(later, f"v_{later} < v_{earlier}",
                    f"{q.lit(later + ' ')} || {self.shown(later)} || {q.lit(f' is before {earlier} ')}"
                    f" || {self.shown(earlier)} || ' — impossible; check the export''s clock / time zone'")
        self.negatives(mapped=False)

    def negatives(self, *, mapped: bool) -> None:
        for name in self.values:
            col = self.t.column(name)
            if (name in self.m.columns) != mapped:
                continue
            if col.unit in ("s", "rings") or name == "leg":
                low = 1 if name == "leg" else 0
                self.plan.checks.append(Check(
                    name, f"v_{name} < {low}",
                    f"{q.lit(name + ' = ')} || CAST(v_{name} AS VARCHAR) || "
                    f"{q.lit(f' is below {low} — a duration or count cannot be negative; fix the export')}"))

    # -- the plan ------------------------------------------------------------------------
    def run(self) -> RowPlan:
        for name, spec in self.m.columns.items():
            col = self.t.column(name)
            self.text_ops(name, spec, col)
            self.parse(name, spec, col)
        self.derive()
        self.validate()
        plan = self.plan
        plan.layers = [layer for layer in plan.layers if layer]
        for col in self.t.columns:
            name = col.name
            if name in PROVENANCE:
                continue
            if name in self.pure:
                plan.final[name] = self.pure[name]
            elif name in self.values:
                plan.staged[name] = self.typed(name)
                plan.final[name] = q.ident(name)
            else:
                plan.final[name] = f"CAST(NULL AS {sql_type(col.type)})"
        parts = [f"{q.lit(c + '=')} || coalesce(s{i}, '')" for i, c in enumerate(self.present)]
        plan.raw = " || ' | ' || ".join(parts) if parts else "''"
        return plan


def _kind(col: schema.Column, spec: ColumnSpec) -> str:
    if col.type in _INSTANT:
        return "a date-time (ISO 8601" + (", or " + " / ".join(spec.format) if spec.format else "") + ")"
    if col.type == pa.date32():
        return "a date (YYYY-MM-DD" + (", or " + " / ".join(spec.format) if spec.format else "") + ")"
    if col.type == pa.bool_():
        return "true/false (是/否, yes/no, 1/0, or map the value)"
    if col.unit == "s":
        return f"a duration in {spec.unit or 's'}"
    return "a number"


# --------------------------------------------------------------------------- duplicates


def duplicate_rows_sql(view: str, plan: RowPlan) -> tuple[str, str]:
    """(count query, rows query) for keys repeated among the good rows of ``view`` (which has
    every canonical column, ``_rid``, ``_line`` and ``_check``).

    The rows query gives ``_rid`` of every later occurrence with ``_first_line`` (the line of
    the first one, which is kept) and ``_same`` (true when the whole row repeats it)."""
    keys = [q.ident(k) for k in plan.table.key]
    ks = ", ".join(keys)
    count = (f"SELECT count(*) FROM (SELECT 1 FROM {view} WHERE _check IS NULL "
             f"GROUP BY {ks} HAVING count(*) > 1)")
    on = " AND ".join(f"d.{k} IS NOT DISTINCT FROM s.{k}" for k in keys)
    content = [q.ident(c) for c in plan.final if c not in plan.table.key]
    same = " AND ".join(f"s.{c} IS NOT DISTINCT FROM f.{c}" for c in content) or "true"
    rows = (
        f"SELECT s._rid, f._line AS _first_line, ({same}) AS _same FROM ("
        f"  SELECT *, min(_rid) OVER (PARTITION BY {ks}) AS _first FROM {view} s"
        f"  WHERE _check IS NULL AND EXISTS (SELECT 1 FROM ("
        f"    SELECT {ks} FROM {view} WHERE _check IS NULL GROUP BY {ks} HAVING count(*) > 1) d"
        f"    WHERE {on})) s JOIN {view} f ON f._rid = s._first WHERE s._rid <> s._first"
    )
    return count, rows


def duplicate_reason_sql(plan: RowPlan) -> str:
    keyname = ", ".join(plan.table.key)
    return (f"CASE WHEN _same THEN 'repeats line ' || _first_line || "
            f"{q.lit(f' exactly (same {keyname}); the row is kept once — nothing lost')} "
            f"ELSE {q.lit(f'duplicate {keyname} already on line ')} || _first_line || "
            f"' with different content; the first is kept — remove or correct one of them' END")
