package org.esf4j.backend.audit;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.backend.audit.record.AuditEvent;
import org.esf4j.backend.audit.record.AuditRecord;
import org.esf4j.backend.audit.record.AuditType;
import org.esf4j.backend.audit.record.SockAddr;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.nativeio.Arch;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.process.ProcFiles;
import org.esf4j.spi.process.ProcessModel;

/**
 * A reassembled audit event seen through the engine's {@link RawEvent}. {@link #loadSyscall} and
 * {@link #loadUring} classify the event (SYSCALL {@code arch}/{@code syscall}, or one URINGOP
 * record's {@code uring_op}) and set the numbers; paths, the process and the arguments are decoded
 * from the records only when the engine asks. Reused by the reader thread; valid while the
 * reassembled event is. Reader thread only.
 *
 * <h2>Process</h2>
 * Audit has no thread id (tid -1) and stamps each record with the coarse wall clock at the
 * syscall's entry, in milliseconds: the event happened after that time (less the clock's
 * coarseness) and before it was read, and the process model resolves the process in that window.
 * The SYSCALL record's pid, ppid, uids, gids, {@code exe} and {@code comm} are exact at the
 * syscall's exit, and the model adds the start time, the parent's identity and the arguments. For
 * an exec the record shows the program just started, while the event's process is the caller
 * before the exec: the model keeps the record's pid, ppid, uid and gid, and gives the caller's
 * executable, comm, effective ids and arguments when it can tell them. A URINGOP record has no
 * {@code exe} or {@code comm}: those come from the model as well (or from the SYSCALL record of
 * {@code io_uring_enter} when the operation ran inline).
 *
 * <h2>Paths</h2>
 * The PATH record names the file as the call named it. A name relative to the working directory is
 * joined with the CWD record; a name relative to a directory descriptor with the descriptor's path
 * ({@code /proc/PID/fd/N}), trusted when it is still the directory the PARENT record names (same
 * device and inode) or when the joined path turns out to be the file. The joined path is then made
 * canonical (opened with {@code O_PATH}, its name read back from {@code /proc/self/fd}) and kept
 * only when that is the PATH record's file ({@link PathState#EXACT}); otherwise the joined path is
 * given as it was ({@link PathState#APPROXIMATE}), or the bare name when the descriptor could not
 * be resolved ({@link PathState#RELATIVE}). For an ELF exec the SYSCALL record's {@code exe} is the
 * kernel's own path of the executed file, used when its inode is PATH item 0's.
 *
 * <h2>Exec</h2>
 * For an ELF file the EXECVE record's arguments are exact. For a {@code #!} script the kernel
 * rewrote them for the interpreter (interpreter, optional argument, the script's path as the kernel
 * passed it, then {@code argv[1..]}): the event gives the script's path and {@code argv[1..]},
 * {@link Accuracy#APPROXIMATE} ({@code argv[0]} is lost). The interpreter is the name of PATH item
 * 1: the script's {@code #!} path or the ELF file's {@code PT_INTERP}; none for a static ELF file.
 *
 * <h2>Other fields</h2>
 * File identity from the PATH record ({@code dev}, {@code inode}; no change time). Open flags:
 * {@code a1} of open, {@code a2} of openat, {@code oflag} of the OPENAT2 record,
 * {@code O_CREAT|O_WRONLY|O_TRUNC} for creat. Bind and connect: the SOCKADDR record; socket type
 * unknown (-1); an io_uring bind or connect has no address when its event cannot tell which
 * operation the one SOCKADDR record belongs to ({@link #sockaddrIsThisOperations}). UringCmd: audit does not report the command's op ({@code commandOp} -1) nor its
 * file.
 */
final class AuditRawEvent extends RawEvent {

    /** The kinds audit reports. */
    static final List<EventKind> KINDS = List.of(EventKind.EXEC, EventKind.FILE_OPEN, EventKind.SOCKET_BIND,
            EventKind.URING_CMD, EventKind.SOCKET_CONNECT);
    static final int UNKNOWN_OP = -1;

    private static final int AT_FDCWD = Fcntl.AT_FDCWD;
    private static final int O_CREAT_WRONLY_TRUNC = 0x241;
    /** {@code O_NOFOLLOW}: 0400000 on x86-64, 0100000 on aarch64. */
    private static final int O_NOFOLLOW = Arch.AARCH64 ? 0x8000 : 0x2_0000;
    private static final long EAGAIN_EXIT = -Errno.EAGAIN;
    /**
     * How far before the record's time the event may have happened: audit stamps the coarse wall
     * clock (one tick late at most) in milliseconds (truncated).
     */
    private static final long CLOCK_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final byte[] DELETED = " (deleted)".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROC = "/proc/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FD = "/fd/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXE = "/exe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DEV_FD = "/dev/fd/".getBytes(StandardCharsets.US_ASCII);

    private final NativeOps ops;
    private final ProcFiles proc;
    private final ProcessModel model;
    private final Map<EventKind, Mode> modes;
    private final boolean successOnly;
    private final NativeBuffer pathBuf;
    private final byte[] scratch = new byte[MAX_PATH];
    private final byte[] name = new byte[MAX_PATH];
    private final byte[] joined = new byte[MAX_PATH];
    private final byte[] exe = new byte[MAX_PATH];
    private final byte[] procPath = new byte[64];

    private AuditEvent event;
    private int syscallIndex;
    private int uringIndex;
    private int syscallNr;
    private Syscalls.Abi abi;
    private int dirfd;
    private boolean partial;
    private ProcessInfo process;

    // exec, resolved once per event
    private boolean execAnalyzed;
    private int exeLength;
    private boolean exeIsFile;
    private boolean exeDeleted;
    private boolean script;
    private List<String> argv;
    private Accuracy argvAccuracy;
    private String interpreter;

    /**
     * @param ops the native layer
     * @param proc the reader thread's /proc reader (closed by the owner)
     * @param model the process model
     * @param modes the kinds routed to this backend
     * @param successOnly whether only successful calls are reported (connects always are)
     */
    AuditRawEvent(NativeOps ops, ProcFiles proc, ProcessModel model, Map<EventKind, Mode> modes, boolean successOnly) {
        this.ops = ops;
        this.proc = proc;
        this.model = model;
        this.modes = Map.copyOf(modes);
        this.successOnly = successOnly;
        this.pathBuf = ops.allocate(MAX_PATH + 1);
    }

    private void start(AuditEvent e) {
        this.event = e;
        this.partial = false;
        this.process = null;
        this.execAnalyzed = false;
        this.argv = null;
        this.interpreter = null;
        this.syscallIndex = e.indexOf(AuditType.SYSCALL);
        this.uringIndex = -1;
        this.abi = null;
        this.syscallNr = -1;
        this.dirfd = AT_FDCWD;
    }

    /**
     * Points at the syscall of an event (its SYSCALL record).
     *
     * @param e the reassembled event
     * @param receivedNanos when it was read
     * @return false when the event is not one esf4j delivers (no SYSCALL record, another rule's
     *         syscall, a failed call when only successes are wanted, an unsubscribed kind); then
     *         {@link #partial()} says whether its SYSCALL record was lost
     */
    boolean loadSyscall(AuditEvent e, long receivedNanos) {
        start(e);
        if (syscallIndex < 0) {
            partial = e.indexOf(AuditType.URINGOP) < 0 && isPartial(e);
            return false;
        }
        AuditRecord sc = e.record(syscallIndex);
        int arch = (int) num(sc, "arch", 16, 0);
        int nr = (int) num(sc, "syscall", 10, -1);
        abi = Syscalls.abi(arch);
        syscallNr = nr;
        boolean ok = yes(sc);
        EventKind kind;
        int flags = -1;
        switch (Syscalls.kind(arch, nr)) {
            case EXEC -> {
                kind = EventKind.EXEC;
                dirfd = nr == abi.execveat() ? (int) num(sc, "a0", 16, AT_FDCWD) : AT_FDCWD;
            }
            case OPEN -> {
                kind = EventKind.FILE_OPEN;
                flags = (int) num(sc, "a1", 16, -1);
            }
            case CREAT -> {
                kind = EventKind.FILE_OPEN;
                flags = O_CREAT_WRONLY_TRUNC;
            }
            case OPENAT -> {
                kind = EventKind.FILE_OPEN;
                flags = (int) num(sc, "a2", 16, -1);
                dirfd = (int) num(sc, "a0", 16, AT_FDCWD);
            }
            case OPENAT2 -> {
                kind = EventKind.FILE_OPEN;
                AuditRecord o2 = e.first(AuditType.OPENAT2);
                flags = o2 == null ? -1 : (int) num(o2, "oflag", 16, -1);
                dirfd = (int) num(sc, "a0", 16, AT_FDCWD);
            }
            case BIND -> kind = EventKind.SOCKET_BIND;
            case CONNECT -> kind = EventKind.SOCKET_CONNECT;
            case SOCKETCALL -> {
                long call = num(sc, "a0", 16, -1);
                if (call == Syscalls.SYS_BIND) {
                    kind = EventKind.SOCKET_BIND;
                } else if (call == Syscalls.SYS_CONNECT) {
                    kind = EventKind.SOCKET_CONNECT;
                } else {
                    return false;
                }
            }
            default -> {
                return false;
            }
        }
        // connects are reported whether they succeed or not (EINPROGRESS is how non-blocking ones start)
        if (successOnly && !ok && kind != EventKind.SOCKET_CONNECT) {
            return false;
        }
        return begin(kind, (int) num(sc, "pid", 10, -1), receivedNanos, flags);
    }

    /**
     * Points at one io_uring operation of an event (its URINGOP record {@code index}). One event
     * may hold several: the operations an {@code io_uring_enter} ran inline share its serial, and
     * so do the attempts of one operation that the kernel retried (a connect's first attempt ends
     * with {@code EAGAIN} when it is in progress; only the last attempt is reported).
     *
     * @param e the reassembled event
     * @param index the URINGOP record's index
     * @param receivedNanos when it was read
     * @return false when the operation is not one esf4j delivers
     */
    boolean loadUring(AuditEvent e, int index, long receivedNanos) {
        start(e);
        AuditRecord u = e.record(index);
        if (u == null || u.type() != AuditType.URINGOP) {
            return false;
        }
        uringIndex = index;
        int op = (int) num(u, "uring_op", 10, -1);
        EventKind kind;
        if (op == Syscalls.IORING_OP_URING_CMD) {
            kind = EventKind.URING_CMD;
        } else if (op == Syscalls.IORING_OP_BIND) {
            kind = EventKind.SOCKET_BIND;
        } else if (op == Syscalls.IORING_OP_CONNECT) {
            kind = EventKind.SOCKET_CONNECT;
            if (num(u, "exit", 10, 0) == EAGAIN_EXIT && retriedLater(e, index, op)) {
                return false;
            }
        } else {
            return false;
        }
        if (successOnly && kind != EventKind.SOCKET_CONNECT && u.indexOf("success") >= 0 && !yes(u)) {
            return false;
        }
        int pid = (int) num(u, "pid", 10, -1);
        if (syscallIndex >= 0 && num(e.record(syscallIndex), "pid", 10, -1) != pid) {
            syscallIndex = -1; // not the io_uring_enter of this operation's process
        }
        return begin(kind, pid, receivedNanos, -1);
    }

    private static boolean retriedLater(AuditEvent e, int index, int op) {
        for (int i = index + 1; i < e.recordCount(); i++) {
            if (e.recordType(i) == AuditType.URINGOP && num(e.record(i), "uring_op", 10, -1) == op) {
                return true;
            }
        }
        return false;
    }

    private boolean begin(EventKind kind, int pid, long receivedNanos, int flags) {
        Mode mode = modes.get(kind);
        if (mode == null || pid <= 0) {
            return false;
        }
        reset(kind, mode, pid, -1, 0, receivedNanos, 0, flags);
        if (kind == EventKind.EXEC || kind == EventKind.FILE_OPEN) {
            AuditRecord p = targetRecord();
            if (p != null && inode(p) >= 0) {
                fileId(device(p), inode(p), 0);
            }
        } else if (kind == EventKind.SOCKET_BIND || kind == EventKind.SOCKET_CONNECT) {
            socketFromSockaddr();
        } else if (kind == EventKind.URING_CMD) {
            uringOp(UNKNOWN_OP);
        }
        return true;
    }

    /**
     * @return whether the last load refused an event because its SYSCALL or URINGOP record was
     *         lost (records that only syscall events have arrived without it)
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

    // ------------------------------------------------------------------ records

    /** The PATH record naming the file itself (the first that is not a parent directory), or null. */
    private AuditRecord targetRecord() {
        AuditEvent e = event;
        for (int i = 0; i < e.recordCount(); i++) {
            if (e.recordType(i) == AuditType.PATH && !isParent(e.record(i))) {
                return e.record(i);
            }
        }
        return null;
    }

    /** The PATH record of the parent directory, or null. */
    private AuditRecord parentRecord() {
        AuditEvent e = event;
        for (int i = 0; i < e.recordCount(); i++) {
            if (e.recordType(i) == AuditType.PATH && isParent(e.record(i))) {
                return e.record(i);
            }
        }
        return null;
    }

    /** The PATH record with {@code item=n}, or null. */
    private AuditRecord pathItem(int n) {
        AuditEvent e = event;
        for (int i = 0; i < e.recordCount(); i++) {
            if (e.recordType(i) == AuditType.PATH && num(e.record(i), "item", 10, -1) == n) {
                return e.record(i);
            }
        }
        return null;
    }

    private static boolean isParent(AuditRecord p) {
        int nt = p.indexOf("nametype");
        return nt >= 0 && p.valueLength(nt) == 6 && p.buffer()[p.valueOffset(nt)] == 'P'; // PARENT
    }

    private static long inode(AuditRecord p) {
        return num(p, "inode", 10, -1);
    }

    private static long device(AuditRecord p) {
        int d = p.indexOf("dev");
        return d < 0 ? -1 : device(p.buffer(), p.valueOffset(d), p.valueLength(d));
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

    /** The decoded value of a record's field into {@code dst}, or -1 when absent or {@code (null)}. */
    private static int decode(AuditRecord r, String key, byte[] dst) {
        int i = r == null ? -1 : r.indexOf(key);
        return i < 0 || r.isNull(i) ? -1 : r.decode(i, dst, 0);
    }

    private static String string(AuditRecord r, String key) {
        int i = r == null ? -1 : r.indexOf(key);
        return i < 0 || r.isNull(i) ? "" : r.string(i);
    }

    private void socketFromSockaddr() {
        if (uringIndex >= 0 && !sockaddrIsThisOperations()) {
            socket(0, "", 0, -1); // another operation's address, maybe: none rather than a wrong one
            return;
        }
        int n = decode(event.first(AuditType.SOCKADDR), "saddr", scratch);
        int family = n <= 0 ? 0 : SockAddr.family(scratch, n);
        switch (family) {
            case SockAddr.AF_INET -> socket(family, scratch, 4, 4, SockAddr.port(scratch, n), -1);
            case SockAddr.AF_INET6 -> socket(family, scratch, 8, 16, SockAddr.port(scratch, n), -1);
            case SockAddr.AF_UNIX -> socket(family, SockAddr.address(scratch, n), 0, -1);
            default -> socket(family, "", 0, -1);
        }
    }

    /**
     * Whether the event's SOCKADDR record is the address of this io_uring operation. The kernel
     * keeps one socket address per syscall, the last one a bind or connect copied in (when it
     * prepared the operation), and logs it once at the syscall's exit; the operations an
     * {@code io_uring_enter} ran inline share that syscall's event, each with a URINGOP record. So
     * the address is this operation's only when the event holds one SOCKADDR record and one bind or
     * connect (a connect's attempts that the kernel retried count once), and the syscall, if any,
     * is an {@code io_uring_enter} that submitted at most one operation ({@code a1}): several
     * binds or connects submitted together are all given without an address. An operation run on
     * its own (an io-wq worker, task work after the syscall) has an event of its own. The records
     * cannot tell one case apart: a ring set up with {@code IORING_SETUP_DEFER_TASKRUN} that
     * submits one bind or connect with {@code IOSQE_ASYNC} (prepared here, run by a worker) in the
     * {@code io_uring_enter} that retries an earlier connect; that retry would show the new
     * operation's address.
     */
    private boolean sockaddrIsThisOperations() {
        AuditEvent e = event;
        int sockaddrs = 0;
        int operations = 0;
        for (int i = 0; i < e.recordCount(); i++) {
            int t = e.recordType(i);
            if (t == AuditType.SOCKADDR) {
                sockaddrs++;
            } else if (t == AuditType.URINGOP) {
                AuditRecord u = e.record(i);
                int op = (int) num(u, "uring_op", 10, -1);
                boolean retried = op == Syscalls.IORING_OP_CONNECT && num(u, "exit", 10, 0) == EAGAIN_EXIT
                        && retriedLater(e, i, op);
                if ((op == Syscalls.IORING_OP_BIND || op == Syscalls.IORING_OP_CONNECT) && !retried) {
                    operations++;
                }
            }
        }
        if (sockaddrs != 1 || operations != 1) {
            return false;
        }
        int sc = e.indexOf(AuditType.SYSCALL);
        if (sc < 0) {
            return true;
        }
        AuditRecord r = e.record(sc);
        long submitted = num(r, "a1", 16, -1);
        return num(r, "syscall", 10, -1) == Syscalls.IO_URING_ENTER && submitted >= 0 && submitted <= 1;
    }

    // ------------------------------------------------------------------ paths

    @Override
    protected int loadTargetPath(byte[] dst) {
        EventKind k = kind();
        if (k == EventKind.EXEC) {
            return execPath(dst);
        }
        if (k == EventKind.FILE_OPEN) {
            AuditRecord p = targetRecord();
            return p == null ? -Errno.ENOENT : resolve(p, dirfd, dst);
        }
        return -Errno.ENOENT; // sockets; uring commands name no file
    }

    private int execPath(byte[] dst) {
        analyzeExec();
        AuditRecord item0 = pathItem(0);
        if (item0 == null) {
            return -Errno.ENOENT;
        }
        if (exeIsFile || (exeDeleted && !script)) {
            // an ELF file: the kernel's own path of it (the last name it had when it was unlinked)
            System.arraycopy(exe, 0, dst, 0, exeLength);
            targetPathState(exeDeleted ? PathState.DELETED : PathState.EXACT);
            return exeLength;
        }
        return resolve(item0, dirfd, dst);
    }

    /**
     * The path of PATH record {@code p} as the call named it, relative to {@code dirfd}
     * ({@code AT_FDCWD}: the CWD record), made canonical when it can be checked.
     */
    private int resolve(AuditRecord p, int dirfd, byte[] dst) {
        int n = decode(p, "name", name);
        if (n < 0) {
            return -Errno.ENOENT;
        }
        long dev = device(p);
        long ino = inode(p);
        int j;
        boolean trusted;
        if (n > 0 && name[0] == '/') {
            j = copy(name, n, joined, 0);
            trusted = true;
        } else if (dirfd == AT_FDCWD) {
            int c = decode(event.first(AuditType.CWD), "cwd", joined);
            if (c <= 0 || joined[0] != '/') {
                return relative(n, dst);
            }
            j = join(joined, c, name, n);
            trusted = true;
        } else {
            int c = proc.processFdPath(pid(), dirfd, joined);
            boolean named = c > 0 && joined[0] == '/';
            if (n == 0) {
                // AT_EMPTY_PATH: the descriptor is the file itself
                if (named && fdIs(pid(), dirfd, dev, ino)) {
                    boolean deleted = endsWith(joined, c, DELETED);
                    int m = copy(joined, deleted ? c - DELETED.length : c, dst, 0);
                    targetPathState(deleted ? PathState.DELETED : PathState.EXACT);
                    return m;
                }
                return -Errno.ENOENT;
            }
            if (!named || endsWith(joined, c, DELETED)) {
                return relative(n, dst);
            }
            j = join(joined, c, name, n);
            trusted = j > 0 && parentIsDirectory(dirfd, c, j);
        }
        if (j <= 0) {
            return relative(n, dst);
        }
        int m = canonical(joined, j, dev, ino, dst);
        if (m > 0) {
            return m;
        }
        if (!trusted) {
            return relative(n, dst);
        }
        targetPathState(PathState.APPROXIMATE);
        return copy(joined, j, dst, 0);
    }

    /** The name as the call gave it, relative to a directory that could not be resolved. */
    private int relative(int n, byte[] dst) {
        if (n <= 0) {
            return -Errno.ENOENT;
        }
        targetPathState(PathState.RELATIVE);
        return copy(name, n, dst, 0);
    }

    /**
     * Whether the directory the name was resolved in ({@code joined[0, j)} without its last
     * component; {@code dirLength} is the descriptor's path) is the one the PARENT record names.
     */
    private boolean parentIsDirectory(int fd, int dirLength, int j) {
        AuditRecord parent = parentRecord();
        if (parent == null || inode(parent) < 0) {
            return false;
        }
        long dev = device(parent);
        long ino = inode(parent);
        int end = j;
        while (end > 1 && joined[end - 1] == '/') {
            end--;
        }
        while (end > 0 && joined[end - 1] != '/') {
            end--;
        }
        while (end > 1 && joined[end - 1] == '/') {
            end--;
        }
        if (end <= dirLength) {
            return fdIs(pid(), fd, dev, ino); // the name has no directory part: the descriptor is the parent
        }
        return proc.stat(joined, end) == 0 && proc.statDevice() == dev && proc.statInode() == ino;
    }

    /** Whether {@code /proc/PID/fd/FD} (the file, even unlinked) is the file {@code (dev, ino)}. */
    private boolean fdIs(int pid, int fd, long dev, long ino) {
        if (ino < 0) {
            return false;
        }
        int at = copy(PROC, PROC.length, procPath, 0);
        at = decimal(pid, procPath, at);
        at += copy(FD, FD.length, procPath, at);
        at = decimal(fd, procPath, at);
        return proc.stat(procPath, at) == 0 && proc.statDevice() == dev && proc.statInode() == ino;
    }

    /**
     * The kernel's name of the file at {@code p[0, n)}, when that is the file {@code (dev, ino)}:
     * opened with {@code O_PATH} (symbolic links followed; not followed on a second try, for a
     * call that opened a link itself), its name read from {@code /proc/self/fd}. Sets the path
     * state.
     *
     * @return the length written to {@code dst}, or -1
     */
    private int canonical(byte[] p, int n, long dev, long ino, byte[] dst) {
        if (ino < 0 || n >= MAX_PATH) {
            return -1;
        }
        for (int follow = 0; follow < 2; follow++) {
            pathBuf.buffer().put(0, p, 0, n).put(n, (byte) 0);
            int fd = ops.open(pathBuf.address(), Fcntl.O_PATH | Fcntl.O_CLOEXEC | (follow == 0 ? 0 : O_NOFOLLOW), 0);
            if (fd < 0) {
                return -1;
            }
            try {
                if (proc.fstat(fd) == 0 && proc.statDevice() == dev && proc.statInode() == ino) {
                    int m = proc.fdPath(fd, dst);
                    if (m <= 0 || dst[0] != '/') {
                        return -1;
                    }
                    // the descriptor follows the file: renamed between the open and the read-back,
                    // it gives a name the file got after the event. Kept only while the path still
                    // names the file (stat follows links: checked where the open did too).
                    if (follow == 0 && (proc.stat(p, n) != 0 || proc.statDevice() != dev
                            || proc.statInode() != ino)) {
                        return -1;
                    }
                    boolean deleted = endsWith(dst, m, DELETED); // unlinked since it was opened
                    targetPathState(deleted ? PathState.DELETED : PathState.EXACT);
                    return deleted ? m - DELETED.length : m;
                }
            } finally {
                ops.close(fd);
            }
        }
        return -1;
    }

    private static int join(byte[] dir, int d, byte[] n, int len) {
        int at = d;
        if (len > 0 && at > 0 && dir[at - 1] != '/') {
            if (at >= dir.length) {
                return -1;
            }
            dir[at++] = '/';
        }
        if (at + len > dir.length) {
            return -1;
        }
        System.arraycopy(n, 0, dir, at, len);
        return at + len;
    }

    private static int copy(byte[] src, int n, byte[] dst, int at) {
        int m = Math.max(0, Math.min(n, dst.length - at));
        System.arraycopy(src, 0, dst, at, m);
        return m;
    }

    private static int decimal(int v, byte[] dst, int at) {
        int x = Math.max(v, 0);
        int digits = 1;
        for (int t = x; t >= 10; t /= 10) {
            digits++;
        }
        for (int i = digits - 1; i >= 0; i--, x /= 10) {
            dst[at + i] = (byte) ('0' + x % 10);
        }
        return at + digits;
    }

    private static boolean endsWith(byte[] b, int n, byte[] suffix) {
        if (n < suffix.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (b[n - suffix.length + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ exec

    /**
     * Tells an ELF exec from a script's (the kernel rewrote a script's arguments for its
     * interpreter), and decodes the arguments and the interpreter.
     */
    private void analyzeExec() {
        if (execAnalyzed) {
            return;
        }
        execAnalyzed = true;
        AuditRecord sc = syscallIndex < 0 ? null : event.record(syscallIndex);
        AuditRecord item0 = pathItem(0);
        exeLength = 0;
        exeIsFile = false;
        exeDeleted = false;
        if (sc != null && yes(sc) && item0 != null) {
            // after a successful exec, exe= is the kernel's path of the program now running
            int n = decode(sc, "exe", exe);
            if (n > 0 && exe[0] == '/') {
                exeDeleted = endsWith(exe, n, DELETED);
                exeLength = exeDeleted ? n - DELETED.length : n;
                exeIsFile = !exeDeleted && proc.stat(exe, exeLength) == 0 && proc.statDevice() == device(item0)
                        && proc.statInode() == inode(item0);
            }
        }
        AuditRecord item1 = pathItem(1);
        interpreter = string(item1, "name");
        List<String> args = event.argv();
        boolean truncated = event.argvTruncated();
        script = false;
        int from = 0;
        if (!exeIsFile && item1 != null && args.size() >= 2 && isInterpreterName(args.get(0))) {
            // [interpreter, (argument), script as the kernel passed it, argv[1..]]; nested scripts
            // put their interpreters and arguments in front
            String filename = kernelFilename(item0);
            for (int k = 1; k < args.size() && k <= 2 * 5; k++) {
                if (args.get(k).equals(filename)) {
                    script = true;
                    from = k;
                    break;
                }
            }
        }
        if (event.indexOf(AuditType.EXECVE) < 0) {
            argv = List.of();
            argvAccuracy = Accuracy.UNKNOWN;
        } else if (script) {
            argv = args.subList(from, args.size());
            argvAccuracy = Accuracy.APPROXIMATE;
        } else {
            argv = args;
            argvAccuracy = truncated ? Accuracy.APPROXIMATE : Accuracy.EXACT;
        }
    }

    /** Whether a string is the name of a PATH item after the first (an interpreter). */
    private boolean isInterpreterName(String s) {
        AuditEvent e = event;
        for (int i = 0; i < e.recordCount(); i++) {
            if (e.recordType(i) == AuditType.PATH) {
                AuditRecord p = e.record(i);
                if (num(p, "item", 10, -1) >= 1 && s.equals(string(p, "name"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The script's name as the kernel passes it to the interpreter ({@code bprm->filename}): the
     * name the call gave, or {@code /dev/fd/N[/name]} for a name relative to a descriptor.
     */
    private String kernelFilename(AuditRecord item0) {
        String n = string(item0, "name");
        if (abi == null || syscallNr != abi.execveat() || dirfd == AT_FDCWD || n.startsWith("/")) {
            return n;
        }
        String dev = new String(DEV_FD, StandardCharsets.US_ASCII) + dirfd;
        return n.isEmpty() ? dev : dev + "/" + n;
    }

    // ------------------------------------------------------------------ process

    @Override
    protected int loadExecutablePath(byte[] dst) {
        if (kind() != EventKind.EXEC && syscallIndex >= 0) {
            int n = decode(event.record(syscallIndex), "exe", dst);
            if (n > 0) {
                return n;
            }
        }
        String e = process(model).executable();
        byte[] b = e.getBytes(StandardCharsets.UTF_8);
        return copy(b, b.length, dst, 0);
    }

    @Override
    protected void loadFileId() {
        // set up front by the load; binds, connects and uring commands have none
    }

    @Override
    public ProcessInfo process(ProcessModel m) {
        if (process != null) {
            return process;
        }
        long lo = m.monotonicFromRealtime(TimeUnit.SECONDS.toNanos(event.seconds())
                + TimeUnit.MILLISECONDS.toNanos(event.millis())) - CLOCK_SLACK_NANOS;
        long hi = Math.max(receivedNanos(), lo);
        AuditRecord sc = syscallIndex < 0 ? null : event.record(syscallIndex);
        AuditRecord r = uringIndex >= 0 ? event.record(uringIndex) : sc;
        int ppid = (int) num(r, "ppid", 10, -1);
        int uid = (int) num(r, "uid", 10, -1);
        int gid = (int) num(r, "gid", 10, -1);
        if (kind() == EventKind.EXEC) {
            process = callerOfExec(m, sc, lo, hi, ppid, uid, gid);
        } else {
            String exePath;
            String comm;
            if (sc != null) {
                exePath = string(sc, "exe");
                comm = string(sc, "comm");
            } else {
                ProcessInfo d = m.during(pid(), -1, lo, hi);
                exePath = d.executable();
                comm = d.comm();
            }
            process = m.reported(pid(), -1, -1, ppid, -1, uid, (int) num(r, "euid", 10, -1), gid,
                    (int) num(r, "egid", 10, -1), exePath, comm, -1, lo, hi);
        }
        return process;
    }

    /**
     * The process that called this exec, as it was before. The model takes the last exec it saw in
     * the window to be this one; but the window runs until the event was read, and the process may
     * have exec'd again by then. So the answer is kept only when the model, told which program this
     * exec started (the SYSCALL record's {@code exe}, the kernel's path of what now runs, as the
     * model read it from {@code /proc/PID/exe}), gives the same image; otherwise the caller's
     * executable, comm, effective ids and arguments are unknown (pid, ppid, uid and gid stay: an
     * exec does not change them).
     */
    private ProcessInfo callerOfExec(ProcessModel m, AuditRecord sc, long lo, long hi, int ppid, int uid, int gid) {
        ProcessInfo last = m.callerOfExec(pid(), -1, lo, hi, ppid, uid, gid);
        String running = sc == null || !yes(sc) ? "" : string(sc, "exe");
        if (running.isEmpty()) {
            return last;
        }
        ProcessInfo own = m.callerOfCompletedExec(pid(), -1, lo, hi, running, "", ppid, uid, gid);
        if (last.executable().equals(own.executable()) && last.comm().equals(own.comm())
                && last.euid() == own.euid() && last.egid() == own.egid() && last.argv().equals(own.argv())) {
            return last;
        }
        return m.reported(pid(), -1, -1, ppid, -1, uid, -1, gid, -1, "", "", -1, lo, hi);
    }

    // ------------------------------------------------------------------ events

    @Override
    public Event toEvent(EventHeader h) {
        EventKind k = kind();
        if (k == EventKind.EXEC) {
            analyzeExec();
            return execEvent(h, argv, argvAccuracy, interpreter);
        }
        return builtInEvent(h);
    }

    void close() {
        pathBuf.close();
    }
}
