# SPDX-License-Identifier: Apache-2.0
"""Self-test of tsem-emulator (run by ./selftest, as root).

usage: selftest.py EMULATOR WORKDIR   (WORKDIR: an empty tmpfs)

The test process is the orchestrator: it spawns a child (a small python
command server) that writes external/export, so the child's parent is the
test, as TSEM v4 requires. It reads external_tma/<id> and releases events.
Tasks of a namespace are held with seccomp user notification: a held task
sleeps in its system call (/proc/<pid>/syscall), and nothing ptraces it.
"""
import errno
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

EMU, WORK = sys.argv[1], sys.argv[2]
FS = os.path.join(WORK, "fs")
FILE = os.path.join(WORK, "file-a.txt")
FILE2 = os.path.join(WORK, "file-b.txt")
ZERO = "0" * 64
KEY = "ab" * 32
SYS_OPENAT = 257
failures = 0
checks = 0


def check(name, cond, detail=""):
    global failures, checks
    checks += 1
    if cond:
        print(f"PASS {name}")
    else:
        failures += 1
        print(f"FAIL {name} {detail}")
    sys.stdout.flush()
    return cond


def ctl(text, fd=None):
    """Write one command to control; returns 0 or the errno."""
    own = fd is None
    try:
        if own:
            fd = os.open(f"{FS}/control", os.O_WRONLY)
        os.write(fd, text.encode() if isinstance(text, str) else text)
        return 0
    except OSError as e:
        return e.errno
    finally:
        if own and fd is not None:
            os.close(fd)


def open_errno(path, flags):
    try:
        fd = os.open(path, flags)
        os.close(fd)
        return 0
    except OSError as e:
        return e.errno


def proc_state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def status_field(pid, name):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def tracer_of(pid):
    v = status_field(pid, "TracerPid")
    return int(v) if v is not None else -1


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def held_in(pid):
    """The number of the system call a task sleeps in, or None (running, gone, not in one)."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            first = f.read().split()[0]
    except (OSError, IndexError):
        return None
    return int(first) if first.isdigit() else None


def is_held(pid, nr=None):
    """Asleep in a system call (S, or D for a killable wait), nr if given."""
    sc = held_in(pid)
    return proc_state(pid) in ("S", "D") and sc is not None and (nr is None or sc == nr)


def libc_path():
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"/libc[.-][^/]*so", path):
                return os.path.realpath(path)
    return None


CHILD = r'''
import json, mmap, os, socket, subprocess, sys
FS, cmd = sys.argv[1], sys.argv[2]
idfd = os.open(FS + "/id", os.O_RDONLY)
def ctl(text):
    c = os.open(FS + "/control", os.O_WRONLY)
    try:
        os.write(c, (text + "\n").encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(c)
err = ctl(cmd)
nsid = os.pread(idfd, 64, 0).decode().strip()
def say(s):
    os.write(1, (s + "\n").encode())
say(f"{err} {nsid} {os.getpid()}")
while True:
    line = os.read(0, 65536).decode()
    if not line:
        break
    op, _, arg = line.strip().partition(" ")
    try:
        if op == "open":
            os.close(os.open(arg, os.O_RDONLY))
            say("ok")
        elif op == "run":
            try:
                p = subprocess.run(json.loads(arg), capture_output=True, timeout=60)
                say(json.dumps([p.returncode, p.stdout.decode(errors="replace"),
                                p.stderr.decode(errors="replace")]))
            except OSError as e:
                say(json.dumps([-1, "", "exec errno %d" % e.errno]))
        elif op == "ctl":
            say(str(ctl(arg)))
        elif op == "bind":
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            s.close()
            say("ok")
        elif op == "connect":
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.connect(("127.0.0.1", int(arg)))
            s.close()
            say("ok")
        elif op == "kill":
            pid, sig = arg.split()
            os.kill(int(pid), int(sig))
            say("ok")
        elif op == "mmapx":
            fd = os.open(arg, os.O_RDONLY)
            try:
                m = mmap.mmap(fd, 4096, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_EXEC)
                m.close()
            finally:
                os.close(fd)
            say("ok")
        elif op == "exit":
            break
        else:
            say("bad command")
    except OSError as e:
        say("err %d" % e.errno)
'''


class Emulator:
    def __init__(self, syntax, extra=()):
        self.syntax = syntax
        os.makedirs(FS, exist_ok=True)
        self.log = os.path.join(WORK, f"trace-{syntax}{'-'.join(extra)}.log")
        self.err = open(os.path.join(WORK, "emulator.stderr"), "ab")
        self.p = subprocess.Popen([EMU, "--root", FS, "--syntax", syntax, "--trace-log", self.log,
                                   *extra], stdout=subprocess.PIPE, stderr=self.err)
        with open(os.path.join(WORK, "pids"), "a") as f:
            f.write(f"{self.p.pid}\n")
        r, _, _ = select.select([self.p.stdout], [], [], 10)
        line = self.p.stdout.readline() if r else b""
        check(f"[{syntax}] emulator prints ready", line == b"ready\n", repr(line))
        self.children = []
        self.stopped = False

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                rc = self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                rc = self.p.wait()
            check(f"[{self.syntax}] emulator exits 0 on SIGTERM", rc == 0, f"rc={rc}")
        check(f"[{self.syntax}] mount is gone after exit", not os.path.ismount(FS))
        for c in self.children:
            c.kill()


class Child:
    """A process in a namespace, driven line by line."""

    def __init__(self, emu, command):
        self.emu = emu
        self.p = subprocess.Popen([sys.executable, "-c", CHILD, FS, command],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        emu.children.append(self)
        self.buf = b""
        line = self.readline(10)
        parts = (line or "x x x").split()
        self.err, self.nsid, self.pid = int(parts[0]), int(parts[1]), int(parts[2])

    def send(self, line):
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def readline(self, timeout):
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                data = os.read(self.p.stdout.fileno(), 65536)
                if not data:
                    return None
                self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


class Queue:
    """The orchestrator side of external_tma/<id>."""

    def __init__(self, emu, nsid, key=None):
        self.emu, self.key = emu, key
        self.fd = os.open(f"{FS}/external_tma/{nsid}", os.O_RDONLY)
        self.records = []

    def read(self, size=65536):
        os.lseek(self.fd, 0, os.SEEK_SET)
        try:
            data = os.read(self.fd, size)
        except OSError as e:
            return e.errno
        return data

    def release(self, rec, verdict="trusted"):
        e = rec["event"]
        if self.emu.syntax == "v4":
            return ctl(f"{verdict} pid={e['pid']} key={self.key}\n")
        return ctl(f"{verdict} pid={e['pid']} tnum={e['tnum']}\n")

    def pump(self, child=None, hold=None, timeout=20):
        """Release events until hold(rec) is true (returns ("rec", rec)) or the
        child answers (returns ("line", text)); ("timeout", None) otherwise."""
        end = time.time() + timeout
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        if child is not None:
            poller.register(child.p.stdout.fileno(), select.POLLIN)
        while time.time() < end:
            if child is not None and b"\n" in child.buf:
                self.drain()
                return ("line", child.readline(1))
            # drain first: the poll flag may have been consumed already
            while True:
                data = self.read()
                if isinstance(data, int):
                    break
                rec = json.loads(data)
                self.records.append(rec)
                if hold and hold(rec):
                    return ("rec", rec)
                if rec["export"]["type"] == "event":
                    self.release(rec)
            for fd, ev in poller.poll(int(max(0.0, end - time.time()) * 1000)):
                if child is not None and fd == child.p.stdout.fileno():
                    # records queued before the child answered (a log record, say) are read first
                    self.drain()
                    return ("line", child.readline(5))
        return ("timeout", None)

    def drain(self):
        while True:
            data = self.read()
            if isinstance(data, int):
                return
            rec = json.loads(data)
            self.records.append(rec)
            if rec["export"]["type"] == "event":
                self.release(rec)


def is_open_of(path, process=None):
    def f(rec):
        if rec.get("export", {}).get("type") not in ("event", "async_event"):
            return False
        fo = rec.get("file_open")
        return (fo is not None and fo["file"]["path"]["pathname"] == path and
                (process is None or rec["event"]["process"] == process))
    return f


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_blocked(tag, pid, child, nr=SYS_OPENAT):
    h = is_held(pid, nr)
    time.sleep(0.5)
    h2 = is_held(pid, nr)
    check(f"[{tag}] task {pid} stays asleep in its system call while not released", h and h2,
          f"{proc_state(pid)} {held_in(pid)}")
    check(f"[{tag}] the child has not answered while blocked", b"\n" not in child.buf and
          not select.select([child.p.stdout], [], [], 0)[0])


def test_files(tag, syntax):
    names = sorted(os.listdir(FS))
    check(f"[{tag}] root lists control id aggregate external_tma",
          names == ["aggregate", "control", "external_tma", "id"], str(names))
    with open(f"{FS}/id") as f:
        check(f"[{tag}] id is 0 outside a namespace", f.read() == "0\n")
    with open(f"{FS}/aggregate") as f:
        check(f"[{tag}] aggregate is 64 zeros", f.read() == ZERO + "\n")
    check(f"[{tag}] control O_RDONLY -> EACCES", open_errno(f"{FS}/control", os.O_RDONLY) == errno.EACCES)
    check(f"[{tag}] id O_WRONLY -> EACCES", open_errno(f"{FS}/id", os.O_WRONLY) == errno.EACCES)
    fd = os.open(f"{FS}/control", os.O_WRONLY)
    check(f"[{tag}] second open of control -> EBUSY",
          open_errno(f"{FS}/control", os.O_WRONLY) == errno.EBUSY)
    check(f"[{tag}] bad command -> EINVAL", ctl("bogus\n", fd) == errno.EINVAL)
    os.close(fd)
    fd = os.open(f"{FS}/control", os.O_WRONLY)
    try:
        os.pwrite(fd, b"seal\n", 5)
        rc = 0
    except OSError as e:
        rc = e.errno
    check(f"[{tag}] pwrite at offset > 0 -> EINVAL", rc == errno.EINVAL, str(rc))
    os.close(fd)
    check(f"[{tag}] command without newline -> EINVAL", ctl("enforce") == errno.EINVAL)
    check(f"[{tag}] command over 127 bytes -> EINVAL",
          ctl("external model=" + "m" * 120 + "\n") == errno.EINVAL)
    check(f"[{tag}] internal -> EOPNOTSUPP", ctl("internal\n") == errno.EOPNOTSUPP)
    check(f"[{tag}] state -> EOPNOTSUPP", ctl("state value=00\n") == errno.EOPNOTSUPP)
    keyarg = f" key={KEY}" if syntax == "v4" else ""
    check(f"[{tag}] unknown digest -> EINVAL", ctl(f"external digest=md4{keyarg}\n") == errno.EINVAL)
    check(f"[{tag}] unknown argument -> EINVAL", ctl(f"external bogus=1{keyarg}\n") == errno.EINVAL)
    check(f"[{tag}] bad nsref -> EINVAL", ctl(f"external nsref=other{keyarg}\n") == errno.EINVAL)
    rc = ctl(f"external cache=0{keyarg}\n")
    check(f"[{tag}] cache=0 -> EINVAL", rc == errno.EINVAL, str(rc))
    if syntax == "v4":
        check(f"[{tag}] v4 external without key -> EINVAL", ctl("external\n") == errno.EINVAL)
        check(f"[{tag}] v4 short key -> EINVAL", ctl("external key=abcd\n") == errno.EINVAL)
        check(f"[{tag}] v4 non-hex key -> EINVAL", ctl("external key=" + "zz" * 32 + "\n") == errno.EINVAL)
        check(f"[{tag}] release of unknown pid -> ESRCH",
              ctl(f"trusted pid=999999 key={KEY}\n") == errno.ESRCH)
        check(f"[{tag}] tnum= in v4 syntax -> EINVAL", ctl("trusted pid=1 tnum=1\n") == errno.EINVAL)
    else:
        check(f"[{tag}] key= in tnum syntax -> EINVAL", ctl(f"external key={KEY}\n") == errno.EINVAL)
        check(f"[{tag}] release of unknown pid -> ESRCH", ctl("trusted pid=999999 tnum=1\n") == errno.ESRCH)
        check(f"[{tag}] release of a pid outside every namespace -> ESRCH",
              ctl(f"trusted pid={os.getpid()} tnum=1\n") == errno.ESRCH)
        check(f"[{tag}] release without tnum -> EINVAL", ctl("trusted pid=1\n") == errno.EINVAL)
    # outside every namespace these act on the root namespace's model, which is not emulated
    check(f"[{tag}] enforce outside a namespace -> EOPNOTSUPP", ctl("enforce\n") == errno.EOPNOTSUPP)
    check(f"[{tag}] seal outside a namespace -> EOPNOTSUPP", ctl("seal\n") == errno.EOPNOTSUPP)


def event_keys(syntax):
    keys = ["pid", "context", "number", "process", "type", "ttd", "p_ttd", "task_id", "p_task_id", "ts"]
    if syntax == "tnum":
        keys.insert(1, "tnum")
    return keys


def test_external(emu, syntax):
    tag = syntax
    key = KEY if syntax == "v4" else None
    child = Child(emu, "external" + (f" key={KEY}" if key else ""))
    check(f"[{tag}] child's external write succeeds", child.err == 0, str(child.err))
    check(f"[{tag}] id read after joining shows the new namespace", child.nsid >= 1, str(child.nsid))
    check(f"[{tag}] external_tma/<id> exists", os.path.exists(f"{FS}/external_tma/{child.nsid}"))
    check(f"[{tag}] external_tma/999 does not exist", not os.path.exists(f"{FS}/external_tma/999"))
    check(f"[{tag}] external_tma/<id> O_RDWR -> EACCES",
          open_errno(f"{FS}/external_tma/{child.nsid}", os.O_RDWR) == errno.EACCES)
    listeners = []
    for fd in os.listdir(f"/proc/{emu.p.pid}/fd"):
        try:
            listeners.append(os.readlink(f"/proc/{emu.p.pid}/fd/{fd}"))
        except OSError:
            pass
    check(f"[{tag}] the writer is held by a seccomp filter whose listener the emulator has, not traced",
          tracer_of(child.pid) == 0 and status_field(child.pid, "Seccomp") == "2" and
          any(x.startswith("anon_inode:seccomp") for x in listeners),
          f"TracerPid {tracer_of(child.pid)} Seccomp {status_field(child.pid, 'Seccomp')} {listeners}")
    q = Queue(emu, child.nsid, key)

    first = q.read()
    check(f"[{tag}] first record is the aggregate",
          first == b'{"export": {"type": "aggregate"}, "aggregate": {"value": "' + ZERO.encode() + b'"}}\n',
          repr(first))
    again = os.read(q.fd, 65536)
    check(f"[{tag}] read without lseek(0) returns 0 bytes", again == b"", repr(again))
    check(f"[{tag}] empty queue -> ENODATA", q.read() == errno.ENODATA)

    p = select.poll()
    p.register(q.fd, select.POLLIN)
    p.poll(0)  # consumes the flag set by the aggregate record
    check(f"[{tag}] poll reports nothing on an empty queue", p.poll(0) == [])

    # one blocked open, released with trusted
    child.send(f"open {FILE}")
    t0 = time.time()
    ev = p.poll(5000)
    check(f"[{tag}] poll wakes when a record arrives",
          ev and ev[0][1] & select.POLLIN and time.time() - t0 < 5, str(ev))
    check(f"[{tag}] poll flag is cleared by the poll that reported it", p.poll(0) == [])
    data = q.read()
    check(f"[{tag}] one record per read", isinstance(data, bytes) and data.count(b"\n") == 1 and
          data.endswith(b"\n"), repr(data)[:200])
    rec = json.loads(data)
    q.records.append(rec)
    e = rec["event"]
    check(f"[{tag}] record is an event file_open", rec["export"] == {"type": "event"} and
          e["type"] == "file_open" and list(rec.keys()) == ["export", "event", "COE", "file_open"],
          str(list(rec.keys())))
    check(f"[{tag}] event keys in order", list(e.keys()) == event_keys(syntax), str(list(e.keys())))
    check(f"[{tag}] event pid, context, number", e["pid"] == str(child.pid) and
          e["context"] == str(child.nsid) and e["number"] == "1", json.dumps(e))
    check(f"[{tag}] every scalar is a string", all(isinstance(v, str) for v in e.values()) and
          all(isinstance(v, str) for v in rec["COE"].values()))
    check(f"[{tag}] COE keys", list(rec["COE"].keys()) ==
          ["uid", "euid", "suid", "gid", "egid", "sgid", "fsuid", "fsgid", "capeff"] and
          rec["COE"]["capeff"].startswith("0x"), json.dumps(rec["COE"]))
    f = rec["file_open"]["file"]
    check(f"[{tag}] file keys", list(f.keys()) == ["flags", "inode", "path", "digest"], str(list(f.keys())))
    check(f"[{tag}] flags are O_RDONLY|O_LARGEFILE|O_CLOEXEC in decimal", f["flags"] == "557056", f["flags"])
    check(f"[{tag}] inode", f["inode"]["mode"] == "0100644" and f["inode"]["s_magic"] == "0x1021994" and
          f["inode"]["s_id"] == "tmpfs" and f["inode"]["s_uuid"] == "0" * 32 and
          list(f["inode"].keys()) == ["uid", "gid", "mode", "s_magic", "s_id", "s_uuid"], json.dumps(f["inode"]))
    want_path = {"type": "root", "pathname": FILE} if syntax == "tnum" else {"pathname": FILE}
    check(f"[{tag}] path (no dev on tmpfs)", f["path"] == want_path, json.dumps(f["path"]))
    check(f"[{tag}] digest is the file's sha256", f["digest"] == sha256(FILE), f["digest"])
    check_blocked(tag, child.pid, child)
    if syntax == "v4":
        check(f"[{tag}] release with a wrong key -> EINVAL",
              ctl(f"trusted pid={child.pid} key={'cd' * 32}\n") == errno.EINVAL)
        code = ("import os, sys\nfd = os.open(sys.argv[1], os.O_WRONLY)\n"
                "try:\n    os.write(fd, sys.argv[2].encode()); print(0)\n"
                "except OSError as e:\n    print(e.errno)\n")
        r = subprocess.run([sys.executable, "-c", code, f"{FS}/control", f"trusted pid={child.pid} key={KEY}\n"],
                           capture_output=True, text=True)
        check(f"[{tag}] release by a process that is not the orchestrator -> EINVAL",
              r.stdout.strip() == str(errno.EINVAL), repr(r.stdout + r.stderr))
    else:
        check(f"[{tag}] release with a wrong tnum -> EINVAL",
              ctl(f"trusted pid={child.pid} tnum={int(e['tnum']) + 100}\n") == errno.EINVAL)
    check(f"[{tag}] still blocked after bad releases", is_held(child.pid, SYS_OPENAT))
    check(f"[{tag}] trusted release -> 0", q.release(rec) == 0)
    check(f"[{tag}] released task finishes its open", child.readline(5) == "ok")
    check(f"[{tag}] release of a task that is not blocked -> EINVAL", q.release(rec) == errno.EINVAL)
    check(f"[{tag}] queue empty again -> ENODATA", q.read() == errno.ENODATA)

    # exec + a blocked cat
    base = len(q.records)
    child.send("run " + json.dumps(["cat", FILE]))
    kind, held = q.pump(child, hold=is_open_of(FILE, "cat"))
    check(f"[{tag}] cat's open of FILE is reported", kind == "rec", kind)
    if kind == "rec":
        catpid = int(held["event"]["pid"])
        check_blocked(tag + " cat", catpid, child)
        check(f"[{tag}] trusted release of cat -> 0", q.release(held) == 0)
        kind, line = q.pump(child)
        res = json.loads(line) if kind == "line" else None
        with open(FILE) as fh:
            check(f"[{tag}] cat completes after the release", res is not None and res[0] == 0 and
                  res[1] == fh.read(), str(res))
        recs = q.records[base:]
        catrecs = [r for r in recs if r.get("event", {}).get("pid") == str(catpid)]
        cat_bin = os.path.realpath(subprocess.run(["sh", "-c", "command -v cat"], capture_output=True,
                                                  text=True).stdout.strip())
        execopen = [r for r in catrecs if "file_open" in r and
                    r["file_open"]["file"]["path"]["pathname"] == cat_bin]
        mm = [r for r in catrecs if "mmap_file" in r and
              r["mmap_file"]["file"]["path"]["pathname"] == cat_bin]
        libs = [r for r in catrecs if "mmap_file" in r and
                r["mmap_file"]["file"]["path"]["pathname"] == libc_path()]
        check(f"[{tag}] exec reports file_open of the program with flags 32800",
              len(execopen) >= 1 and execopen[0]["file_open"]["file"]["flags"] == "32800" and
              execopen[0]["file_open"]["file"]["digest"] == sha256(cat_bin),
              json.dumps(execopen[:1])[:300])
        check(f"[{tag}] exec reports mmap_file of the image",
              len(mm) == 1 and mm[0]["mmap_file"]["prot"] == "5" and mm[0]["mmap_file"]["flags"] == "2" and
              mm[0]["mmap_file"]["file"]["path"]["pathname"] == cat_bin, json.dumps(mm)[:300])
        check(f"[{tag}] the loader's PROT_EXEC mmap of libc is reported as mmap_file",
              any(int(r["mmap_file"]["prot"]) & 4 and r["mmap_file"]["file"]["digest"] == sha256(libc_path())
                  for r in libs), json.dumps(libs)[:300])
        if execopen and mm:
            e0, e1 = execopen[0]["event"], mm[0]["event"]
            check(f"[{tag}] ttd increments and task_id changes at exec",
                  int(e1["ttd"]) == int(e0["ttd"]) + 1 and e1["task_id"] != e0["task_id"] and
                  e1["task_id"] != ZERO and e1["p_task_id"] == e0["p_task_id"],
                  f"{e0['ttd']}->{e1['ttd']} {e0['task_id'][:8]}->{e1['task_id'][:8]}")
            he = held["event"]
            check(f"[{tag}] later events carry the new identity",
                  he["ttd"] == e1["ttd"] and he["task_id"] == e1["task_id"])
        nums = [int(r["event"]["number"]) for r in q.records if "event" in r]
        check(f"[{tag}] event numbers are 1, 2, 3, ...", nums == list(range(1, len(nums) + 1)),
              str(nums[:20]))
        check(f"[{tag}] all event records carry context", all(r["event"]["context"] == str(child.nsid)
                                                            for r in q.records if "event" in r))

    # untrusted, not enforcing: the current open proceeds, later ones are logged
    base = len(q.records)
    child.send("run " + json.dumps(["cat", FILE, FILE2]))
    kind, held = q.pump(child, hold=is_open_of(FILE, "cat"))
    if check(f"[{tag}] cat's open held for untrusted", kind == "rec", kind):
        check(f"[{tag}] untrusted release -> 0", q.release(held, "untrusted") == 0)
        kind, line = q.pump(child)
        res = json.loads(line) if kind == "line" else None
        check(f"[{tag}] untrusted, not enforcing: cat still reads both files",
              res is not None and res[0] == 0 and "file-b" in res[1] and "file-a" in res[1], str(res))
        logs = [r for r in q.records[base:] if r["export"]["type"] == "log"]
        check(f"[{tag}] untrusted task's open gives a log record with action LOG",
              {"export": {"type": "log"}, "log": {"process": "cat", "event": "file_open", "action": "LOG"}}
              in logs, json.dumps(logs)[:300])
        after = q.records[q.records.index(held) + 1:]
        later = [r for r in after if r["export"]["type"] == "event" and
                 r["event"]["pid"] == held["event"]["pid"]]
        check(f"[{tag}] no events from the task after untrusted", later == [], json.dumps(later)[:300])

    # enforce: untrusted task's open fails with EPERM
    child.send("ctl enforce")
    kind, line = q.pump(child)
    check(f"[{tag}] enforce from inside the namespace -> 0", kind == "line" and line == "0", str(line))
    base = len(q.records)
    child.send("run " + json.dumps(["cat", FILE, FILE2]))
    kind, held = q.pump(child, hold=is_open_of(FILE, "cat"))
    if check(f"[{tag}] cat's open held for enforce", kind == "rec", kind):
        q.release(held, "untrusted")
        kind, line = q.pump(child)
        res = json.loads(line) if kind == "line" else None
        check(f"[{tag}] untrusted + enforce: cat's next open fails with EPERM",
              res is not None and res[0] != 0 and "Operation not permitted" in res[2] and "file-a" in res[1],
              str(res))
        logs = [r for r in q.records[base:] if r["export"]["type"] == "log"]
        check(f"[{tag}] denied open gives a log record with action DENY",
              {"export": {"type": "log"}, "log": {"process": "cat", "event": "file_open", "action": "DENY"}}
              in logs, json.dumps(logs)[:300])
    child.send(f"open {FILE2}")
    kind, line = q.pump(child)
    check(f"[{tag}] trusted tasks still open files under enforce", kind == "line" and line == "ok", str(line))

    # sockets
    base = len(q.records)
    child.send("bind")
    kind, line = q.pump(child)
    recs = q.records[base:]
    sc = [r for r in recs if "socket_create" in r]
    sb = [r for r in recs if "socket_bind" in r]
    check(f"[{tag}] socket_create record", kind == "line" and line == "ok" and len(sc) == 1 and
          sc[0]["socket_create"] == {"family": "2", "type": "1", "protocol": "0", "kern": "0"},
          json.dumps(sc)[:300])
    check(f"[{tag}] socket_bind record (raw network-order values)", len(sb) == 1 and
          sb[0]["socket_bind"]["addr"] == {"af_inet": {"port": "0", "address": "16777343"}} and
          {k: v for k, v in sb[0]["socket_bind"]["sock"].items() if k != "owner"} ==
          {"family": "2", "type": "1", "protocol": "6"} and
          sb[0]["socket_bind"]["sock"]["owner"] == sb[0]["event"]["task_id"], json.dumps(sb)[:400])
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    base = len(q.records)
    child.send(f"connect {port}")
    kind, line = q.pump(child)
    lsock.close()
    cn = [r for r in q.records[base:] if "socket_connect" in r]
    raw_port = struct.unpack("<H", struct.pack(">H", port))[0]
    check(f"[{tag}] socket_connect record: port {port} printed as {raw_port}", kind == "line" and
          len(cn) == 1 and cn[0]["socket_connect"]["addr"]["af_inet"] ==
          {"port": str(raw_port), "address": "16777343"}, json.dumps(cn)[:400])

    # task_kill of a process outside the namespace
    victim = subprocess.Popen(["sleep", "60"])
    base = len(q.records)
    child.send(f"kill {victim.pid} 15")
    kind, line = q.pump(child)
    victim.wait(5)
    tk = [r for r in q.records[base:] if "task_kill" in r]
    check(f"[{tag}] task_kill record", kind == "line" and len(tk) == 1 and
          tk[0]["task_kill"] == {"target": ZERO, "sig": "15", "cross_ns": "1"}, json.dumps(tk)[:300])

    # a task killed while blocked disappears; releasing it gives ESRCH
    child.send("run " + json.dumps(["cat", FILE]))
    kind, held = q.pump(child, hold=is_open_of(FILE, "cat"))
    if check(f"[{tag}] cat's open held for kill", kind == "rec", kind):
        catpid = int(held["event"]["pid"])
        os.kill(catpid, signal.SIGKILL)
        kind, line = q.pump(child)
        res = json.loads(line) if kind == "line" else None
        check(f"[{tag}] a blocked task can be killed", res is not None and res[0] == -9, str(res))
        check(f"[{tag}] release of a killed task -> ESRCH", q.release(held) == errno.ESRCH)

    # job control: a shell of the namespace stops itself and is continued
    base = len(q.records)
    child.send("run " + json.dumps(["sh", "-c", "kill -STOP $$; echo resumed"]))
    kind, held = q.pump(child, hold=lambda r: r.get("task_kill", {}).get("sig") == str(int(signal.SIGSTOP)))
    if check(f"[{tag}] task_kill of itself is reported", kind == "rec" and
             held["task_kill"]["target"] == held["event"]["task_id"] and held["task_kill"]["cross_ns"] == "0",
             json.dumps(held)[-200:]):
        shpid = int(held["event"]["pid"])
        q.release(held)
        for _ in range(100):
            if proc_state(shpid) in ("T", "t"):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(shpid, signal.SIGCONT)
        kind, line = q.pump(child)
        res = json.loads(line) if kind == "line" else None
        check(f"[{tag}] group-stop and SIGCONT of a task of the namespace", res is not None and res[0] == 0 and
              res[1] == "resumed\n", str(res))

    test_seccomp_specifics(emu, child, q, tag, syntax)

    # nested namespace
    child.send("ctl external" + (f" key={KEY}" if key else ""))
    kind, line = q.pump(child)
    check(f"[{tag}] external from inside a namespace -> EINVAL", line == str(errno.EINVAL), str(line))

    # a process outside the namespace is never stopped
    base = len(q.records)
    t0 = time.time()
    r = subprocess.run(["cat", FILE], capture_output=True, timeout=10)
    outside = [x for x in q.records[base:]]
    while isinstance(d := q.read(), bytes):
        outside.append(json.loads(d))
    check(f"[{tag}] a process outside the namespace runs freely", r.returncode == 0 and
          time.time() - t0 < 5 and outside == [], json.dumps(outside)[:300])

    # seal
    for cmd, want in (("seal", "0"), ("enforce", str(errno.EPERM)), ("seal", str(errno.EPERM))):
        child.send("ctl " + cmd)
        kind, line = q.pump(child)
        check(f"[{tag}] {cmd} from inside the namespace{' after seal' if want != '0' else ''} -> {want}",
              kind == "line" and line == want, str(line))
    return child, q


def test_seccomp_specifics(emu, child, q, tag, syntax):
    """What holding tasks with seccomp user notification adds: a workload under strace, files
    created in the namespace, no record for a failed open, mmap_file of PROT_EXEC mappings."""
    with open(FILE) as fh:
        content = fh.read()

    # (a) strace -f, started inside the namespace, traces its child while the emulator holds it
    strace = shutil.which("strace")
    if check(f"[{tag}] strace is installed", strace is not None):
        log = os.path.join(WORK, f"strace-{syntax}.log")
        child.send("run " + json.dumps([strace, "-f", "-o", log, "cat", FILE]))
        kind, held = q.pump(child, hold=is_open_of(FILE, "cat"))
        if check(f"[{tag}] under strace -f, cat's open of FILE is reported and held", kind == "rec", kind):
            catpid = int(held["event"]["pid"])
            tr = tracer_of(catpid)
            check(f"[{tag}] the held cat is traced by strace, not by the emulator",
                  tr > 0 and tr != emu.p.pid and comm_of(tr) == "strace", f"{tr} {comm_of(tr)}")
            check_blocked(tag + " strace", catpid, child)
            done = re.compile(rf'^{catpid}\s+openat\(AT_FDCWD, "{re.escape(FILE)}", O_RDONLY[^)]*\) = \d+',
                              re.M)
            with open(log) as fh:
                during = fh.read()
            check(f"[{tag}] while held, the strace log has no result for that openat", not done.search(during),
                  during[-300:])
            check(f"[{tag}] trusted release of the traced cat -> 0", q.release(held) == 0)
            kind, line = q.pump(child)
            res = json.loads(line) if kind == "line" else None
            check(f"[{tag}] strace -f cat completes after the release", res is not None and res[0] == 0 and
                  res[1] == content, str(res)[:300])
            with open(log) as fh:
                text = fh.read()
            check(f"[{tag}] the strace log shows cat's openat of FILE and its result", done.search(text),
                  text[-600:])

    # (b) files created inside the namespace
    a = os.path.join(WORK, f"created-a-{syntax}")
    b = os.path.join(WORK, f"created-b-{syntax}")
    base = len(q.records)
    child.send("run " + json.dumps(["sh", "-c", f"umask 027; echo x > {a}; echo y > {b}"]))
    kind, line = q.pump(child)
    ca = [r for r in q.records[base:] if is_open_of(a, "sh")(r)]
    cb = [r for r in q.records[base:] if is_open_of(b, "sh")(r)]
    if check(f"[{tag}] a file created in the namespace gives a file_open record", kind == "line" and
             len(ca) == 1 and len(cb) == 1, f"{kind} {len(ca)} {len(cb)}"):
        fa, pa = ca[0]["file_open"]["file"], ca[0]["file_open"]["file"]["path"]
        keys = ["instance", "owner", "type", "pathname"] if syntax == "tnum" else ["instance", "owner", "pathname"]
        check(f"[{tag}] its path has instance and owner (the creating task's task_id)",
              list(pa.keys()) == keys and int(pa["instance"]) >= 1 and
              pa["owner"] == ca[0]["event"]["task_id"] and pa["owner"] != ZERO, json.dumps(pa))
        check(f"[{tag}] instance is a per-namespace counter",
              int(cb[0]["file_open"]["file"]["path"]["instance"]) == int(pa["instance"]) + 1,
              json.dumps(cb[0]["file_open"]["file"]["path"]))
        check(f"[{tag}] created file: zero digest, mode S_IFREG|0666&~umask, fsuid/fsgid, flags without O_CREAT/O_TRUNC",
              fa["digest"] == ZERO and fa["inode"]["mode"] == "0100640" and fa["inode"]["uid"] == "0" and
              fa["inode"]["gid"] == "0" and fa["flags"] == str(os.O_WRONLY | 0o100000), json.dumps(fa))
        base = len(q.records)
        child.send("run " + json.dumps(["cat", a]))
        kind, line = q.pump(child)
        ro = [r for r in q.records[base:] if is_open_of(a, "cat")(r)]
        check(f"[{tag}] a later open of the created file keeps its instance, owner and zero digest",
              kind == "line" and len(ro) == 1 and ro[0]["file_open"]["file"]["path"]["instance"] == pa["instance"] and
              ro[0]["file_open"]["file"]["path"]["owner"] == pa["owner"] and
              ro[0]["file_open"]["file"]["digest"] == ZERO, json.dumps(ro)[:400])

    # (c) an open of a missing file never reaches file_open: no record
    missing = os.path.join(WORK, "no-such-file")
    base = len(q.records)
    child.send(f"open {missing}")
    kind, line = q.pump(child)
    check(f"[{tag}] an open of a missing file fails with ENOENT and gives no record",
          kind == "line" and line == f"err {errno.ENOENT}" and
          not any("file_open" in r for r in q.records[base:]), f"{line} {json.dumps(q.records[base:])[:300]}")

    # (d) mmap with PROT_EXEC of a library
    lib = libc_path()
    base = len(q.records)
    child.send(f"mmapx {lib}")
    kind, line = q.pump(child)
    mm = [r for r in q.records[base:] if "mmap_file" in r]
    check(f"[{tag}] mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE) of {lib} gives an mmap_file record",
          kind == "line" and line == "ok" and len(mm) == 1 and mm[0]["event"]["pid"] == str(child.pid) and
          mm[0]["mmap_file"]["prot"] == "5" and mm[0]["mmap_file"]["flags"] == "2" and
          mm[0]["mmap_file"]["file"]["path"]["pathname"] == lib and
          mm[0]["mmap_file"]["file"]["digest"] == sha256(lib), f"{line} {json.dumps(mm)[:400]}")


def test_export(emu, syntax):
    tag = syntax + " export"
    child = Child(emu, "export digest=sha384")
    check(f"[{tag}] export write succeeds", child.err == 0 and child.nsid >= 1, f"{child.err} {child.nsid}")
    q = Queue(emu, child.nsid)
    child.send("run " + json.dumps(["cat", FILE]))
    line = child.readline(20)  # nobody releases anything
    res = json.loads(line) if line else None
    check(f"[{tag}] tasks of an export namespace never wait", res is not None and res[0] == 0, str(res))
    recs = []
    while isinstance(d := q.read(), bytes):
        recs.append(json.loads(d))
    check(f"[{tag}] aggregate record first, sha384-sized", recs and recs[0]["export"]["type"] == "aggregate" and
          recs[0]["aggregate"]["value"] == "0" * 96)
    fo = [r for r in recs if is_open_of(FILE, "cat")(r)]
    check(f"[{tag}] digests use the namespace's algorithm", fo and
          fo[0]["file_open"]["file"]["digest"] == hashlib.sha384(open(FILE, "rb").read()).hexdigest() and
          len(fo[0]["event"]["task_id"]) == 96)
    check(f"[{tag}] events are async_event", len(recs) > 1 and
          all(r["export"]["type"] == "async_event" for r in recs[1:]) and
          any(is_open_of(FILE, "cat")(r) for r in recs), str([r["export"] for r in recs])[:300])
    child.send("exit")
    child.p.wait(10)


def test_shutdown(emu, child, q):
    tag = emu.syntax + " shutdown"
    child.send(f"open {FILE}")
    kind, held = q.pump(child, hold=is_open_of(FILE))
    check(f"[{tag}] task blocked before SIGTERM", kind == "rec" and is_held(child.pid, SYS_OPENAT))
    emu.children.remove(child)
    emu.stop()
    line = child.readline(10)
    check(f"[{tag}] blocked task is released when the emulator stops", line == "ok", str(line))
    time.sleep(0.2)
    check(f"[{tag}] released task is still alive", child.p.poll() is None, str(child.p.returncode))
    check(f"[{tag}] no task left traced", tracer_of(child.pid) == 0, str(tracer_of(child.pid)))
    child.send("exit")
    try:
        child.p.wait(10)
    except subprocess.TimeoutExpired:
        pass
    check(f"[{tag}] child exits normally", child.p.returncode == 0, str(child.p.returncode))


def run_syntax(syntax):
    emu = Emulator(syntax)
    try:
        test_files(syntax, syntax)
        child, q = test_external(emu, syntax)
        test_export(emu, syntax)
        test_shutdown(emu, child, q)
    finally:
        emu.stop()


def run_root_export_only():
    emu = Emulator("tnum", ("--root-export-only",))
    try:
        tag = "root-export-only"
        check(f"[{tag}] external_tma/0 exists", os.path.exists(f"{FS}/external_tma/0"))
        fd = os.open(f"{FS}/external_tma/0", os.O_RDONLY)
        data = os.read(fd, 65536)
        check(f"[{tag}] its first record is the aggregate", b'"type": "aggregate"' in data, repr(data))
        with open(f"{FS}/id") as f:
            check(f"[{tag}] id is 0", f.read() == "0\n")
        os.close(fd)
    finally:
        emu.stop()


def main():
    with open(FILE, "w") as f:
        f.write("file-a contents\n")
    with open(FILE2, "w") as f:
        f.write("file-b contents\n")
    os.chmod(FILE, 0o644)
    for syntax in ("v4", "tnum"):
        run_syntax(syntax)
    run_root_export_only()
    print(f"{checks - failures}/{checks} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
