#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the seed inputs of the fuzz corpora (tests/fuzz/corpus/*/seed-*).

Seeds are valid examples of each input format, so that fuzzing starts
from inputs that reach deep into the code instead of being refused at
the first check.
"""
import struct
import sys
from pathlib import Path


def slot(addr: int, data: int, count: int, size: int, flags: int,
         typ: int) -> bytes:
    """One ioreq_t: addr, data, count, size, vp_eport, pad, flags, type."""
    return struct.pack("<QQIIIHBB", addr, data, count, size, 0, 0, flags,
                       typ)


READ, PTR, DF = 0x20, 0x10, 0x40
COPY, PIO = 1, 0


def ioreq_seeds() -> dict[str, bytes]:
    mem = bytes(range(64))
    return {
        "seed-mmio-rw": mem + b"\x00" + slot(0xfed40010, 0x1234, 1, 4, 0,
                                             COPY)
        + b"\x00" + slot(0xfed40010, 0, 1, 4, READ, COPY),
        "seed-rep-ptr": mem + b"\x02" + slot(0xfed40020, 0x1000, 8, 1, PTR,
                                             COPY)
        + b"\x06" + slot(0xfed40027, 0x1007, 8, 1, PTR | DF | READ, COPY),
        "seed-pio": mem + b"\x02" + slot(0x401, 0x1000, 4, 2, PTR, PIO),
        "seed-buffered": mem + b"\x03" + struct.pack("<II", 0, 2) + b"\x02"
        + struct.pack("<II", 0x01 | (3 << 10) | (0xa0010 << 12), 0x11)
        + struct.pack("<II", 0x01 | (3 << 10) | (0xa0010 << 12), 0x22),
    }


def tis_op(write: bool, size_code: int, off: int, val: int) -> bytes:
    return struct.pack("<BHBQ", int(write) | (size_code << 1), off, 0, val)


def cmd(cc: int, params: bytes, tag: int = 0x8001) -> bytes:
    return struct.pack(">HII", tag, 10 + len(params), cc) + params


def tpm_seeds() -> dict[str, bytes]:
    getrandom = cmd(0x17b, struct.pack(">H", 16))
    ops = [tis_op(True, 0, 0x000, 0x02), tis_op(True, 0, 0x018, 0x40)]
    ops += [tis_op(True, 0, 0x024, b) for b in getrandom]
    ops += [tis_op(True, 0, 0x018, 0x20)]
    ops += [tis_op(False, 2, 0x024, 0)] * 8 + [tis_op(False, 2, 0x018, 0)]
    return {
        "seed-startup": b"C" + cmd(0x144, struct.pack(">H", 0)),
        "seed-getrandom": b"C" + getrandom,
        "seed-pcr-read": b"C" + cmd(0x17e, struct.pack(">IHB3s", 1, 0xb, 3,
                                                       b"\x00\x00\x01")),
        "seed-getcap": b"C" + cmd(0x17a, struct.pack(">III", 6, 0x100, 8)),
        "seed-mmio-sequence": b"".join(ops),
        "seed-localities": b"".join(tis_op(True, 0, loc << 12, bit)
                                    for loc in range(5)
                                    for bit in (0x02, 0x08, 0x20, 0x10)),
    }


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent
                / "corpus")
    for name, seeds in (("ioreq", ioreq_seeds()), ("tpm", tpm_seeds())):
        d = root / name
        d.mkdir(parents=True, exist_ok=True)
        for fname, data in seeds.items():
            (d / fname).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
