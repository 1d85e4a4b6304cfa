"""docs/indicators.md, generated from the registry: ``python -m callcenter.metrics.docs``."""

from __future__ import annotations

from callcenter.metrics import registry
from callcenter.settings import SL_POLICY_TEXT

INTRO = """\
# Operating indicators (运营指标)

Generated from `src/callcenter/metrics/registry.py` by `python -m callcenter.metrics.docs`;
do not edit by hand. DOMAIN.md §1 is the specification.

## How every indicator is computed

* **Which calls.** Only `direction = 'inbound'` legs of `calls` count.
* **Which interval.** A call belongs to the interval in which it was **offered**
  (`calls.offered_local`, the centre's wall clock). Periods: 15/30/60-minute intervals from
  local midnight, the local day, the ISO week (Monday 00:00), the calendar month, or `total`
  (the whole range pooled into one row). Interval
  starts are computed with integer arithmetic, so the same expression runs on DuckDB, SQLite
  and Polars. Agent-state time is **cut at interval boundaries** (at midnight for
  day and up, `total` included): a talk state from 08:50 to 09:10 counts 10 min in each
  half-hour, and a range's total is the sum of its days.
  Instants with no local column (`schedule.start_at`,
  `qa_scores.evaluated_at`, `surveys.answered_at`) are shifted by the zone's UTC offset at the
  start of the range (exact for zones without DST such as Asia/Shanghai).
* **Legs or contacts.** `calls` holds one row per queue leg. Queue-level indicators count
  **legs** (a contact that overflowed from queue A to B is offered to both); centre-level ones
  count **distinct contacts** (`total_calls`, repeat calls, attempts per caller, inferred FCR,
  cost per call). The *counts* column below says which.
* **Offered** (进队列) = legs whose outcome is answered, transferred, abandoned, timeout,
  exit_empty, exit_key, callback or overflowed: they reached the ACD queue. Blocked and IVR
  outcomes never reached it; incomplete legs (still in progress where the source ends) are
  not counted until they end.
* **Within T** means `wait_seconds <= T` (Asterisk's convention). An answered leg with no
  recorded wait was answered without queueing: 0 s.
* **Short abandon**: an abandoned leg with `wait_seconds <= short_abandon_s`.
* **Nothing is invented.** A rate with a zero denominator is empty, not 0. An indicator whose
  data is missing is reported as `not available — needs <table.column>` (a column counts as
  missing when it holds no non-null value), never as 0. Quiet intervals show as rows with
  counts 0 and empty rates.
* **Dimensions**: centre, queue, call_type, customer_tier, team, agent, in any combination
  (each indicator lists the ones its source has). A null dimension value shows as `(none)`
  (for `agent`: legs no agent answered).

## Definitions that are settings (口径)

| setting | default | meaning |
|---|---|---|
| `sl_threshold_s` | 20 | service-level threshold T, seconds |
| `sl_policy` | offered | service-level formula, one of the policies below |
| `short_abandon_s` | 20 | abandons within this many seconds are short (excluded from `abandon_rate`) |
| `acw_in_occupancy` | true | after-call work counts as busy time in occupancy |
| `fcr_window_hours` | 72 | a further contact from the same caller within this window is a repeat |
| `seconds_per_ring` | 3 | turns ring time into rings when the source has no ring count |
| `satisfied_min_share` | 0.8 | survey score ≥ this share of the scale is satisfied (when not coded) |
| `targets` | — | per-indicator target overrides (`min`, `max`, `warn_min`, `warn_max`) |

Service-level policies (`sl_policy`):

"""

OUTRO = """
## Status against target

Each target has an on-target zone (`min`/`max`) and a warning zone around it
(`warn_min`/`warn_max`); outside the warning zone the value is **off-target**. Override in
the settings file, e.g.:

```toml
[targets.service_level]
min = 85
warn_min = 80
```

Turnover's and hours-per-agent's targets are monthly; they get no status at other grains.
The diagnostics checklist (DOMAIN.md §1) is shown for every indicator in warning or off
target.

## QC tools (DOMAIN.md §7)

* `callcenter pareto COLUMN [--table calls] [--cut 80]`: count, share, cumulative share,
  largest first, "other" / "(none)" always last, the vital few up to the cut.
* `metrics.qc.peak_day_coefficients`: the month's highest daily count of offered legs ÷ the
  mean over its days with traffic (days missing from the data are not counted as zero).
* `metrics.qc.before_after`: an indicator over two spans, the change, and the status of each
  against the target.

## Commands

* `callcenter kpi --grain day --by queue,agent --from 2024-03-01 --to 2024-04-01
  [--indicators service_level,asa] [--format table|csv|json|xlsx] [--output FILE] [--no-fill]`
* `callcenter kpi-summary --grain month --by call_type --thresholds 20,30,60`: offered,
  answered, abandoned, abandon rate with and without short abandons, SL at each threshold,
  ASA, average time to abandon, mean talk time, with the definitions.
* `callcenter report --month YYYY-MM --output DIR`: `report-YYYY-MM.xlsx` and `.html`.
* `callcenter indicators`: this registry.

## Known limits

* Scheduled activities are not cut at interval boundaries, so adherence is given per day,
  week, month (not per interval); shifts crossing midnight count on the day they start.
* `timeclock` and `qa_scores` rows get team and centre from the `agents` table (today's
  team, not the team at the time); `turnover` has no dimensions; `cost_per_call` is monthly
  and by centre, and takes each cost row in the month of its `period_start`.
* On the Polars backend (no window functions in Ibis 12) the contact-level indicators
  `repeat_call_rate`, `attempts_per_caller` and `fcr_inferred` say "not available on this
  backend"; DuckDB and SQLite compute them.
* Adherence is DOMAIN.md's ratio of totals (ready/on-call time ÷ scheduled phone time), not a
  minute-by-minute comparison with the schedule.

## Checked against

* hand-worked figures on a small hand-made data set (`metrics/sample.py`), and a pure-Python
  reference (`metrics/reference.py`, plain loops) giving the same values as DuckDB, SQLite and
  Polars at every grain (tests/test_metrics_engine.py);
* the Asterisk sample: Asterisk's own SL and SL2 per queue (support 80.0 % / 80.0 % at 20 s;
  sales 83.3 % / 85.7 % at 30 s) under the `asterisk_sl` / `asterisk_sl2` policies;
* the Wazo call-centre statistics fixtures: received, answered, abandoned, average wait and
  answered rate per hour, QoS (GPL-3.0-or-later © The Wazo Authors; read from `../shared`,
  never shipped);
* the Anonymous Bank data (Technion SEE Laboratory, Guedj & Mandelbaum; Brown et al. 2005,
  JASA 100(469):36–50): the call summary of January 1999 per call type, cross-checked by the
  pure-Python reference.
"""


def markdown() -> str:
    out = [INTRO.rstrip("\n"), ""]
    out += [f"* `{p.value}`: {t}" for p, t in SL_POLICY_TEXT.items()]
    out += ["", "## The indicators", "",
            "| # | id | 中文 | English | unit | good | counts | target / benchmark | cadence |",
            "|---|---|---|---|---|---|---|---|---|"]
    good = {"up": "higher", "down": "lower", "range": "in range", "none": "—"}
    for i in registry.INDICATORS:
        tgt = i.target.describe() + (f" ({i.target.text})" if i.target.text else "") if i.target else ""
        bench = "; ".join(x for x in (tgt, i.benchmark) if x) or "—"
        out.append(f"| {i.number or ''} | `{i.id}` | {i.name_zh} | {i.name_en} | {i.unit} | {good[i.direction]} "
                   f"| {i.level} | {bench} | {i.cadence or '—'} |")
    out += ["", "## Formulas, data needed, grains and dimensions", ""]
    for i in registry.INDICATORS:
        out += [f"### `{i.id}` — {i.name_zh} {i.name_en}", "",
                f"* formula: {i.formula_en}", f"* 公式：{i.formula_zh}",
                f"* counts: {i.level}; needs: " + ", ".join(f"`{n.replace('|', '` or `')}`" for n in i.needs),
                f"* grains: {', '.join(g for g in ('15m', '30m', '60m', 'day', 'week', 'month') if g in i.grains)}; "
                f"dimensions: {', '.join(sorted(i.dims)) or 'none'}"]
        if i.diagnostics:
            out.append("* diagnostics when off target / 未达标时检查:")
            out += [f"  * {en} / {zh}" for en, zh in i.diagnostics]
        out.append("")
    return "\n".join(out) + OUTRO


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
