"""Series: the flat view of a sample that history is stored and served in.

A sample becomes {"cpu": 12.5, "core.0": 10.0, "mem.used": 2e9, "net.eth0.rx": 1200, ...};
a rollup keeps [average, maximum] per series over a bucket.
"""

from __future__ import annotations

import functools
import json
import math
import zlib
from array import array
from collections.abc import Callable, Sequence

from everyst.agent.v1 import agent_pb2

Series = dict[str, float]
AggSeries = dict[str, list[float]]


# What makes two samples' series the same names in the same order: the number of cores, and the
# disks' mounts, the disk_io devices and the interfaces, in the order the sample lists them.
Shape = tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...]]

_FIXED_NAMES = (
    "cpu",
    "cpu.user",
    "cpu.system",
    "cpu.iowait",
    "cpu.steal",
    "load1",
    "load5",
    "load15",
    "mem.used",
    "mem.available",
    "mem.cached",
    "mem.buffers",
    "mem.percent",
    "swap.used",
    "swap.percent",
)


def columns(s: agent_pb2.Sample) -> tuple[Shape, list[float]]:
    """`flatten` without the names: the sample's shape, and its values in the order of
    `shape_names(shape)`. A host's shape hardly ever changes, so the names are built once per
    shape (`shape_names` is cached) instead of once per sample."""
    cpu, mem, swap, load = s.cpu, s.memory, s.swap, s.load
    values = [
        cpu.percent,
        cpu.user,
        cpu.system,
        cpu.iowait,
        cpu.steal,
        load.load1,
        load.load5,
        load.load15,
        float(mem.used),
        float(mem.available),
        float(mem.cached),
        float(mem.buffers),
        mem.percent,
        float(swap.used),
        swap.percent,
    ]
    per_core = cpu.per_core
    values += per_core
    mounts = []
    for d in s.disks:
        mounts.append(d.mount)
        values += (float(d.used), d.percent)
    devices = []
    for io in s.disk_io:
        devices.append(io.device)
        values += (io.read_bps, io.write_bps, io.busy_pct)
    ifaces = []
    for n in s.net:
        ifaces.append(n.iface)
        values += (n.rx_bps, n.tx_bps)
    return (len(per_core), tuple(mounts), tuple(devices), tuple(ifaces)), values


@functools.lru_cache(maxsize=4096)
def shape_names(shape: Shape) -> tuple[str, ...]:
    """The series names of a shape's values, as `flatten` names them."""
    cores, mounts, devices, ifaces = shape
    names = list(_FIXED_NAMES)
    names += (f"core.{i}" for i in range(cores))
    for mount in mounts:
        names += (f"disk.{mount}.used", f"disk.{mount}.percent")
    for device in devices:
        names += (f"io.{device}.read", f"io.{device}.write", f"io.{device}.busy")
    for iface in ifaces:
        names += (f"net.{iface}.rx", f"net.{iface}.tx")
    return tuple(names)


def flatten(s: agent_pb2.Sample) -> Series:
    """The sample's series by name (a name listed twice keeps its last value)."""
    shape, values = columns(s)
    return dict(zip(shape_names(shape), values, strict=True))


class Accumulator:
    """Count-weighted running averages and maxima of series, from samples (weight 1) or from
    rolled buckets ((n, {series: [average, maximum]}), weight n): how every rollup and every
    history point is computed."""

    __slots__ = ("maxima", "n", "sums", "weights")

    def __init__(self) -> None:
        self.n = 0
        self.sums: dict[str, float] = {}
        self.weights: dict[str, int] = {}
        self.maxima: dict[str, float] = {}

    def add_sample(self, series: Series, wanted: Callable[[str], bool] | None = None) -> None:
        """Add one sample (`wanted`: keep only the series it accepts)."""
        self.n += 1
        sums, weights, maxima = self.sums, self.weights, self.maxima
        for key, value in series.items():
            if key in sums:
                sums[key] += value
                weights[key] += 1
                if value > maxima[key]:
                    maxima[key] = value
            elif wanted is None or wanted(key):
                sums[key], weights[key], maxima[key] = value, 1, value

    def add_rows(self, shape: Shape, rows: Sequence[Sequence[float]]) -> None:
        """Add samples of one shape, given as `columns` values: what `add_sample` of each one's
        `flatten` adds, with the sums and maxima taken a column at a time."""
        names = shape_names(shape)
        if len(set(names)) != len(names):  # a name twice (two disks on one mount): flatten's way
            for row in rows:
                self.add_sample(dict(zip(names, row, strict=True)))
            return
        n = len(rows)
        self.n += n
        sums, weights, maxima = self.sums, self.weights, self.maxima
        for key, column in zip(names, zip(*rows, strict=True), strict=True):
            total, peak = sum(column), max(column)
            if key in sums:
                sums[key] += total
                weights[key] += n
                if peak > maxima[key]:
                    maxima[key] = peak
            else:
                sums[key], weights[key], maxima[key] = total, n, peak

    def add(self, n: int, series: AggSeries) -> None:
        """Add one rolled bucket of n samples."""
        self.n += n
        sums, weights, maxima = self.sums, self.weights, self.maxima
        for key, (avg, peak) in series.items():
            if key in sums:
                sums[key] += avg * n
                weights[key] += n
                if peak > maxima[key]:
                    maxima[key] = peak
            else:
                sums[key], weights[key], maxima[key] = avg * n, n, peak

    def result(self) -> tuple[int, AggSeries]:
        return self.n, {k: [self.sums[k] / self.weights[k], self.maxima[k]] for k in self.sums}


# ---------------------------------------------------------------------------- storage encoding
#
# A rollup row's `data` is one format byte, then a raw deflate stream (with a preset dictionary of
# the usual series names) of:
#
#   count (2 bytes) | series names joined by NUL | flags (1 byte)
#   | exponent of each average (1 byte each)
#   | code of each maximum (1 byte each: 0 = equal to the average, else 1 + its exponent minus
#     the average's, 255 = the exponent follows in the escape bytes) | escape bytes
#   | sign bits (only if a value is negative) | mantissas, MANTISSA_BITS each, bit-packed
#
# Values are IEEE float32 with the mantissa rounded to MANTISSA_BITS (10: at most 0.05 % off,
# what four significant digits gave) and zero, an equal maximum or a zero exponent take no
# mantissa. This is about a third of the zlib-compressed JSON rows first written (format byte
# 0x78, still read).

FORMAT = 1
MANTISSA_BITS = 10
_SHIFT = 23 - MANTISSA_BITS
_HALF = 1 << (_SHIFT - 1)
_TOP = 1 << MANTISSA_BITS
_FLOAT32_MAX = 3.4e38
_FLAG_SIGNS = 1
_ZDICT = "\0".join(
    [
        *(
            f"disk.{m}.used\0disk.{m}.percent"
            for m in ("/home", "/data", "/srv", "/var", "/var/lib/docker", "/boot")
        ),
        *(
            f"io.{d}.read\0io.{d}.write\0io.{d}.busy"
            for d in ("sda", "sdb", "vda", "vdb", "nvme0n1", "nvme1n1")
        ),
        *(f"net.{i}.rx\0net.{i}.tx" for i in ("lo", "wg0", "tun0", "br0", "ens3", "ens4", "enp1s0", "eth1")),
        *_FIXED_NAMES,
        *(f"core.{i}" for i in range(16)),
        "disk./.used\0disk./.percent\0net.eth0.rx\0net.eth0.tx\0net.docker0.rx\0net.docker0.tx\0",
    ]
).encode()


def _clean(value: float) -> float:
    if math.isnan(value):  # stored as 0, as the JSON format did
        return 0.0
    return max(-_FLOAT32_MAX, min(_FLOAT32_MAX, value))


def encode(series: AggSeries) -> bytes:
    keys = list(series)
    flat = [v for pair in series.values() for v in pair]
    try:
        values = array("f", flat) if all(map(math.isfinite, flat)) else array("f", map(_clean, flat))
    except OverflowError:  # beyond float32
        values = array("f", map(_clean, flat))
    bits = array("I", values.tobytes())
    avg_exp = bytearray()
    max_code = bytearray()
    escapes = bytearray()
    signs = 0
    acc = 0
    width = 0
    shift, half, top, mbits = _SHIFT, _HALF, _TOP, MANTISSA_BITS
    for i in range(0, len(bits), 2):
        a, b = bits[i], bits[i + 1]
        signs = (signs << 2) | (a >> 31) << 1 | (b >> 31)
        ea = (a >> 23) & 0xFF
        if ea:
            ma = ((a & 0x7FFFFF) + half) >> shift
            if ma == top:
                ma, ea = 0, min(ea + 1, 254)
            acc, width = (acc << mbits) | ma, width + mbits
        else:
            ma = 0
        eb = (b >> 23) & 0xFF
        mb = 0
        if eb:
            mb = ((b & 0x7FFFFF) + half) >> shift
            if mb == top:
                mb, eb = 0, min(eb + 1, 254)
        avg_exp.append(ea)
        if eb == ea and mb == ma and (a >> 31) == (b >> 31):
            max_code.append(0)
            continue
        delta = eb - ea
        if 0 <= delta <= 253:
            max_code.append(delta + 1)
        else:
            max_code.append(255)
            escapes.append(eb)
        if eb:
            acc, width = (acc << mbits) | mb, width + mbits
    flags = _FLAG_SIGNS if signs else 0
    parts = [
        len(keys).to_bytes(2, "big"),
        "\0".join(keys).encode(),
        b"\0",
        bytes([flags]),
        bytes(avg_exp),
        bytes(max_code),
        bytes(escapes),
    ]
    if signs:
        parts.append(signs.to_bytes((2 * len(keys) + 7) // 8, "big"))
    pad = -width % 8
    parts.append((acc << pad).to_bytes((width + pad) // 8, "big"))
    packer = zlib.compressobj(9, zlib.DEFLATED, -12, 6, zdict=_ZDICT)  # small: cheap to set up
    return bytes([FORMAT]) + packer.compress(b"".join(parts)) + packer.flush()


def _decode_packed(raw: bytes, wanted: Callable[[str], bool] | None) -> AggSeries:
    count = int.from_bytes(raw[:2], "big")
    end = 2
    for _ in range(count):
        end = raw.index(0, end) + 1
    keys = raw[2 : end - 1].decode().split("\0") if count else []
    flags = raw[end]
    pos = end + 1
    avg_exp = raw[pos : pos + count]
    max_code = raw[pos + count : pos + 2 * count]
    pos += 2 * count
    escapes = iter(raw[pos : pos + max_code.count(255)])
    pos += max_code.count(255)
    signs = 0
    if flags & _FLAG_SIGNS:
        size = (2 * count + 7) // 8
        signs = int.from_bytes(raw[pos : pos + size], "big")
        pos += size
    mantissas = raw[pos:]
    acc = int.from_bytes(mantissas, "big")
    left = len(mantissas) * 8
    shift, mbits, mask = _SHIFT, MANTISSA_BITS, _TOP - 1
    bits = array("I")
    for i in range(count):
        ea = avg_exp[i]
        if ea:
            left -= mbits
            a = ea << 23 | ((acc >> left) & mask) << shift
        else:
            a = 0
        code = max_code[i]
        if code == 0:
            b = a
        else:
            eb = next(escapes) if code == 255 else ea + code - 1
            if eb:
                left -= mbits
                b = eb << 23 | ((acc >> left) & mask) << shift
            else:
                b = 0
        if signs:
            sa = (signs >> (2 * (count - i) - 1)) & 1
            sb = (signs >> (2 * (count - i) - 2)) & 1
            a |= sa << 31
            b |= (sa if code == 0 else sb) << 31
        bits.append(a)
        bits.append(b)
    values = array("f", bits.tobytes()).tolist()
    if wanted is None:
        return {key: [values[2 * i], values[2 * i + 1]] for i, key in enumerate(keys)}
    return {key: [values[2 * i], values[2 * i + 1]] for i, key in enumerate(keys) if wanted(key)}


def decode(data: bytes, wanted: Callable[[str], bool] | None = None) -> AggSeries:
    """{series: [average, maximum]} of a row; `wanted(name)` keeps only some series."""
    data = bytes(data)
    if data[:1] == bytes([FORMAT]):
        unpacker = zlib.decompressobj(-15, zdict=_ZDICT)
        return _decode_packed(unpacker.decompress(data[1:]) + unpacker.flush(), wanted)
    series = json.loads(zlib.decompress(data))  # the first format: zlib JSON
    return series if wanted is None else {k: v for k, v in series.items() if wanted(k)}
