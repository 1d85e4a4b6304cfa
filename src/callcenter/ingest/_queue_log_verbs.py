"""Asterisk queue_log verbs: what each one means and where its numbers are.

Field layouts, as written by ``app_queue`` (Asterisk 1.4 → 20) and Wazo/XiVO. ``dN`` is
the N-th data field after the verb. Durations are whole seconds, except ring times of
RINGNOANSWER / RINGCANCELED, which are **milliseconds**.

=================  =====================================================================
verb               data fields
=================  =====================================================================
ENTERQUEUE         url | callerid [| position]
CONNECT            holdtime | bridged-uniqueid [| ringtime (s, 1.6+)]
COMPLETECALLER     holdtime | calltime | origposition
COMPLETEAGENT      holdtime | calltime | origposition
ABANDON            position | origposition | waittime
EXITWITHTIMEOUT    position [| origposition | waittime]      (older: position only)
EXITEMPTY          position | origposition | waittime
EXITWITHKEY        key | position [| origposition | waittime] (older: key | position)
TRANSFER           extension | context | holdtime | calltime | origposition (≤ 11)
BLINDTRANSFER      extension | context | holdtime | calltime | origposition (12+)
ATTENDEDTRANSFER   BRIDGE | bridge-id | holdtime | calltime | origposition
                   APP | application | holdtime | calltime | origposition
                   LINK | channel1 | channel2 | holdtime | calltime | origposition
RINGNOANSWER       ringtime (ms)
RINGCANCELED       ringtime (ms)
AGENTLOGOFF        channel | logintime (s)
AGENTCALLBACKLOGOFF  exten@context | logintime (s) | reason
PAUSE / PAUSEALL   reason (optional)
WRAPUPSTART        wrap-up length (s)                          (Wazo/XiVO)
=================  =====================================================================
"""

from __future__ import annotations

from typing import Final

from callcenter.schema import Outcome

ENTER: Final = "ENTERQUEUE"
CONNECT: Final = "CONNECT"

#: verbs that are a whole leg by themselves: the call never got into the queue
BLOCKED_VERBS: Final = frozenset(
    {"FULL", "JOINEMPTY", "JOINUNAVAIL", "CLOSED", "DIVERT_CA_RATIO", "DIVERT_HOLDTIME"}
)
#: a member's phone rang and was not answered (ringtime in milliseconds)
RING_VERBS: Final = frozenset({"RINGNOANSWER", "RINGCANCELED"})
COMPLETE_VERBS: Final = frozenset({"COMPLETECALLER", "COMPLETEAGENT"})
TRANSFER_VERBS: Final = frozenset({"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"})
#: queue-loss verbs -> outcome
LOSS_OUTCOME: Final[dict[str, Outcome]] = {
    "ABANDON": Outcome.ABANDONED,
    "EXITWITHTIMEOUT": Outcome.TIMEOUT,
    "EXITEMPTY": Outcome.EXIT_EMPTY,
    "LEAVEEMPTY": Outcome.EXIT_EMPTY,  # XiVO/Wazo name for EXITEMPTY
    "LEAVEUNAVAIL": Outcome.EXIT_EMPTY,
    "EXITWITHKEY": Outcome.EXIT_KEY,
}
#: verbs that end a leg
TERMINAL_VERBS: Final = COMPLETE_VERBS | TRANSFER_VERBS | frozenset(LOSS_OUTCOME) | BLOCKED_VERBS
#: verbs that belong to a call (need a callid and a queue)
CALL_VERBS: Final = frozenset({ENTER, CONNECT}) | RING_VERBS | TERMINAL_VERBS

SESSION_START_VERBS: Final = frozenset({"ADDMEMBER", "AGENTLOGIN", "AGENTCALLBACKLOGIN"})
SESSION_END_VERBS: Final = frozenset({"REMOVEMEMBER", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF"})
PAUSE_VERBS: Final = frozenset({"PAUSE", "PAUSEALL"})
UNPAUSE_VERBS: Final = frozenset({"UNPAUSE", "UNPAUSEALL"})
#: Wazo/XiVO: the agent's wrap-up (after-call work) started, data1 = its length in seconds
WRAPUP_VERB: Final = "WRAPUPSTART"
#: verbs about an agent (need an agent)
AGENT_VERBS: Final = (
    SESSION_START_VERBS | SESSION_END_VERBS | PAUSE_VERBS | UNPAUSE_VERBS | {WRAPUP_VERB}
)

#: well-known verbs that carry nothing the canonical tables hold: accepted, counted in warts
IGNORED_VERBS: Final = frozenset(
    {
        "QUEUESTART",  # Asterisk (re)started the queue module
        "CONFIGRELOAD",  # queues.conf reloaded
        "AGENTDUMP",  # agent hung up during the announcement; caller stays queued
        "SYSCOMPAT",  # member's channel incompatible; caller stays queued
        "DID",  # the DID the caller dialled
        "INFO",  # free text from the dialplan
        "PENALTY",  # member penalty changed
        "REASON",  # reason attached to a pause by some dialplans
    }
)
KNOWN_VERBS: Final = CALL_VERBS | AGENT_VERBS | IGNORED_VERBS

# Where each duration lives, per verb: semantic -> 1-based data-field index.
# ATTENDEDTRANSFER is handled apart: its LINK variant shifts everything by one field.
HOLD_FIELD: Final[dict[str, int]] = {
    CONNECT: 1,
    "COMPLETECALLER": 1,
    "COMPLETEAGENT": 1,
    "TRANSFER": 3,
    "BLINDTRANSFER": 3,
}
TALK_FIELD: Final[dict[str, int]] = {
    "COMPLETECALLER": 2,
    "COMPLETEAGENT": 2,
    "TRANSFER": 4,
    "BLINDTRANSFER": 4,
}
WAIT_FIELD: Final[dict[str, int]] = {
    "ABANDON": 3,
    "EXITWITHTIMEOUT": 3,
    "EXITEMPTY": 3,
    "LEAVEEMPTY": 3,
    "EXITWITHKEY": 4,
}
RING_S_FIELD: Final[dict[str, int]] = {CONNECT: 3}
RING_MS_FIELD: Final[dict[str, int]] = {"RINGNOANSWER": 1, "RINGCANCELED": 1}
LOGIN_S_FIELD: Final[dict[str, int]] = {"AGENTLOGOFF": 2, "AGENTCALLBACKLOGOFF": 2}
ACW_S_FIELD: Final[dict[str, int]] = {WRAPUP_VERB: 1}
