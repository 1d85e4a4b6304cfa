"""Random durations and named random streams for the simulation.

Every duration the model draws (IVR menu time, patience, talk, hold, after-call work,
redial delay, ...) is a :class:`Dist`: a small validated description (kind, mean in
seconds, coefficient of variation, or an empirical sample) that can be written in YAML.

Randomness is organised in **named streams** (:class:`Streams`): each purpose (``talk:billing``,
``patience:billing``, ``arrivals``, ...) has its own numpy ``Generator`` spawned from the run's
seed by a hash of its name. A stream is consumed in blocks (:class:`BlockSampler`), so

* the numbers a purpose receives do not depend on how many numbers other purposes drew
  (the fast FCFS path and the general event engine therefore see the same talk times and
  patiences and produce identical results on the same configuration), and
* per-call Python work is one list index, not one numpy call.
"""

from __future__ import annotations

import hashlib
import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

_BLOCK = 8192


class Dist(BaseModel):
    """A non-negative duration distribution, in seconds.

    kinds:
      * ``exponential``: mean ``mean`` (cv is 1 by definition)
      * ``lognormal``: mean ``mean`` and coefficient of variation ``cv``
      * ``gamma``: mean ``mean`` and coefficient of variation ``cv``
      * ``constant``: always ``mean``
      * ``uniform``: on [``low``, ``high``]
      * ``empirical``: resampled (with replacement) from ``values``
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["exponential", "lognormal", "gamma", "constant", "uniform", "empirical"] = (
        "exponential"
    )
    mean: float = Field(60.0, ge=0, description="mean, seconds")
    cv: float = Field(1.0, gt=0, description="coefficient of variation (lognormal, gamma)")
    low: float = Field(0.0, ge=0, description="uniform lower bound, seconds")
    high: float = Field(0.0, ge=0, description="uniform upper bound, seconds")
    values: list[float] | None = Field(None, description="empirical sample, seconds")

    @model_validator(mode="after")
    def _check(self) -> Dist:
        if self.kind == "empirical" and not self.values:
            raise ValueError("an empirical distribution needs a non-empty 'values' list")
        if self.kind == "uniform" and self.high < self.low:
            raise ValueError("uniform needs high >= low")
        if self.kind in ("exponential", "lognormal", "gamma") and self.mean <= 0:
            raise ValueError(f"{self.kind} needs mean > 0")
        return self

    @classmethod
    def exponential(cls, mean: float) -> Dist:
        return cls(kind="exponential", mean=mean)

    @classmethod
    def lognormal(cls, mean: float, cv: float) -> Dist:
        return cls(kind="lognormal", mean=mean, cv=cv)

    @classmethod
    def constant(cls, value: float) -> Dist:
        return cls(kind="constant", mean=value)

    @property
    def expected(self) -> float:
        """The distribution's mean, seconds."""
        if self.kind == "uniform":
            return 0.5 * (self.low + self.high)
        if self.kind == "empirical":
            return float(np.mean(self.values))  # type: ignore[arg-type]
        return self.mean

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws (float64 seconds)."""
        k = self.kind
        if k == "exponential":
            return rng.exponential(self.mean, n)
        if k == "lognormal":
            s2 = math.log1p(self.cv**2)
            return rng.lognormal(math.log(self.mean) - 0.5 * s2, math.sqrt(s2), n)
        if k == "gamma":
            shape = 1.0 / self.cv**2
            return rng.gamma(shape, self.mean / shape, n)
        if k == "constant":
            return np.full(n, float(self.mean))
        if k == "uniform":
            return rng.uniform(self.low, self.high, n)
        vals = np.asarray(self.values, dtype=np.float64)
        return vals[rng.integers(0, len(vals), n)]


def stream_seed(seed: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` for run seed ``seed`` (stable across versions)."""
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32, h & 0xFFFFFFFF, h >> 32])


class Streams:
    """Named, independent random streams derived from one seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}

    def rng(self, name: str) -> np.random.Generator:
        g = self._gens.get(name)
        if g is None:
            g = np.random.Generator(np.random.PCG64(stream_seed(self.seed, name)))
            self._gens[name] = g
        return g

    def sampler(self, name: str, dist: Dist | None) -> BlockSampler:
        return BlockSampler(self.rng(name), dist)

    def uniform(self, name: str) -> BlockSampler:
        return BlockSampler(self.rng(name), None)


class BlockSampler:
    """Draws from one stream in blocks; ``next()`` costs a list index.

    ``dist=None`` gives U(0, 1) numbers. ``take(n)`` returns the next ``n`` values that
    ``n`` calls of ``next()`` would have returned (same stream, same order).
    """

    __slots__ = ("_arr", "_buf", "_dist", "_i", "_rng")

    def __init__(self, rng: np.random.Generator, dist: Dist | None) -> None:
        self._rng = rng
        self._dist = dist
        self._arr: np.ndarray = np.zeros(0)  # the current block
        self._buf: list[float] | None = []  # the same as a list (made when next() needs it)
        self._i = 0

    def _block(self, n: int) -> np.ndarray:
        if self._dist is None:
            return self._rng.random(n)
        return self._dist.sample(self._rng, n)

    def next(self) -> float:
        i = self._i
        buf = self._buf
        if buf is None:
            buf = self._buf = self._arr.tolist()
        if i >= len(buf):
            self._arr = self._block(_BLOCK)
            buf = self._buf = self._arr.tolist()
            i = 0
        self._i = i + 1
        return buf[i]

    def take(self, n: int) -> np.ndarray:
        out = np.empty(n, dtype=np.float64)
        rest = len(self._arr) - self._i
        k = min(rest, n)
        if k:
            out[:k] = self._arr[self._i : self._i + k]
            self._i += k
        filled = k
        while filled < n:
            block = self._block(_BLOCK)
            m = min(_BLOCK, n - filled)
            out[filled : filled + m] = block[:m]
            filled += m
            self._arr = block
            self._buf = None
            self._i = m
        return out
