"""A quick summary of a simulated run (a sanity check printed by the CLI and used in tests).

These are *not* the product's indicator definitions (those live in ``callcenter.metrics``);
the formulas are stated beside each number:

* offered = legs of first-leg contacts; agent_offered = legs that entered an ACD queue;
* SL = answered within T ÷ legs that entered a queue; ASA = mean wait of answered legs;
* abandon = abandoned in queue ÷ legs that entered a queue;
* containment = self-served in IVR ÷ contacts that entered the IVR;
* occupancy = (talking + hold + acw) ÷ (those + ready);
* calls per agent-hour = answered legs ÷ logged-in hours.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def summarize(tables: dict[str, pa.Table], sl_threshold_s: float = 20.0) -> dict[str, float]:
    """Headline numbers of a simulated run (formulas in the module docstring)."""
    c = tables["calls"]
    out = c["outcome"]
    queued = pc.invert(pc.is_null(c["queue_entry_at"]))
    n_q = pc.sum(queued).as_py() or 0
    answered = pc.equal(out, "answered")
    reached = pc.or_(answered, pc.equal(out, "transferred"))
    n_ans = pc.sum(reached).as_py() or 0
    wait = c["wait_seconds"]
    within = pc.and_(reached, pc.less_equal(pc.fill_null(wait, 1e18), sl_threshold_s))
    in_ivr = pc.invert(pc.is_null(c["ivr_entry_at"]))
    n_ivr = pc.sum(in_ivr).as_py() or 0
    res: dict[str, float] = {
        "legs": float(c.num_rows),
        "contacts": float(pc.count_distinct(c["contact_id"]).as_py()),
        "entered_queue": float(n_q),
        "answered": float(n_ans),
        "blocked_share": _div(pc.sum(pc.equal(out, "blocked")).as_py(), c.num_rows),
        "service_level": _div(pc.sum(within).as_py(), n_q),
        "asa_s": float(pc.mean(pc.filter(wait, reached)).as_py() or 0.0),
        "abandon_rate": _div(pc.sum(pc.equal(out, "abandoned")).as_py(), n_q),
        "ivr_containment": _div(pc.sum(pc.equal(out, "ivr_self_served")).as_py(), n_ivr),
        "aht_s": float(
            pc.mean(pc.add(pc.filter(c["talk_seconds"], reached),
                           pc.fill_null(pc.filter(c["acw_seconds"], reached), 0.0))).as_py() or 0.0
        ),
    }
    if "agent_states" in tables:
        s = tables["agent_states"]
        secs = s["seconds"]

        def total(states: list[str]) -> float:
            m = pc.is_in(s["state"], pa.array(states))
            return float(pc.sum(pc.filter(secs, m)).as_py() or 0.0)

        busy = total(["talking", "hold", "acw"])
        ready = total(["ready"])
        logged = total(["logged_in"])
        res["occupancy"] = _div(busy, busy + ready)
        res["calls_per_agent_hour"] = _div(n_ans, logged / 3600.0)
    return res


def _div(a: float | None, b: float | None) -> float:
    return float(a or 0) / float(b) if b else float("nan")
