"""The slow_input property (DESIGN §4): no input's encode or decode time grows
superlinearly with its length. The guard (tokfuzz.engines.guard) catches calls that hang
past its limit; this catches quadratic cases while they are fast (tokie: 0.03 s on 4 KB
of one letter, 0.5 s on 16 KB, 22 s on 100 KB).

**Scaling test** (``scaling``): the input is the unit; the text of ``n`` code points is the
unit repeated and cut to ``n``. From ~``BASE_BYTES`` (1 KiB), 4× longer texts are timed
until the longest takes ``FLOOR_S`` (10 ms) with two sizes at >= ``OVERHEAD_FACTOR`` (8) ×
a call's fixed cost (the first code point alone: a port's pipe round trip says nothing
about scaling), unless the next passes ``MAX_BYTES`` (256 KiB; kitoken aborts the process
on 0.7-1 MB of spaces) or is predicted (exponent so far, >= 2) past ``CALL_CAP_S`` (0.5 s);
1/4 and 1/16 of the start fill in up to three sizes. Each size is timed on up to ``REPS``
texts of ``n + d`` code points (``d <= n/8``) never timed on this backend (gigatoken and
gpt-tokenizer cache whole pieces), while under ``REPEAT_S`` in all. Caps and stops go by
the wall clock (the guard's); the fit uses the CPU clock when the library works in this
process (median CPU/wall of the calls over 1 ms >= ``IN_PROCESS``, 0.25: blind to the
machine's other load up to 4× oversubscription), else the wall clock (``cmd:``/``js:`` ports,
whose ladder runs on to ``PORT_FLOOR_S``, 50 ms: a JIT's noise and caches blur small sizes).
The exponent is the least-squares slope of log best-seconds over log bytes of the three
largest sizes clear of the fixed cost; every positive (one GC pause or preemption at the
largest size alone fits an exponent near 2), and every test on the wall clock, is re-timed on
fresh texts before it counts (noise only adds time; on the wall clock
every size, positive or not: a port's cold JIT slows the first, smallest size and flattens
the slope). For a library
in-process with three sizes clear of the fixed cost, a length probe then encodes the
largest ladder size (at most 16× the longest timed) once if predicted (exponent >= 1.5)
under ``PROBE_CAP_S`` (1 s): only its exception counts (ports are not probed: their small
sizes do not predict their large ones). A check costs 0.05-0.3 s (native) to ~1 s
(ports); the ladder stops at ``CHECK_BUDGET_S`` (1.5 s), one probe may follow.

Verdicts (backends ``(name,)``): ``superlinear-encode`` / ``superlinear-decode``, exponent
> ``EXPONENT_LIMIT`` (1.5) over two or three sizes, the largest >= FLOOR_S (``observed``:
``call``, ``clock``, ``unit_bytes``, ``sizes`` in bytes, ``seconds``, ``exponent``);
``scaled-encode-raises:{Type}`` / ``scaled-decode-raises:{Type}``, a longer text raised
(``observed``: ``bytes``, the size, and ``error``; a port dying there is reported so, never
as ``timeout``: the witness is the unit). An input raising alone is roundtrip's finding.

**Screen** (``screen=True``, the campaign): inputs of >= ``SCREEN_MIN_BYTES`` (512 B) are
judged on the observation's encode seconds, and every ``DECODE_EVERY``-th on one timed
decode, per byte against the backend's own median (log-binned histograms in
``backend_memo``): a candidate took >= ``SCREEN_MIN_S`` (0.5 ms) at ``SCREEN_FACTOR`` (8×)
the median, or, before ``SCREEN_WARMUP`` inputs, >= ``COLD_PER_BYTE_S`` (20 µs/B, 10× the
slowest median seen). Only candidates pay the scaling test. A slow run inside other text
(``"x " + "a" * 3000``) is screened but scales linearly (repeating it does not lengthen
the run): no finding here. Minimization (screen off) shrinks the unit: tokie's
``"a" * 3000`` becomes ``"a"`` in 13-14 checks, 1-5 s.
"""

from __future__ import annotations

import gc
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from tokfuzz.backends.base import Backend, backend_memo, reraise_control, text_bytes
from tokfuzz.oracles.observation import NOT_APPLICABLE, Observation, Raised, Verdict, describe_text

__all__ = ["EXPONENT_LIMIT", "Scaling", "Screen", "exponent", "scaling", "slow_input"]

EXPONENT_LIMIT = 1.5
BASE_BYTES, MAX_BYTES = 1024, 1 << 18
FLOOR_S, PORT_FLOOR_S, CALL_CAP_S, PROBE_CAP_S, CHECK_BUDGET_S = 0.01, 0.05, 0.5, 1.0, 1.5
REPS, REPEAT_S, OVERHEAD_FACTOR, IN_PROCESS = 3, 0.05, 8.0, 0.25
USED_LIMIT = 100_000  # (unit hash, length) pairs timed per backend, kept to avoid caches
SCREEN_MIN_BYTES, SCREEN_MIN_S, SCREEN_FACTOR, SCREEN_WARMUP = 512, 0.0005, 8.0, 8
DECODE_EVERY, COLD_PER_BYTE_S = 4, 20e-6


def exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float:
    """Least-squares slope of ``log(seconds)`` over ``log(sizes)`` (times clamped to >= 1 ns);
    ValueError under two distinct sizes."""
    xs, ys = [math.log(s) for s in sizes], [math.log(max(t, 1e-9)) for t in seconds]
    if len(set(xs)) < 2:
        raise ValueError("exponent needs two distinct sizes")
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


@dataclass
class Scaling:
    """One scaling test, ascending by size: ``sizes`` in UTF-8 bytes, the best ``encode_s`` /
    ``decode_s`` in seconds of ``clock`` ("cpu" or "wall"), ``overhead_s`` the (encode,
    decode) seconds of the unit's first code point; ``raised`` is (call, bytes, error)."""

    unit_bytes: int
    clock: str = "wall"
    overhead_s: tuple[float, float] = (0.0, 0.0)
    sizes: list[int] = field(default_factory=list)
    encode_s: list[float] = field(default_factory=list)
    decode_s: list[float] = field(default_factory=list)
    raised: tuple[str, int, Raised] | None = None

    def fit(self, call: str) -> tuple[list[int], list[float], float] | None:
        """(sizes, seconds, exponent) of ``call`` ("encode"/"decode") over the three largest
        sizes timed at >= OVERHEAD_FACTOR × its fixed cost; None under two such sizes."""
        times, t0 = (self.encode_s, self.overhead_s[0]) if call == "encode" else (self.decode_s, self.overhead_s[1])
        usable = [(n, t) for n, t in zip(self.sizes, times) if t >= OVERHEAD_FACTOR * t0][-3:]
        if len(usable) < 2:
            return None
        sizes, secs = [n for n, _ in usable], [t for _, t in usable]
        return sizes, secs, exponent(sizes, secs)

    def superlinear(self, call: str) -> bool:
        """The exponent of ``call`` is above EXPONENT_LIMIT, its largest time >= FLOOR_S."""
        fit = self.fit(call)
        return fit is not None and fit[2] > EXPONENT_LIMIT and max(fit[1]) >= FLOOR_S


class _Ladder:
    """One scaling test in progress (see the module docstring)."""

    def __init__(self, backend: Backend, unit: str) -> None:
        self.backend, self.unit, self.key = backend, unit, hash(unit)
        self.out = Scaling(len(text_bytes(unit)))
        self.per_cp = self.out.unit_bytes / len(unit)  # UTF-8 bytes per code point
        self.points: dict[int, list[float]] = {}  # length (cp) -> best [enc wall, dec wall, enc CPU, dec CPU]
        self.nbytes: dict[int, int] = {}
        self.used: set[tuple[int, int]] = backend_memo(backend, "slow_input").setdefault("timed", set())
        if len(self.used) > USED_LIMIT:
            self.used.clear()
        self.used.add((self.key, len(unit)))  # the observation encoded the unit itself
        self.ratios: list[float] = []  # CPU / wall seconds of each call over 1 ms
        self.overhead = [0.0] * 4
        self.started = time.perf_counter()

    def text(self, n: int) -> str:
        return (self.unit * (n // len(self.unit) + 1))[:n]

    def timed(self, text: str) -> tuple[float, float, float, float] | tuple[str, Raised]:
        """(encode wall, decode wall, encode CPU, decode CPU) seconds of ``text``; (call,
        error) when a call raised."""
        call, marks = "encode", [(time.perf_counter(), time.process_time())]
        try:
            ids = list(self.backend.encode(text))
            marks.append((time.perf_counter(), time.process_time()))
            call = "decode"
            self.backend.decode(ids)
            marks.append((time.perf_counter(), time.process_time()))
        except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
            reraise_control(exc)
            return call, Raised.of(exc)
        (w0, c0), (w1, c1), (w2, c2) = marks
        if w2 - w0 >= 1e-3:
            self.ratios.append((c2 - c0) / (w2 - w0))
        return w1 - w0, w2 - w1, c1 - c0, c2 - c1

    def raised(self, got: tuple[str, Raised], text: str) -> None:
        if got[1].finding_kind != NOT_APPLICABLE:
            self.out.raised = (got[0], len(text_bytes(text)), got[1])

    def measure(self, n: int, fresh_only: bool = False) -> bool:
        """Time length ``n`` on up to REPS texts of ``n + d`` code points (``d <= n/8``) not
        yet timed (an old one when none is left, unless ``fresh_only``); False if one raised."""
        fresh = list(itertools.islice((m for m in range(n, n + n // 8 + 1) if (self.key, m) not in self.used), REPS))
        spent = 0.0
        for m in fresh or ([] if fresh_only else [n]):
            if spent >= REPEAT_S:
                break
            self.used.add((self.key, m))
            got = self.timed(self.text(m))
            if isinstance(got[1], Raised):
                self.raised(got, self.text(m))  # type: ignore[arg-type]
                return False
            if n not in self.points:
                self.points[n], self.nbytes[n] = [math.inf] * 4, len(text_bytes(self.text(n)))
            self.points[n] = [min(best, float(t) * n / m) for best, t in zip(self.points[n], got)]
            spent += float(got[0]) + float(got[1])
        return True

    def wall(self, n: int) -> float:
        """Best wall seconds of encode and decode at length ``n`` (what the guard's limit counts)."""
        return self.points[n][0] + self.points[n][1]

    def clear(self) -> list[int]:
        """Lengths timed (ascending) whose wall time is clear of the fixed cost of a call."""
        return [m for m in sorted(self.points) if self.wall(m) >= OVERHEAD_FACTOR * sum(self.overhead[:2])]

    def predict(self, n: int, least: float) -> float:
        """Wall seconds predicted for length ``n`` from the longest timed, at the exponent of
        the (three longest) lengths clear of the fixed cost, at least ``least``."""
        clear, top = self.clear()[-3:], max(self.points)
        slope = exponent(clear, [self.wall(m) for m in clear]) if len(clear) >= 2 else least
        return self.wall(top) * (n / top) ** max(least, slope)

    def in_process(self) -> bool:
        """The median CPU/wall ratio of the calls over 1 ms is at least IN_PROCESS."""
        ratios = sorted(self.ratios)
        return bool(ratios) and ratios[len(ratios) // 2] >= IN_PROCESS

    def done(self) -> bool:
        floor = FLOOR_S if self.in_process() else PORT_FLOOR_S
        return self.wall(max(self.points)) >= floor and len(self.clear()) >= 2

    def over(self) -> bool:
        return self.out.raised is not None or time.perf_counter() - self.started > CHECK_BUDGET_S

    def climb(self, n: int) -> int:
        """Time length ``n``, then 4× longer, until ``done()`` or a cap; the last length timed, or 0."""
        last = 0
        while n * self.per_cp <= MAX_BYTES and not self.over():
            if self.points and self.predict(n, 2.0) > CALL_CAP_S or not self.measure(n):
                break
            last = n
            if self.done():
                break
            n *= 4
        return last

    def run(self, known_s: float | None) -> Scaling:
        tiny = [got for got in (self.timed(self.unit[:1]) for _ in range(REPS + 2)) if not isinstance(got[1], Raised)]
        self.overhead = [min(float(g[i]) for g in tiny) for i in range(4)] if tiny else [0.0] * 4
        start, size = max(1, math.ceil(BASE_BYTES / self.per_cp)), len(self.unit)
        if known_s is not None:  # the unit's own time, less a call's fixed cost; a one-code-point
            # unit is all fixed cost (and the observation's was maybe a port's cold first call)
            known_s = None if size == 1 else max(known_s - self.overhead[0], 0.0)
        while known_s is not None and start > 1 and known_s * (start / size) ** (2 if start > size else 1) > CALL_CAP_S:
            start //= 4  # the input alone is slow: start where a quadratic stays under the cap
        top = self.climb(start)
        low = start // 4
        while top and len(self.points) < 3 and low >= 1 and not self.over() and self.measure(low):
            low //= 4
        if top and not self.over() and not self.done() and len(self.clear()) < 2:
            self.climb(top * 4)  # the shorter lengths are all fixed cost: go longer
        self._collect()
        if self.out.clock == "cpu" and len(self.clear()) >= 3 and not self.over():
            probe = start
            while probe * 4 * self.per_cp <= MAX_BYTES:
                probe *= 4
            top = max(self.points)
            if top < probe <= 16 * top and self.predict(probe, 1.5) <= PROBE_CAP_S:
                got = self.timed(self.text(probe))  # the length probe: only its exception counts
                if isinstance(got[1], Raised):
                    self.raised(got, self.text(probe))  # type: ignore[arg-type]
        fits = [self.out.fit(call) for call in ("encode", "decode") if self.out.superlinear(call)]
        port = self.out.clock != "cpu"
        if port or any(fits):  # every positive: one GC pause at the largest size fits ~2 alone
            # Re-time on fresh texts (noise only adds time): a port's every size, since a
            # cold JIT slows its first, smallest size and hides a quadratic; else the two largest.
            for n in sorted(self.points) if port else sorted(self.points)[-2:]:
                self.measure(n, fresh_only=True)
            self._collect()
        return self.out

    def _collect(self) -> None:
        """Fill ``out`` on one clock: the CPU clock when the library worked in this process
        (median CPU/wall of the calls over 1 ms at least IN_PROCESS), else the wall clock."""
        at, self.out.clock = (2, "cpu") if self.in_process() else (0, "wall")
        ordered = sorted(self.points)
        self.out.overhead_s = (self.overhead[at], self.overhead[at + 1])
        self.out.sizes, self.out.encode_s, self.out.decode_s = (
            [self.nbytes[n] for n in ordered], [self.points[n][at] for n in ordered], [self.points[n][at + 1] for n in ordered])


def scaling(backend: Backend, unit: str, known_s: float | None = None) -> Scaling:
    """Time ``backend``'s encode and decode of ``unit`` repeated (or cut) up the ladder of the
    module docstring, with garbage collection off (as ``timeit`` does). ``known_s``, the
    seconds ``unit`` alone took, starts a slow input shorter. A library error never
    raises: it lands in ``Scaling.raised``."""
    if not unit:
        return Scaling(0)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Ladder(backend, unit).run(known_s)
    finally:
        if enabled:
            gc.enable()


class Screen:
    """One backend's screen: log-binned histograms of seconds per byte of encode and of
    decode (bins 2^(1/8) wide from 2^-40 s/B; 320 ints each, however long the campaign)."""

    _BINS = 320

    def __init__(self) -> None:
        self.counts = {"encode": [0] * self._BINS, "decode": [0] * self._BINS}
        self.judged = 0

    def median(self, call: str) -> float:
        """Median seconds per byte of ``call`` so far (its bin's geometric middle); 0.0 if none."""
        counts, seen, half = self.counts[call], 0, (sum(self.counts[call]) + 1) // 2
        for i, n in enumerate(counts):
            seen += n
            if seen >= half > 0:
                return float(2.0 ** ((i + 0.5) / 8 - 40))
        return 0.0

    def judge(self, n_bytes: int, encode_s: float, decode_s: float | None = None) -> bool:
        """Record an input of ``n_bytes`` UTF-8 bytes with its encode (and decode) seconds;
        True for a candidate. Inputs under SCREEN_MIN_BYTES are neither judged nor recorded."""
        if n_bytes < SCREEN_MIN_BYTES:
            return False
        self.judged += 1
        slow = False
        for call, seconds in (("encode", encode_s), ("decode", decode_s)):
            if seconds is None:
                continue
            counts, rate = self.counts[call], seconds / n_bytes
            if seconds >= SCREEN_MIN_S:
                slow = slow or rate >= (SCREEN_FACTOR * self.median(call) if sum(counts) >= SCREEN_WARMUP else COLD_PER_BYTE_S)
            counts[min(self._BINS - 1, max(0, int(8 * (math.log2(max(rate, 1e-15)) + 40))))] += 1
        return slow


def _screened(obs: Observation, name: str) -> bool:
    """Whether ``obs`` is a candidate for backend ``name`` (see the module docstring)."""
    backend, ids = obs.backends[name], obs.ids(name)
    state: Screen = backend_memo(backend, "slow_input").setdefault("screen", Screen())
    n_bytes = len(text_bytes(obs.text)) if 4 * len(obs.text) >= SCREEN_MIN_BYTES else len(obs.text)
    decode_s = None
    if n_bytes >= SCREEN_MIN_BYTES and isinstance(ids, list) and state.judged % DECODE_EVERY == 0:
        started = time.perf_counter()
        try:
            backend.decode(ids)
            decode_s = time.perf_counter() - started
        except BaseException as exc:  # noqa: BLE001 - roundtrip reports a decode that raises
            reraise_control(exc)
    return state.judge(n_bytes, obs.seconds[name], decode_s)


def slow_input(obs: Observation, name: str, screen: bool = False) -> list[Verdict]:
    """Failing verdicts of backend ``name`` with ``obs.text`` as the repeated unit (kinds in
    the module docstring). With ``screen`` (the campaign) the scaling test runs only on a
    candidate; without (minimization, replay) it always runs. Never raises for a library
    error."""
    if isinstance(obs.ids(name), Raised) or not obs.text:
        return []
    if screen and not _screened(obs, name):
        return []
    result, unit = scaling(obs.backends[name], obs.text, obs.seconds.get(name)), describe_text(obs.text)
    out: list[Verdict] = []
    for call in ("encode", "decode"):
        fit = result.fit(call)
        if fit is not None and result.superlinear(call):
            sizes, secs, exp = fit
            figures = ", ".join(f"{n:,} B: {t:.4f} s" for n, t in zip(sizes, secs))
            detail = (f"{name}.{call} time grows as n^{exp:.2f} (limit n^{EXPONENT_LIMIT}) when the input is "
                      f"repeated: {figures} ({result.clock} clock); unit {unit}")
            observed = {"call": call, "clock": result.clock, "unit_bytes": result.unit_bytes, "sizes": sizes,
                        "seconds": [round(t, 6) for t in secs], "exponent": round(exp, 3)}
            out.append(Verdict("slow_input", (name,), f"superlinear-{call}", detail, observed))
    if result.raised is not None:
        call, n_bytes, raised = result.raised
        handled = result.sizes[-1] if result.sizes else result.unit_bytes
        detail = (f"{name}.{call} raised {raised.type}: {raised.message} on the input repeated to {n_bytes:,} B "
                  f"(it handles {handled:,} B); unit {unit}")
        observed = {"call": call, "unit_bytes": result.unit_bytes, "bytes": n_bytes, "sizes": result.sizes,
                    "error": raised.to_json()["error"]}
        out.append(Verdict("slow_input", (name,), f"scaled-{call}-raises:{raised.type}", detail, observed))
    return out
