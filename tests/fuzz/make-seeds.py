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


PAGE0 = 16 * 4096      # fuzz_nvme's page 0 in guest memory


def nv_gpa(page: int) -> int:
    return PAGE0 + page * 4096


def nv_mem(page: int, off: int, data: bytes) -> bytes:
    return struct.pack("<BBHB", 0, page, off, len(data)) + data


def nv_setup(pairs: int, size: int) -> bytes:
    return struct.pack("<BBB", 4, pairs, size - 2)


def nv_sqe(opc: int, nsid: int = 0, prp1: int = 0, prp2: int = 0,
           cdw: tuple[int, ...] = ()) -> bytes:
    dw = [opc, nsid, 0, 0, 0, 0, prp1 & 0xffffffff, prp1 >> 32,
          prp2 & 0xffffffff, prp2 >> 32]
    dw += list(cdw) + [0] * (6 - len(cdw))
    return struct.pack("<16I", *dw)


def nv_submit(q: int, sqe: bytes) -> bytes:
    return struct.pack("<BB", 5, q) + sqe


def nv_reap(q: int) -> bytes:
    return struct.pack("<BB", 6, q)


def nv_done(n: int = 255) -> bytes:
    return struct.pack("<BB", 7, n)


def nv_mmio(off: int, val: int, size_code: int = 2) -> bytes:
    return struct.pack("<BHBQ", 1, off, size_code, val)


def nv_cfg(reg: int, val: int, size_code: int = 2) -> bytes:
    return struct.pack("<BHBI", 3, reg, size_code, val)


def nv_dbbuf(dbs_page: int, eis_page: int) -> bytes:
    return struct.pack("<BBB", 9, dbs_page, eis_page)


def nvme_seeds() -> dict[str, bytes]:
    data = bytes(range(256)) * 16
    lst = struct.pack("<8Q", *(nv_gpa(40 + i) for i in range(8)))
    rng = struct.pack("<IIQ", 0, 16, 100) + struct.pack("<IIQ", 0, 0, 0)
    return {
        "seed-identify": nv_setup(0, 16)
        + nv_submit(0, nv_sqe(6, 0, nv_gpa(30), 0, (1,))) + nv_reap(0)
        + nv_submit(0, nv_sqe(6, 1, nv_gpa(30), 0, (0,))) + nv_reap(0)
        + nv_submit(0, nv_sqe(9, 0, 0, 0, (7, 0x30003))) + nv_reap(0)
        + nv_submit(0, nv_sqe(2, 0xffffffff, nv_gpa(31), 0,
                              (2 | 127 << 16,))) + nv_reap(0),
        "seed-rw": nv_setup(2, 16) + nv_mem(30, 0, data[:255])
        + nv_submit(1, nv_sqe(1, 1, nv_gpa(30), 0, (8, 0, 7)))
        + nv_done() + nv_reap(1)
        + nv_submit(2, nv_sqe(2, 1, nv_gpa(31) + 0x200, nv_gpa(32),
                              (8, 0, 7))) + nv_done() + nv_reap(2),
        "seed-prp-list": nv_setup(1, 32) + nv_mem(39, 0, lst)
        + nv_submit(1, nv_sqe(1, 1, nv_gpa(38), nv_gpa(39), (64, 0, 71)))
        + nv_done(1) + nv_done() + nv_reap(1)
        + nv_submit(1, nv_sqe(2, 1, nv_gpa(38) + 0x100, nv_gpa(39),
                              (64, 0, 63))) + nv_done() + nv_reap(1),
        "seed-dsm-wz-flush": nv_setup(1, 8) + nv_mem(50, 0, rng)
        + nv_submit(1, nv_sqe(9, 1, nv_gpa(50), 0, (1, 4)))
        + nv_submit(1, nv_sqe(8, 1, 0, 0, (200, 0, 99 | 1 << 30)))
        + nv_submit(1, nv_sqe(0, 1)) + nv_done() + nv_reap(1),
        "seed-errors": nv_setup(1, 8)
        + nv_submit(0, nv_sqe(0xc0)) + nv_submit(0, nv_sqe(5, 0, 0, 0,
                                                          (7 << 16 | 9, 1)))
        + nv_submit(0, nv_sqe(0x0c)) + nv_submit(1, nv_sqe(2, 2))
        + nv_submit(1, nv_sqe(2, 1, nv_gpa(30) + 2, 0, (0, 0, 0)))
        + b"\x08\x01" + nv_submit(1, nv_sqe(2, 1, nv_gpa(30), 0, (0,)))
        + nv_done() + nv_reap(0) + nv_reap(1),
        "seed-broken-queue": nv_setup(1, 8) + nv_mmio(0x1008, 9)
        + nv_mmio(0x1000 + 8 * 3, 1) + nv_mmio(0x14, 0) + nv_setup(1, 8)
        + nv_mmio(0x100c, 5),
        "seed-dbbuf": nv_setup(2, 16) + nv_dbbuf(0x80 | 60, 61)
        + nv_dbbuf(60, 61)
        + nv_submit(1, nv_sqe(1, 1, nv_gpa(30), 0, (8, 0, 7)))
        + nv_submit(1, nv_sqe(2, 1, nv_gpa(31), 0, (8, 0, 7)))
        + nv_done() + nv_reap(1)
        + nv_submit(2, nv_sqe(0, 1)) + nv_done() + nv_reap(2)
        + nv_mem(60, 8, struct.pack("<I", 40)) + nv_mmio(0x1008, 1),
        "seed-dbbuf-cq": nv_setup(1, 4) + nv_dbbuf(62, 63)
        + b"".join(nv_submit(1, nv_sqe(2, 1, nv_gpa(30), 0, (0,)))
                   for _ in range(6)) + nv_done() + nv_reap(1)
        + nv_mem(62, 12, struct.pack("<I", 3)) + nv_submit(0, nv_sqe(0x7c)),
        "seed-pci": nv_cfg(0x04, 0x4, 1) + nv_cfg(0x10, 0xffffffff)
        + nv_cfg(0x14, 0xffffffff) + nv_cfg(0x10, 0xe0000000)
        + nv_cfg(0x14, 0) + nv_cfg(0x04, 0x6, 1) + nv_setup(1, 8)
        + nv_mmio(0x2010 + 12, 1) + nv_submit(1, nv_sqe(0, 1)) + nv_done()
        + nv_mmio(0x2010 + 12, 0) + nv_cfg(0x42, 0x0010, 1)
        + nv_submit(1, nv_sqe(0, 1)) + nv_reap(1),
    }


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent
                / "corpus")
    for name, seeds in (("ioreq", ioreq_seeds()), ("tpm", tpm_seeds()),
                        ("nvme", nvme_seeds())):
        d = root / name
        d.mkdir(parents=True, exist_ok=True)
        for fname, data in seeds.items():
            (d / fname).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
