"""A quick summary of a simulated run (a sanity check printed by the CLI and used in tests).

These are *not* the product's indicator definitions (those live in ``callcenter.metrics``);
the formulas are stated beside each number:

* contacts = first legs; legs = all legs; agent_offered = legs that entered an ACD queue;
* SL = answered within T ÷ legs that entered a queue; ASA = mean wait of answered legs;
* abandon = abandoned in queue ÷ legs that entered a queue;
* containment = self-served in IVR ÷ contacts that entered the IVR;
* occupancy = (talking + hold + acw) ÷ (those + ready);
* calls per agent-hour = answered legs ÷ logged-in hours.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


class RunningSummary:
    """The numbers of :func:`summarize`, accumulated batch by batch (for streamed runs)."""

    def __init__(self, sl_threshold_s: float = 20.0) -> None:
        self.t = sl_threshold_s
        self.n: dict[str, float] = dict.fromkeys(
            ("legs", "contacts", "queued", "answered", "blocked", "within", "wait", "abandoned",
             "ivr", "contained", "handle", "busy", "ready", "logged"), 0.0)
        self.states = False

    def add(self, name: str, t: pa.Table) -> None:
        n = self.n
        if name == "calls":
            out = t["outcome"]
            queued = pc.invert(pc.is_null(t["queue_entry_at"]))
            reached = pc.or_(pc.equal(out, "answered"), pc.equal(out, "transferred"))
            wait = t["wait_seconds"]
            n["legs"] += t.num_rows
            n["contacts"] += _sum(pc.equal(t["leg"], 1))
            n["queued"] += _sum(queued)
            n["answered"] += _sum(reached)
            n["blocked"] += _sum(pc.equal(out, "blocked"))
            n["within"] += _sum(pc.and_(reached, pc.less_equal(pc.fill_null(wait, 1e18), self.t)))
            n["wait"] += _sum(pc.filter(wait, reached))
            n["abandoned"] += _sum(pc.equal(out, "abandoned"))
            n["ivr"] += _sum(pc.invert(pc.is_null(t["ivr_entry_at"])))
            n["contained"] += _sum(pc.equal(out, "ivr_self_served"))
            n["handle"] += _sum(pc.add(pc.filter(t["talk_seconds"], reached),
                                       pc.fill_null(pc.filter(t["acw_seconds"], reached), 0.0)))
        elif name == "agent_states":
            self.states = True
            secs = t["seconds"]

            def total(states: list[str]) -> float:
                return _sum(pc.filter(secs, pc.is_in(t["state"], pa.array(states))))

            n["busy"] += total(["talking", "hold", "acw"])
            n["ready"] += total(["ready"])
            n["logged"] += total(["logged_in"])

    def result(self) -> dict[str, float]:
        n = self.n
        res: dict[str, float] = {
            "legs": n["legs"],
            "contacts": n["contacts"],
            "entered_queue": n["queued"],
            "answered": n["answered"],
            "blocked_share": _div(n["blocked"], n["legs"]),
            "service_level": _div(n["within"], n["queued"]),
            "asa_s": _div(n["wait"], n["answered"]) if n["answered"] else 0.0,
            "abandon_rate": _div(n["abandoned"], n["queued"]),
            "ivr_containment": _div(n["contained"], n["ivr"]),
            "aht_s": _div(n["handle"], n["answered"]) if n["answered"] else 0.0,
        }
        if self.states:
            res["occupancy"] = _div(n["busy"], n["busy"] + n["ready"])
            res["calls_per_agent_hour"] = _div(n["answered"], n["logged"] / 3600.0)
        return res


def _sum(x: pa.Array | pa.ChunkedArray) -> float:
    return float(pc.sum(x).as_py() or 0.0)


def summarize(tables: dict[str, pa.Table], sl_threshold_s: float = 20.0) -> dict[str, float]:
    """Headline numbers of a simulated run (formulas in the module docstring)."""
    s = RunningSummary(sl_threshold_s)
    for name in ("calls", "agent_states"):
        if name in tables:
            s.add(name, tables[name])
    return s.result()


def _div(a: float | None, b: float | None) -> float:
    return float(a or 0) / float(b) if b else float("nan")
