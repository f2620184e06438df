#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# TSEM security state coefficients computed independently of esf4j's Java code, with Python's
# json and hashlib, from TSEM export records (one per line). Prints, per event record, the
# coefficient in hex; after the last record, "measurement HEX" and "state HEX" of the sequence.
# The encodings follow the kernel's layout (see backend-tsem/README.md, "The model"):
#   coefficient = HF(name || p_task_id || task_id || HF(COE) || HF(CELL))
# With --task-ids, prints instead the TASK_ID each exec open (a file_open with __FMODE_EXEC)
# gives the task that executes it:
#   TASK_ID = HF("bprm_committed_creds" || p_task_id || zero bytes || HF(COE, capeff 0) || HF(file CELL))
# Usage: coefficients.py [--task-ids] RECORDS.jsonl [digest]
import hashlib
import json
import re
import struct
import sys

TASK_IDS = len(sys.argv) > 1 and sys.argv[1] == "--task-ids"
if TASK_IDS:
    del sys.argv[1]
DIGEST = sys.argv[2] if len(sys.argv) > 2 else "sha256"
PY_NAME = {"sha3-256": "sha3_256", "sha3-224": "sha3_224", "sha3-384": "sha3_384", "sha3-512": "sha3_512"}


def hf(data):
    return hashlib.new(PY_NAME.get(DIGEST, DIGEST), data).digest()


DS = len(hf(b""))
TMPFS_MAGIC = 0x01021994


def num(s):
    return int(s, 0) if not re.fullmatch(r"0[0-7]+", s) else int(s, 8)


def u16(v):
    return struct.pack("<H", num(v) & 0xFFFF)


def u32(v):
    return struct.pack("<I", num(v) & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", num(v) & 0xFFFFFFFFFFFFFFFF)


def lenstr(b):
    return struct.pack("<I", len(b)) + b


def file_cell(f):
    ino = f["inode"]
    out = u32(f["flags"]) + u32(ino["uid"]) + u32(ino["gid"]) + u32(ino["mode"]) + u32(ino["s_magic"])
    out += ino["s_id"].encode()[:31].ljust(32, b"\0")
    if num(ino["s_magic"]) == TMPFS_MAGIC:
        out += bytes(16)
    else:
        out += bytes.fromhex(ino["s_uuid"])
    p = f["path"]
    if "dev" in p:
        out += u32(p["dev"]["major"]) + u32(p["dev"]["minor"])
    if "type" in p:
        out += lenstr(p["type"].encode())
    name = p["pathname"].encode()
    if "instance" in p and "owner" in p:
        out += lenstr(name[: name.rindex(b"/") + 1]) + u64(p["instance"]) + bytes.fromhex(p["owner"])
    else:
        out += lenstr(name)
    return out + bytes.fromhex(f["digest"])


def sock(s):
    return u32(s["family"]) + u32(s["type"]) + u32(s["protocol"]) + bytes.fromhex(s["owner"]).ljust(max(64, DS), b"\0")


def addr(a):
    if "af_inet" in a:
        return u16(a["af_inet"]["port"]) + u32(a["af_inet"]["address"])
    if "af_inet6" in a:
        x = a["af_inet6"]
        return u16(x["port"]) + bytes.fromhex(x["address"]) + u32(x["flow"]) + u32(x["scope"])
    if "af_unix" in a:
        return a["af_unix"]["address"].encode()
    return bytes.fromhex(a["af_other"]["address"])


def raw_cell_text(line, name):
    # the CELL's JSON text as received: from its opening brace to the brace closing the record
    start = line.index('"' + name + '": ') + len(name) + 4
    return line.rstrip("\n")[start:-1].encode()


def cell(rec, line):
    name = rec["event"]["type"]
    c = rec[name]
    if name in ("file_open", "file_receive"):
        return file_cell(c["file"])
    if name == "mmap_file":
        return (file_cell(c["file"]) if "file" in c else b"") + u32(c["prot"]) + u32(c["flags"])
    if name in ("file_ioctl", "file_lock", "file_fcntl"):
        return file_cell(c["file"]) + u32(c["cmd"])
    if name in ("socket_bind", "socket_connect"):
        return sock(c["sock"]) + addr(c["addr"])
    if name == "socket_create":
        return u32(c["family"]) + u32(c["type"]) + u32(c["protocol"]) + u32(c["kern"])
    if name == "task_kill":
        return bytes.fromhex(c["target"]) + u32(c["sig"]) + u32(c["cross_ns"])
    if name == "capable":
        return u32(c["cap"]) + u32(c["opts"])
    return raw_cell_text(line, name)


def coe(c):
    return b"".join(u32(c[k]) for k in ("uid", "euid", "suid", "gid", "egid", "sgid", "fsuid", "fsgid")) + u64(c["capeff"])


def coefficient(rec, line):
    e = rec["event"]
    return hf(e["type"].encode() + bytes.fromhex(e["p_task_id"]) + bytes.fromhex(e["task_id"])
              + hf(coe(rec["COE"])) + hf(cell(rec, line)))


def task_id(rec):
    e, f = rec["event"], rec["file_open"]["file"]
    f = dict(f, flags="32800")
    c = dict(rec["COE"], capeff="0x0")
    return hf(b"bprm_committed_creds" + bytes.fromhex(e["p_task_id"]) + bytes(DS) + hf(coe(c)) + hf(file_cell(f)))


def extend(value, x):
    return hf(value + hf(bytes(DS) + x))


def main():
    aggregate = bytes(DS)
    points = []
    measurement = bytes(DS)
    with open(sys.argv[1]) as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            kind = rec["export"]["type"]
            if kind == "aggregate":
                aggregate = bytes.fromhex(rec["aggregate"]["value"])
                measurement = extend(bytes(DS), aggregate)
                continue
            if kind not in ("event", "async_event"):
                continue
            if TASK_IDS:
                if "file_open" in rec and int(rec["file_open"]["file"]["flags"], 0) & 0x20:
                    print(task_id(rec).hex())
                continue
            c = coefficient(rec, line)
            print(c.hex())
            if c not in points:
                points.append(c)
                measurement = extend(measurement, c)
    if TASK_IDS:
        return
    state = extend(bytes(DS), aggregate)
    for p in sorted(points):
        state = extend(state, p)
    print("measurement " + measurement.hex())
    print("state " + state.hex())


main()
