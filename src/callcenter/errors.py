"""The one exception tree of callcenter.

Every error says *what* was wrong, *where* (file:line, field) and *what to do*.
The CLI turns any :class:`CallCenterError` into a one-line message and a non-zero
exit; the web layer turns it into one JSON error shape.

    CallCenterError
    ├── ConfigError          a settings / mapping / config file is invalid
    ├── InputError           an input file cannot be read at all (not a bad row: bad rows are quarantined)
    │   └── FormatError      the file is not in the format it was read as
    ├── WarehouseError       the embedded store cannot be opened or written
    ├── DataNotAvailable     an indicator or report needs a table/column that is not loaded
    ├── ModelError           a numerical model got ill-posed input (e.g. negative traffic)
    └── InfeasibleError      a solver found no solution; ``explanation`` says why
"""

from __future__ import annotations


class CallCenterError(Exception):
    """Base of every error the library raises on purpose."""

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.what = what
        self.where = where
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.what)
        if self.hint:
            parts.append(f" — {self.hint}")
        return "".join(parts)

    def to_dict(self) -> dict[str, str | None]:
        """The JSON error shape used by the web layer."""
        return {
            "error": type(self).__name__,
            "what": self.what,
            "where": self.where,
            "hint": self.hint,
        }


class ConfigError(CallCenterError):
    """A settings, mapping or configuration file is invalid."""


class InputError(CallCenterError):
    """An input file cannot be read at all (missing, unreadable, empty, wrong encoding)."""


class FormatError(InputError):
    """The file does not look like the format it was read as."""


class WarehouseError(CallCenterError):
    """The embedded warehouse cannot be opened, read or written."""


class DataNotAvailable(CallCenterError):
    """A computation needs a table or column that is not loaded.

    ``needs`` lists the missing ``table.column`` names.
    """

    def __init__(self, what: str, *, needs: list[str], hint: str | None = None) -> None:
        self.needs = needs
        super().__init__(
            what,
            hint=hint or ("load data with " + ", ".join(needs)),
        )


class ModelError(CallCenterError):
    """A numerical model was given ill-posed input."""


class InfeasibleError(CallCenterError):
    """A solver proved that no solution satisfies the constraints.

    ``explanation`` lists human-readable reasons (which rule, which days, which agents).
    """

    def __init__(
        self, what: str, *, explanation: list[str] | None = None, hint: str | None = None
    ) -> None:
        self.explanation = explanation or []
        super().__init__(what, hint=hint)
