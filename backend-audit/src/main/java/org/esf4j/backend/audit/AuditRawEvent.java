package org.esf4j.backend.audit;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.ProcessInfo;
import org.esf4j.backend.audit.record.AuditEvent;
import org.esf4j.backend.audit.record.AuditRecord;
import org.esf4j.backend.audit.record.AuditType;
import org.esf4j.backend.audit.record.SockAddr;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * A reassembled audit event seen through the engine's {@link RawEvent}. {@link #load} classifies
 * the event (SYSCALL {@code arch}/{@code syscall}, or URINGOP {@code uring_op}) and sets the
 * numbers; paths, process details and arguments are decoded from the records only when the
 * engine asks. Reused by the reader thread; valid while the reassembled event is.
 *
 * <h2>Fields</h2>
 * <ul>
 *   <li>pid, ppid, uids and gids, {@code comm} and {@code exe} from the SYSCALL record (URINGOP
 *       records carry no {@code comm}/{@code exe}: they are read from {@code /proc}). Audit has
 *       no thread id: tid = pid. The kernel time is not set: audit stamps wall-clock
 *       milliseconds, not {@code CLOCK_MONOTONIC}.</li>
 *   <li>Target path: the PATH record of the opened or executed file (the first that is not a
 *       parent directory), made absolute with the CWD record when the call resolved it from the
 *       working directory; a name relative to another directory fd stays relative.</li>
 *   <li>File identity: the PATH record's {@code dev} and {@code inode}; no change time.</li>
 *   <li>Open flags: {@code a1} of open, {@code a2} of openat, {@code oflag} of the OPENAT2
 *       record, {@code O_CREAT|O_WRONLY|O_TRUNC} for creat.</li>
 *   <li>Bind: the SOCKADDR record; socket type unknown (-1).</li>
 *   <li>UringCmd: audit does not report the command's op: {@code commandOp} is -1.</li>
 * </ul>
 */
final class AuditRawEvent extends RawEvent {

    static final int UNKNOWN_OP = -1;
    private static final int AT_FDCWD_U32 = 0xffff_ff9c;
    private static final int O_CREAT_WRONLY_TRUNC = 0x241;
    private static final int SYS_BIND = 2;

    private final NativeOps ops;
    private final Map<EventType, Mode> modes;
    private final boolean successOnly;
    private final byte[] scratch = new byte[MAX_PATH];
    private final NativeBuffer linkBuf;
    private AuditEvent event;
    private boolean fromSyscall;
    private boolean cwdRelative;
    private boolean partial;

    AuditRawEvent(NativeOps ops, Map<EventType, Mode> modes, boolean successOnly) {
        this.ops = ops;
        this.modes = new EnumMap<>(modes);
        this.successOnly = successOnly;
        this.linkBuf = ops.allocate(2 * MAX_PATH + 64);
    }

    /**
     * Points at an event.
     *
     * @param e the reassembled event
     * @param receivedNanos when its last record was read
     * @return false when the event is not one esf4j delivers (another rule's syscall, a failed
     *         call when only successes are wanted, an unsubscribed type)
     */
    boolean load(AuditEvent e, long receivedNanos) {
        this.event = e;
        this.partial = false;
        AuditRecord sc = e.first(AuditType.SYSCALL);
        AuditRecord u = e.first(AuditType.URINGOP);
        EventType type;
        int flags = -1;
        int pid;
        fromSyscall = sc != null;
        if (u != null) {
            // An io_uring operation: a URINGOP record, alone when the operation ran in an io_uring
            // worker, or beside the SYSCALL record of io_uring_enter when it ran inline.
            cwdRelative = false;
            if (successOnly && u.indexOf("success") >= 0 && !yes(u)) {
                return false;
            }
            int op = (int) num(u, "uring_op", 10, -1);
            if (op == Syscalls.IORING_OP_URING_CMD) {
                type = EventType.URING_CMD;
            } else if (op == Syscalls.IORING_OP_BIND) {
                type = EventType.SOCKET_BIND;
            } else {
                return false;
            }
            pid = (int) num(u, "pid", 10, -1);
        } else if (sc != null) {
            int arch = (int) num(sc, "arch", 16, 0);
            int nr = (int) num(sc, "syscall", 10, -1);
            if (successOnly && !yes(sc)) {
                return false;
            }
            cwdRelative = true;
            switch (Syscalls.kind(arch, nr)) {
                case EXEC -> {
                    type = EventType.EXEC;
                    cwdRelative = nr != execveat(arch) || (int) num(sc, "a0", 16, 0) == AT_FDCWD_U32;
                }
                case OPEN -> {
                    type = EventType.FILE_OPEN;
                    flags = (int) num(sc, "a1", 16, -1);
                }
                case CREAT -> {
                    type = EventType.FILE_OPEN;
                    flags = O_CREAT_WRONLY_TRUNC;
                }
                case OPENAT -> {
                    type = EventType.FILE_OPEN;
                    flags = (int) num(sc, "a2", 16, -1);
                    cwdRelative = (int) num(sc, "a0", 16, 0) == AT_FDCWD_U32;
                }
                case OPENAT2 -> {
                    type = EventType.FILE_OPEN;
                    AuditRecord o2 = e.first(AuditType.OPENAT2);
                    flags = o2 == null ? -1 : (int) num(o2, "oflag", 16, -1);
                    cwdRelative = (int) num(sc, "a0", 16, 0) == AT_FDCWD_U32;
                }
                case BIND -> type = EventType.SOCKET_BIND;
                case SOCKETCALL -> {
                    if (num(sc, "a0", 16, -1) != SYS_BIND) {
                        return false;
                    }
                    type = EventType.SOCKET_BIND;
                }
                default -> {
                    return false;
                }
            }
            pid = (int) num(sc, "pid", 10, -1);
        } else {
            partial = isPartial(e);
            return false;
        }
        Mode mode = modes.get(type);
        if (mode == null || pid <= 0) {
            return false;
        }
        reset(type, mode, pid, pid, 0, receivedNanos, 0, flags);
        switch (type) {
            case EXEC, FILE_OPEN -> fileIdFromPath();
            case SOCKET_BIND -> bindFromSockaddr();
            case URING_CMD -> uringOp(UNKNOWN_OP);
            default -> { }
        }
        return true;
    }

    /**
     * @return whether the last {@link #load} refused an event because its SYSCALL or URINGOP
     *         record was lost (records that only syscall events have arrived without it)
     */
    boolean partial() {
        return partial;
    }

    private static boolean isPartial(AuditEvent e) {
        for (int i = 0; i < e.recordCount(); i++) {
            switch (e.recordType(i)) {
                case AuditType.PATH, AuditType.SOCKADDR, AuditType.CWD, AuditType.EXECVE, AuditType.PROCTITLE,
                     AuditType.EOE -> {
                    return true;
                }
                default -> { }
            }
        }
        return false;
    }

    private static int execveat(int arch) {
        return arch == AuditRule.ARCH_X86_64 ? Syscalls.X86_64.execveat()
                : arch == AuditRule.ARCH_I386 ? Syscalls.I386.execveat() : Syscalls.AARCH64.execveat();
    }

    private static boolean yes(AuditRecord r) {
        int i = r.indexOf("success");
        if (i < 0) {
            return false;
        }
        return r.valueLength(i) == 3 && r.buffer()[r.valueOffset(i)] == 'y';
    }

    private static long num(AuditRecord r, String key, int radix, long dflt) {
        int i = r.indexOf(key);
        return i < 0 ? dflt : r.number(i, radix, dflt);
    }

    /** The index of the PATH record naming the file itself (not its parent), or -1. */
    private int pathRecord() {
        AuditEvent e = event;
        for (int i = 0; i < e.recordCount(); i++) {
            if (e.recordType(i) != AuditType.PATH) {
                continue;
            }
            AuditRecord p = e.record(i);
            int nt = p.indexOf("nametype");
            if (nt >= 0 && p.valueLength(nt) == 6 && p.buffer()[p.valueOffset(nt)] == 'P') { // PARENT
                continue;
            }
            return i;
        }
        return -1;
    }

    private void fileIdFromPath() {
        int i = pathRecord();
        if (i < 0) {
            return;
        }
        AuditRecord p = event.record(i);
        long ino = num(p, "inode", 10, -1);
        int d = p.indexOf("dev");
        if (ino < 0 || d < 0) {
            return;
        }
        fileId(device(p.buffer(), p.valueOffset(d), p.valueLength(d)), ino, 0);
    }

    /** {@code dev=MAJ:MIN} (hex) as glibc's {@code makedev}, the encoding of {@code st_dev}. */
    static long device(byte[] b, int off, int len) {
        long major = 0;
        long minor = 0;
        boolean second = false;
        for (int i = off; i < off + len; i++) {
            int c = b[i];
            if (c == ':') {
                second = true;
                continue;
            }
            int v = Character.digit(c, 16);
            if (v < 0) {
                return 0;
            }
            if (second) {
                minor = minor * 16 + v;
            } else {
                major = major * 16 + v;
            }
        }
        return ((major & 0xffff_f000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffff_ff00L) << 12) | (minor & 0xffL);
    }

    private void bindFromSockaddr() {
        AuditRecord s = event.first(AuditType.SOCKADDR);
        if (s == null) {
            bind(0, "", 0, -1);
            return;
        }
        int i = s.indexOf("saddr");
        int n = i < 0 ? -1 : s.decode(i, scratch, 0);
        if (n <= 0) {
            bind(0, "", 0, -1);
            return;
        }
        bind(SockAddr.family(scratch, n), SockAddr.address(scratch, n), SockAddr.port(scratch, n), -1);
    }

    @Override
    protected int loadTargetPath(byte[] dst) {
        if (type() == EventType.SOCKET_BIND) {
            return -Errno.ENOENT;
        }
        int i = pathRecord();
        if (i < 0) {
            return -Errno.ENOENT;
        }
        AuditRecord p = event.record(i);
        int ni = p.indexOf("name");
        if (ni < 0 || p.isNull(ni)) {
            return -Errno.ENOENT;
        }
        int n = p.decode(ni, scratch, 0);
        if (n <= 0) {
            return -Errno.ENOENT;
        }
        int at = 0;
        if (scratch[0] != '/' && cwdRelative) {
            AuditRecord cwd = event.first(AuditType.CWD);
            int ci = cwd == null ? -1 : cwd.indexOf("cwd");
            int c = ci < 0 ? -1 : cwd.decode(ci, dst, 0);
            if (c > 0) {
                at = c;
                if (dst[at - 1] != '/' && at < dst.length) {
                    dst[at++] = '/';
                }
            }
        }
        int copy = Math.min(n, dst.length - at);
        System.arraycopy(scratch, 0, dst, at, copy);
        return at + copy;
    }

    @Override
    protected int loadExecutablePath(byte[] dst) {
        if (fromSyscall) {
            AuditRecord sc = event.first(AuditType.SYSCALL);
            int i = sc.indexOf("exe");
            if (i >= 0 && !sc.isNull(i)) {
                int n = sc.decode(i, dst, 0);
                if (n > 0) {
                    return n;
                }
            }
        }
        return procExe(dst);
    }

    /** {@code readlink /proc/<pid>/exe}, for records without {@code exe=}; allocates nothing. */
    private int procExe(byte[] dst) {
        java.nio.ByteBuffer b = linkBuf.buffer();
        int at = putAscii(b, 0, "/proc/");
        int pid = pid();
        int digits = 1;
        for (int v = pid; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = digits - 1, v = pid; i >= 0; i--, v /= 10) {
            b.put(at + i, (byte) ('0' + v % 10));
        }
        at = putAscii(b, at + digits, "/exe");
        b.put(at, (byte) 0);
        long n = ops.readlink(linkBuf.address(), linkBuf.address() + 64, MAX_PATH);
        if (n <= 0) {
            return n < 0 ? (int) n : -Errno.ENOENT;
        }
        b.get(64, dst, 0, (int) n);
        return (int) n;
    }

    private static int putAscii(java.nio.ByteBuffer b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            b.put(at + i, (byte) s.charAt(i));
        }
        return at + s.length();
    }

    @Override
    protected void loadFileId() {
        // set up front by load(); binds and uring commands have none
    }

    @Override
    public List<String> argv() {
        return type() == EventType.EXEC ? event.argv() : List.of();
    }

    @Override
    public ProcessInfo process() {
        int n = executablePathLength();
        String exe = n > 0 ? new String(executablePath(), 0, n, StandardCharsets.UTF_8) : "";
        AuditRecord r = fromSyscall ? event.first(AuditType.SYSCALL) : event.first(AuditType.URINGOP);
        String comm = "";
        if (fromSyscall) {
            int i = r.indexOf("comm");
            comm = i >= 0 && !r.isNull(i) ? r.string(i) : "";
        } else {
            try {
                comm = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Integer.toString(pid()), "comm"))
                        .trim();
            } catch (java.io.IOException | RuntimeException e) {
                comm = "";
            }
            r = event.first(AuditType.URINGOP);
        }
        return ProcessInfo.of(pid(), pid(), (int) num(r, "ppid", 10, -1), (int) num(r, "uid", 10, -1),
                (int) num(r, "euid", 10, -1), (int) num(r, "gid", 10, -1), (int) num(r, "egid", 10, -1), exe, comm,
                ProcessInfo.UNKNOWN);
    }

    void close() {
        linkBuf.close();
    }
}
