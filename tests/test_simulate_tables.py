"""The simulated tables are canonical, consistent, marked simulated and reproducible."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from callcenter import schema
from callcenter.simulate import Dist, SimConfig, run
from callcenter.simulate.config import (
    AgentGroupConfig,
    ArrivalConfig,
    BreakConfig,
    IvrConfig,
    QueueConfig,
    ShiftConfig,
    TierConfig,
)


def small_centre(**update: object) -> SimConfig:
    """Two queues, VIP tier, IVR, shifts with breaks: exercises the event engine."""
    cfg = SimConfig(
        name="small",
        arrivals=ArrivalConfig(calls_per_day=3000, profile=[0.2] * 14 + [1.0] * 24 + [0.4] * 10),
        ivr=IvrConfig(enabled=True, self_service_prob=0.5, abandon_prob=0.05),
        queues=[
            QueueConfig(name="a", talk=Dist.lognormal(120, 0.8), acw=Dist.exponential(20),
                        ring=Dist(kind="uniform", low=1.0, high=10.0),
                        hold_prob=0.3, transfer_prob=0.05, transfer_to="b"),
            QueueConfig(name="b", share=0.5, talk=Dist.exponential(200), max_queue=3),
        ],
        tiers=[TierConfig(name="normal", share=0.9, priority=1),
               TierConfig(name="vip", share=0.1, priority=0)],
        agents=[
            AgentGroupConfig(
                team="t1", skills={"a": 1, "b": 2}, days_off_per_week=1,
                shifts=[ShiftConfig(name="day", start="07:00", hours=9, agents=6,
                                    breaks=[BreakConfig(after_minutes=180, minutes=30, reason="meal")]),
                        ShiftConfig(name="late", start="15:00", hours=9, agents=4)],
                absence_prob=0.1, late_prob=0.3,
            ),
            AgentGroupConfig(team="t2", skills={"b": 1}, count=1),
        ],
        survey={"prob": 0.3},
        qa={"sample_rate": 0.05},
        costs={},
        attrition_monthly=0.99,
    )
    return SimConfig.model_validate({**cfg.model_dump(), **update})


@pytest.fixture(scope="module")
def small() -> dict[str, pa.Table]:
    return run(small_centre(), days=3, seed=11)


def parquet_bytes(t: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(t, buf)
    return buf.getvalue()


def test_schemas_are_canonical(small: dict[str, pa.Table]) -> None:
    for name, t in small.items():
        assert t.schema.equals(schema.TABLES[name].schema), name
        assert t.num_rows > 0, name
        for col in schema.TABLES[name].required:
            assert t[col].null_count == 0, f"{name}.{col}"


def test_keys_unique_and_rows_say_simulated(small: dict[str, pa.Table]) -> None:
    for name, t in small.items():
        key = schema.TABLES[name].key
        df = t.select(list(key)).to_pandas()
        assert not df.duplicated().any(), name
        assert pc.all(pc.starts_with(t["source_file"], "simulated:small:seed=11")).as_py()


def test_calls_are_internally_consistent(small: dict[str, pa.Table]) -> None:
    c = small["calls"].to_pandas()
    ans = c["outcome"].isin(["answered", "transferred"])
    assert (c.loc[ans, "answered_at"] >= c.loc[ans, "queue_entry_at"]).all()
    assert c.loc[ans, "agent"].notna().all() and c.loc[~ans, "agent"].isna().all()
    assert (c.loc[ans, "hold_seconds"].dropna() <= c.loc[ans, "talk_seconds"].loc[c.loc[ans, "hold_seconds"].notna()]).all()
    assert c.loc[c["outcome"] == "abandoned", "answered_at"].isna().all()
    rung = c["ring_seconds"].notna()
    assert rung.any() and (c.loc[rung, "queue"] == "a").all()
    assert (c.loc[rung, "ring_count"] == np.maximum(np.ceil(c.loc[rung, "ring_seconds"] / 3), 1)).all()
    assert (c.loc[rung, "wait_seconds"] >= c.loc[rung, "ring_seconds"] - 1e-6).all()
    assert (c["wait_seconds"].dropna() >= 0).all()
    assert c.loc[c["outcome"] == "ivr_self_served", "queue_entry_at"].isna().all()
    # transfers open a second leg of the same contact in the target queue
    tr = c[c["outcome"] == "transferred"]
    assert len(tr) > 0 and set(tr["transfer_kind"]) <= {"blind", "announced"}
    nxt = c.set_index(["contact_id", "leg"])
    for cid, leg in zip(tr["contact_id"], tr["leg"], strict=True):
        assert nxt.loc[(cid, leg + 1), "queue"] == "b"
    # full queue b -> blocked with the source's reason kept
    assert "queue_full" in set(c["source_outcome"])
    # offered_local is offered_at in Asia/Shanghai (UTC+8)
    delta = c["offered_local"] - c["offered_at"].dt.tz_localize(None)
    assert (delta == np.timedelta64(8, "h")).all()


def test_agent_states_partition_sessions(small: dict[str, pa.Table]) -> None:
    s = small["agent_states"].to_pandas()
    sess = s[s["state"] == "logged_in"]
    parts = s[s["state"] != "logged_in"].sort_values(["agent", "start_at"])
    # no overlap between consecutive sub-states of an agent
    same = parts["agent"].eq(parts["agent"].shift(-1))
    gap = (parts["start_at"].shift(-1) - parts["end_at"]).dt.total_seconds()
    assert (gap[same] >= -1e-6).all()
    # sub-states fill every session exactly
    total = parts.groupby("agent")["seconds"].sum()
    logged = sess.groupby("agent")["seconds"].sum()
    assert np.allclose(total.reindex(logged.index).fillna(0), logged, atol=1e-3)
    assert {"ready", "ringing", "talking", "acw", "hold", "not_ready"} <= set(s["state"])
    assert set(s.loc[s["state"] == "not_ready", "reason"]) == {"meal"}
    # every talking state belongs to a call answered by that agent
    c = small["calls"].to_pandas().set_index("call_id")
    talk = s[s["state"] == "talking"]
    assert (c.loc[talk["call_id"], "agent"].to_numpy() == talk["agent"].to_numpy()).all()


def test_vip_waits_less(small: dict[str, pa.Table]) -> None:
    c = small["calls"].to_pandas()
    q = c[c["queue_entry_at"].notna()]
    w = q.groupby("customer_tier")["wait_seconds"].mean()
    assert w["vip"] < w["normal"]


def test_no_answers_outside_sessions(small: dict[str, pa.Table]) -> None:
    c = small["calls"].to_pandas()
    s = small["agent_states"].to_pandas()
    sess = s[s["state"] == "logged_in"]
    a = c[c["answered_at"].notna()]
    m = a.merge(sess[["agent", "start_at", "end_at"]], on="agent")
    inside = (m["answered_at"] >= m["start_at"]) & (m["answered_at"] <= m["end_at"])
    assert inside.groupby(m["call_id"]).any().all()


def test_costs_and_headcount(small: dict[str, pa.Table]) -> None:
    costs = small["costs"].to_pandas()
    assert set(costs["category"]) == {"staff", "telecom", "facilities", "it"}
    s = small["agent_states"].to_pandas()
    hours = s.loc[s["state"] == "logged_in", "seconds"].sum() / 3600
    staff = costs.loc[costs["category"] == "staff", "amount"].sum()
    assert abs(staff - 45.0 * hours) < 1.0
    ev = small["headcount_events"].to_pandas()
    leavers = set(ev.loc[ev["event"] == "leave", "agent"])
    assert 0 < len(leavers) < 11
    agents = small["agents"].to_pandas().set_index("agent")
    assert agents.loc[sorted(leavers), "left_on"].notna().all()
    # leavers leave on the last simulated day: nobody works after leaving
    assert set(ev.loc[ev["event"] == "leave", "date"].astype(str)) == {"2026-01-03"}


def test_roster_tables(small: dict[str, pa.Table]) -> None:
    tc = small["timeclock"].to_pandas()
    assert tc["scheduled"].any() and (~tc["present"] & tc["scheduled"]).any()  # absences
    sch = small["schedule"].to_pandas()
    assert {"phone", "meal"} <= set(sch["activity"])
    assert len(small["agents"]) == 11


def test_same_seed_same_bytes_other_seed_differs() -> None:
    cfg = small_centre()
    a = run(cfg, days=2, seed=3)
    b = run(cfg, days=2, seed=3)
    c = run(cfg, days=2, seed=4)
    for name in a:
        assert parquet_bytes(a[name]) == parquet_bytes(b[name]), name
    assert not a["calls"].equals(c["calls"])


def test_blacklist_busy_blocks_those_callers() -> None:
    cfg = small_centre(blacklist={"numbers": 5, "call_weight": 200.0, "action": "busy"})
    c = run(cfg, days=1, seed=2, tables=("calls",))["calls"].to_pandas()
    bl = c[c["source_outcome"] == "blacklist_busy"]
    assert len(bl) > 0 and (bl["outcome"] == "blocked").all()
    assert bl["customer_id"].nunique() <= 5
    assert not c.loc[c["outcome"] != "blocked", "customer_id"].isin(bl["customer_id"]).any()


def test_redials_and_repeats_come_from_the_same_caller() -> None:
    cfg = small_centre(redial={"prob": 0.9}, repeat={"prob": 1.0, "delay": {"kind": "constant", "mean": 3600}},
                       agents=[AgentGroupConfig(team="t", skills={"a": 1, "b": 1}, count=2)])
    cfg.queues[0].resolve_prob = 0.5  # (models are mutable; validated on construction)
    c = run(cfg, days=1, seed=5, tables=("calls",))["calls"].to_pandas()
    per_caller = c[c["leg"] == 1].groupby("customer_id")["contact_id"].nunique()
    assert (per_caller > 1).sum() > 50
    unresolved = c[(c["outcome"] == "answered") & (c["resolved"] == False)]  # noqa: E712
    assert len(unresolved) > 0


def test_ivr_containment_matches_configuration() -> None:
    cfg = small_centre(ivr={"enabled": True, "self_service_prob": 0.79, "abandon_prob": 0.0})
    c = run(cfg, days=3, seed=1, tables=("calls",))["calls"]
    share = pc.mean(pc.equal(c["outcome"], "ivr_self_served")).as_py()
    n = c.num_rows
    assert abs(share - 0.79) < 4 * np.sqrt(0.79 * 0.21 / n)


def test_overdispersion_raises_interval_variance() -> None:
    base = SimConfig(arrivals=ArrivalConfig(calls_per_day=48 * 200), agents=[])
    over = base.model_copy(update={"arrivals": ArrivalConfig(calls_per_day=48 * 200, dispersion=10)})

    def counts(cfg: SimConfig) -> np.ndarray:
        c = run(cfg, days=20, seed=1, tables=("calls",))["calls"]
        t = pc.cast(c["offered_at"], pa.int64()).to_numpy() // 1_800_000_000
        return np.bincount(t - t.min())

    pois, mixed = counts(base), counts(over)
    assert 0.8 < pois.var() / pois.mean() < 1.25  # Poisson: variance = mean
    # gamma-mixed: variance = m + m²/k = 200 + 4000
    assert 2500 < mixed.var() < 6500


def test_config_validation_messages(tmp_path) -> None:
    from callcenter.errors import ConfigError
    from callcenter.simulate import load_config

    p = tmp_path / "bad.yaml"
    p.write_text("queues: [{name: a}]\nagents: [{team: t, skills: {zz: 1}, count: 1}]\n")
    with pytest.raises(ConfigError, match="unknown skill"):
        load_config(p)
    ok = tmp_path / "ok.toml"
    ok.write_text('name = "x"\n[arrivals]\ncalls_per_day = 100\n')
    assert load_config(ok).arrivals.calls_per_day == 100


def test_streamed_batches_equal_the_whole_run(small: dict[str, pa.Table]) -> None:
    """iter_run hands out a day at a time; its batches joined are run()'s tables, byte for
    byte, and no call or state is handed out twice or lost across midnight."""
    from callcenter.simulate import iter_run

    parts: dict[str, list[pa.Table]] = {}
    for name, batch in iter_run(small_centre(), days=3, seed=11):
        assert batch.schema.equals(schema.TABLES[name].schema)
        parts.setdefault(name, []).append(batch)
    assert len(parts["calls"]) == 3 and len(parts["agent_states"]) == 3
    for name, whole in small.items():
        joined = pa.concat_tables(parts[name]).combine_chunks()
        assert joined.equals(whole), name
        assert parquet_bytes(joined) == parquet_bytes(whole), name
    # calls in progress at midnight come with a later day, once
    ids = pa.concat_tables(parts["calls"])["call_id"]
    assert pc.count_distinct(ids).as_py() == len(ids)


def test_run_is_the_same_cut_into_days_or_not() -> None:
    """The engines carry their state (queue, agents, pending events, random streams) from one
    day to the next: legs, answers and activity do not depend on where the run is cut."""
    from callcenter.simulate import simulate
    from callcenter.simulate.engine import Legs

    cfg = small_centre(redial={"prob": 0.5}, repeat={"prob": 0.5, "delay": {"kind": "exponential", "mean": 7200}})
    sim = simulate(cfg, 3, 5)
    assert len(sim.windows) == 3
    legs = sim.legs
    n = np.arange(len(legs))
    assert (np.concatenate([np.arange(w.offset, w.offset + len(w.legs)) for w in sim.windows]) == n).all()
    # every answered leg is handed to exactly one window's answers, in the window it was answered
    got = np.concatenate([w.answers.leg for w in sim.windows])
    assert sorted(got) == list(np.flatnonzero(~np.isnan(legs.answered)))
    for w, nxt in zip(sim.windows[:-1], sim.windows[1:], strict=True):
        assert (w.answers.seized < w.end).all() and (nxt.answers.seized >= w.end).all()
    assert isinstance(legs, Legs) and (legs.src != 9).sum() > 0.99 * len(legs)


def test_day_factors_from_chinese_calendar_and_fallback() -> None:
    from datetime import date

    from callcenter.simulate.arrivals import day_factor

    cfg = SimConfig(arrivals=ArrivalConfig(holidays="CN", holiday_factor=0.5,
                                           weekday_factors=[1, 1, 1, 1, 1, 0.8, 0.7],
                                           month_end_factor=1.8, month_end_days=2))
    assert day_factor(cfg, date(2026, 9, 25)) == 0.5  # Mid-Autumn (Friday), chinesecalendar
    assert day_factor(cfg, date(2026, 9, 20)) == 1.0  # make-up working Sunday
    assert day_factor(cfg, date(2026, 9, 13)) == 0.7  # ordinary Sunday
    assert day_factor(cfg, date(2026, 9, 30)) == 1.8  # bill day
    assert day_factor(cfg, date(2027, 10, 1)) == 0.5  # beyond chinesecalendar: holidays.China


def test_simulated_tables_feed_every_indicator(small: dict[str, pa.Table]) -> None:
    """Integration with callcenter.metrics: the simulated centre reports like a real one."""
    from datetime import datetime

    ibis = pytest.importorskip("ibis")
    engine = pytest.importorskip("callcenter.metrics.engine")
    con = ibis.duckdb.connect()
    tables = {k: con.create_table(k, v) for k, v in small.items()}
    r = engine.compute(tables, grain="month", start=datetime(2026, 1, 1), end=datetime(2026, 1, 4))
    assert r.unavailable == {}


def test_simulate_imports_no_database_web_or_cli() -> None:
    """Dependency direction (ARCHITECTURE.md): numerical packages stay free of the warehouse,
    DuckDB, Ibis, FastAPI and the CLI; running a simulation reads no file."""
    import subprocess
    import sys

    code = (
        "import sys; from callcenter.simulate import run, SimConfig; run(SimConfig(), 1, 1);"
        "bad = [m for m in ('duckdb', 'ibis', 'fastapi', 'typer', 'callcenter.warehouse',"
        " 'callcenter.cli') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_overflow_moves_waiting_callers_to_another_queue() -> None:
    """A caller still waiting in queue a after 20 s leaves it (outcome overflowed) and waits on
    as leg+1 of the same contact in queue b, from the same instant, with the rest of their
    patience."""
    cfg = small_centre()
    cfg.queues[0].overflow_to = "b"
    cfg.queues[0].overflow_after = 20.0
    cfg.queues[0].patience = Dist.constant(50.0)
    cfg.queues[0].transfer_prob = 0.0
    cfg.queues[1].max_queue = None
    cfg.queues[1].patience = Dist.constant(1e6)  # the rest (30 s) applies, not this
    cfg = SimConfig.model_validate(cfg.model_dump())
    assert not cfg.is_single_fcfs
    c = run(cfg, days=2, seed=3, tables=("calls",))["calls"].to_pandas()
    ov = c[c["outcome"] == "overflowed"]
    assert len(ov) > 20 and (ov["queue"] == "a").all() and ov["agent"].isna().all()
    assert np.allclose(ov["wait_seconds"], 20.0)
    nxt = c.set_index(["contact_id", "leg"])
    follow = nxt.loc[list(zip(ov["contact_id"], ov["leg"] + 1, strict=True))]
    assert (follow["queue"] == "b").all()
    assert (follow["queue_entry_at"].to_numpy() == ov["queue_exit_at"].to_numpy()).all()
    # the rest of the patience: nobody waits more than 50 s in all
    assert (follow["wait_seconds"].dropna() <= 30.0 + 1e-6).all()
    assert set(follow.loc[follow["outcome"] == "abandoned", "wait_seconds"].round(6)) <= {30.0}
    # callers answered in a were seized within 20 s (their wait adds the ringing)
    a = c[(c["queue"] == "a") & (c["outcome"] == "answered")]
    assert ((a["wait_seconds"] - a["ring_seconds"].fillna(0)) <= 20.0 + 1e-6).all()


def test_overflow_configuration_is_checked() -> None:
    with pytest.raises(ValueError, match="overflows to unknown queue"):
        small_centre(queues=[{"name": "a", "overflow_to": "zz"}])
    with pytest.raises(ValueError, match="cannot overflow to itself"):
        small_centre(queues=[{"name": "a", "overflow_to": "a"}])


@pytest.mark.parametrize("engine", ["fcfs", "events"])
def test_chunk_size_does_not_change_the_tables(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    """Long windows are built (and, on the fast path, simulated) in chunks of rows; the
    chunk size changes how a table is cut into chunks, never its content."""
    from callcenter.simulate import arrivals, kernel, tables

    if engine == "fcfs":
        cfg = SimConfig(
            name="chunks",
            arrivals=ArrivalConfig(calls_per_day=20_000),
            tiers=[TierConfig(name="normal", share=0.8), TierConfig(name="vip", share=0.2)],
            queues=[QueueConfig(name="q", talk=Dist.exponential(180), patience=Dist.exponential(60),
                                acw=Dist.exponential(10), ring=Dist.constant(3.0), hold_prob=0.2)],
            agents=[AgentGroupConfig(team="t", skills={"q": 1}, count=40)],
            survey={"prob": 0.2},
            qa={"sample_rate": 0.1},
        )
    else:
        cfg = small_centre()
    whole = run(cfg, days=2, seed=5, engine=engine)  # type: ignore[arg-type]
    monkeypatch.setattr(tables, "CHUNK", 1000)
    monkeypatch.setattr(kernel, "CHUNK", 777)
    monkeypatch.setattr(arrivals, "CHUNK", 500)
    cut = run(cfg, days=2, seed=5, engine=engine)  # type: ignore[arg-type]
    assert cut["calls"].column("call_id").num_chunks > whole["calls"].column("call_id").num_chunks
    for name in whole:
        assert cut[name].equals(whole[name]), name


@pytest.mark.parametrize("overlap", [False, True])
def test_arrival_instants_drawn_in_blocks_equal_one_draw(
    monkeypatch: pytest.MonkeyPatch, overlap: bool
) -> None:
    """Arrival instants are drawn and sorted in blocks of intervals: the same sorted values
    as drawing all at once, also when a clock change makes intervals overlap."""
    from callcenter.simulate import arrivals

    monkeypatch.setattr(arrivals, "CHUNK", 50)
    lo = np.arange(0.0, 96 * 900.0, 900.0)
    hi = lo + 900.0
    if overlap:  # a skipped local hour: four intervals land on the next hour's instants
        lo[8:12] += 3600.0
        hi[8:12] += 3600.0
        hi[7] += 3600.0
    counts = np.random.default_rng(1).poisson(40, len(lo))
    counts[3] = 0
    counts[20] = 400  # one interval larger than a block
    total = int(counts.sum())
    want = np.repeat(lo, counts) + np.repeat(hi - lo, counts) * np.random.default_rng(7).random(total)
    want.sort(kind="stable")
    got = arrivals._uniform_times(np.random.default_rng(7), lo, hi, counts, total)
    assert np.array_equal(got, want)
    assert np.all(np.diff(got) >= 0)
