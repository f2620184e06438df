package org.esf4j.backend.bpflsm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.process.ProcessModel;

/**
 * A ring buffer record seen through the engine's {@link RawEvent}: fields are read from the
 * record in place while the engine looks at them, so the reader's fast path copies nothing but
 * what it asks for. Reused for every record by the reader thread.
 *
 * <p>Everything comes from the record, as the kernel saw it at the hook: the process's fields
 * (completed with its arguments by the process model), the target's path (marked
 * {@link PathState#DELETED} when the file had been unlinked, without the kernel's
 * {@code " (deleted)"}), identity and flags, the socket address. Only an ELF file's interpreter is
 * read afterwards, from the file the record names ({@link ElfInterpreter}), and the file's identity
 * is given only where it is the one stat(2) shows ({@link StatDevices}).
 */
final class BpfRawEvent extends RawEvent implements AutoCloseable {

    /** {@code USER_HZ}: the unit of start times in {@code /proc/PID/stat} (100 on every Linux ABI). */
    private static final long NANOS_PER_TICK = 1_000_000_000L / 100;
    private static final int AF_UNIX = 1;
    private static final EventKind[] KINDS = new EventKind[BpfMaps.TYPES];

    static {
        for (EventKind k : EventKind.known()) {
            if (BpfObject.program(k) != null) {
                KINDS[k.id()] = k;
            }
        }
    }

    final EventRecord record = new EventRecord();
    private final NativeOps ops;
    private final byte[] address = new byte[16];
    private final byte[] bytes = new byte[EventRecord.PATH_MAX];
    /** The last AF_UNIX address and its text, reused while the same socket path comes again. */
    private final byte[] lastUnix = new byte[EventRecord.UNIX_PATH_MAX];
    private int lastUnixLength = -1;
    private String lastUnixText = "";
    private ElfInterpreter elf;
    private StatDevices devices;

    BpfRawEvent(NativeOps ops) {
        this.ops = ops;
    }

    /**
     * The kind of a record's type.
     *
     * @param type the record's type ({@link EventKind#id()})
     * @return the kind, or null when the object has no such type
     */
    static EventKind kind(int type) {
        return type > 0 && type < KINDS.length ? KINDS[type] : null;
    }

    /**
     * Points at a record and resets the engine's view.
     *
     * @param kind the record's kind
     * @param mode the client's mode for it
     * @param token what {@link BpfLsmBackend#respond} gets back
     * @param receivedNanos {@link System#nanoTime()} at read
     */
    void load(EventKind kind, Mode mode, long token, long receivedNanos) {
        EventRecord r = record;
        reset(kind, mode, r.pid(), r.tid(), r.ktimeNanos(), receivedNanos, token,
                kind == EventKind.FILE_OPEN ? r.flags() : -1);
        if (mode == Mode.AUTH) {
            kernelDecision(switch (r.verdict()) {
                case EventRecord.DENIED_POLICY -> KernelDecision.DENIED_POLICY;
                case EventRecord.ALLOWED_CACHE -> KernelDecision.ALLOWED_CACHE;
                case EventRecord.DENIED_CACHE -> KernelDecision.DENIED_CACHE;
                default -> KernelDecision.ALLOWED;
            });
        }
        if (kind == EventKind.SOCKET_BIND || kind == EventKind.SOCKET_CONNECT) {
            if (r.family() == AF_UNIX) {
                socket(AF_UNIX, unixAddress(), 0, r.socketType());
            } else {
                socket(r.family(), address, 0, r.address(address), r.port(), r.socketType());
            }
        } else if (kind == EventKind.URING_CMD) {
            fileId(r.device(), r.inode(), r.changeTimeNanos());
            uringOp(r.flags());
        } else if (identityAsStat(r)) {
            fileId(r.device(), r.inode(), r.changeTimeNanos());
        } else {
            fileId(0, 0, 0); // absent: not the identity stat shows (see StatDevices)
        }
    }

    /** Whether the record's (device, inode) is the identity stat(2) shows for the file. */
    private boolean identityAsStat(EventRecord r) {
        if (!r.statDeviceMayDiffer()) {
            return true;
        }
        if (devices == null) {
            devices = new StatDevices(ops);
        }
        int known = devices.known(r.device());
        if (known != StatDevices.UNKNOWN) {
            return known == StatDevices.SAME;
        }
        int n = r.unlinked() ? 0 : r.path(bytes);
        return devices.learn(r.device(), r.inode(), bytes, Math.max(n, 0));
    }

    /**
     * A unix socket's address as {@link org.esf4j.api.SocketBindEvent#address()} gives it: the
     * path up to its NUL, {@code @name} for the abstract namespace, "" for an unnamed socket.
     * Allocates only when the address differs from the last one.
     */
    private String unixAddress() {
        int n = record.unixPath(bytes);
        if (n == lastUnixLength && Arrays.equals(bytes, 0, n, lastUnix, 0, n)) {
            return lastUnixText;
        }
        String text;
        if (n == 0) {
            text = "";
        } else if (bytes[0] == 0) {
            text = "@" + new String(bytes, 1, n - 1, StandardCharsets.UTF_8);
        } else {
            int end = 0;
            while (end < n && bytes[end] != 0) {
                end++;
            }
            text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        }
        System.arraycopy(bytes, 0, lastUnix, 0, n);
        lastUnixLength = n;
        lastUnixText = text;
        return text;
    }

    /**
     * The target's path: bpf_d_path's for exec and open (without the {@code " (deleted)"} the
     * kernel appends to an unlinked file's path, which is then {@link PathState#DELETED}); the
     * file's own name for a uring command and for an executable mapping denied in
     * {@code file_mprotect}, which cannot resolve a path ({@link PathState#RELATIVE}); none for
     * sockets.
     */
    @Override
    protected int loadTargetPath(byte[] dst) {
        EventKind k = kind();
        if (k == EventKind.SOCKET_BIND || k == EventKind.SOCKET_CONNECT) {
            return -Errno.ENOENT;
        }
        int n = record.path(dst);
        if (n <= 0) {
            return -Errno.ENOENT;
        }
        if (k == EventKind.URING_CMD || record.nameOnly()) {
            targetPathState(PathState.RELATIVE);
        } else if (record.unlinked()) {
            targetPathState(PathState.DELETED);
            int kept = withoutDeletedSuffix(dst, n);
            if (kept > 0) {
                n = kept;
            }
        }
        return n;
    }

    @Override
    protected int loadExecutablePath(byte[] dst) {
        int n = record.executable(dst);
        return n > 0 ? n : -Errno.ENOENT;
    }

    @Override
    protected void loadFileId() {
        // set up front by load(); sockets have none
    }

    @Override
    public Event toEvent(EventHeader h) {
        return kind() == EventKind.EXEC ? execEvent(h, List.of(), Accuracy.UNKNOWN, interpreter()) : builtInEvent(h);
    }

    /**
     * The interpreter of the executed file: a script's {@code #!} word as the kernel read it, or an
     * ELF file's {@code PT_INTERP} read from that file; "" otherwise.
     */
    private String interpreter() {
        int n = record.interpreter(bytes);
        if (n > 0) {
            return new String(bytes, 0, n, StandardCharsets.UTF_8);
        }
        if (record.startsWithShebang() || !record.mayBeElf()) {
            return "";
        }
        int len = targetPathLength();
        if (len == 0 || targetPathState() != PathState.EXACT) {
            return "";
        }
        if (elf == null) {
            elf = new ElfInterpreter(ops);
        }
        return elf.of(targetPath(), len, record.device(), record.inode());
    }

    /**
     * The acting process: every field as the kernel reported it at the hook, identities included
     * (start times in clock ticks, as {@code /proc} gives them); the model adds the arguments.
     */
    @Override
    public ProcessInfo process(ProcessModel model) {
        EventRecord r = record;
        int n = executablePathLength();
        String exe = n > 0 ? new String(executablePath(), 0, n, StandardCharsets.UTF_8) : "";
        long t = r.ktimeNanos();
        return model.reported(r.pid(), r.tid(), r.startNanos() / NANOS_PER_TICK, r.ppid(),
                r.parentStartNanos() / NANOS_PER_TICK, r.uid(), r.euid(), r.gid(), r.egid(), exe, r.commString(),
                r.cgroupId(), t, t);
    }

    /** Frees the ELF reader and the stat buffer; after the reader thread has stopped. */
    @Override
    public void close() {
        if (elf != null) {
            elf.close();
            elf = null;
        }
        if (devices != null) {
            devices.close();
            devices = null;
        }
    }
}
