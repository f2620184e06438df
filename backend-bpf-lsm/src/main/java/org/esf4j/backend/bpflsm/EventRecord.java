package org.esf4j.backend.bpflsm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over one ring buffer record ({@code struct esf4j_event} in
 * {@code src/main/bpf/esf4j.h}). Wrap the ring buffer's memory at a record's offset and read the
 * fields in place: nothing is copied or allocated, except by the {@code *String} accessors. Valid
 * only until the record is released to the kernel.
 *
 * <pre>
 *   0 type u32 | 4 verdict u32 | 8 ktime_ns u64 (CLOCK_MONOTONIC at the hook)
 *  16 pid u32 | 20 tid u32 | 24 ppid u32 | 28 uid u32 | 32 euid u32 | 36 gid u32 | 40 egid u32
 *  44 flags u32 (open f_flags, uring cmd op) | 48 cgroup_id u64 | 56 dev u64 | 64 ino u64
 *  72 ctime_ns u64 | 80 exe_dev u64 | 88 exe_ino u64 | 96 family u16 | 98 port u16
 * 100 sock_type u32 | 104 addr[16] | 120 comm[16] | 136 path_len s32 | 140 exe_len s32
 * 144 path[256] | 400 exe[256] | 656 start_ns u64 | 664 parent_start_ns u64 | 672 state u32
 * 676 interp_off u16 | 678 interp_len u16 | 680 interp[256]                 936 bytes
 * </pre>
 * {@code path_len} and {@code exe_len} are {@code bpf_d_path}'s results: the length including the
 * terminating NUL, or a negative errno; for {@code uring_cmd} (no {@code bpf_d_path} there) the
 * path is only the file's name; for an AF_UNIX bind or connect, {@code path} holds the
 * {@code sun_path} bytes and {@code path_len} their count. The start times are
 * {@code start_boottime} (ns since boot) of the process and of its parent's process; for exec,
 * {@code interp[interp_off, interp_off + interp_len)} is the interpreter a script's {@code #!}
 * line names.
 */
final class EventRecord {

    static final int TYPE = 0;
    static final int VERDICT = 4;
    static final int KTIME_NS = 8;
    static final int PID = 16;
    static final int TID = 20;
    static final int PPID = 24;
    static final int UID = 28;
    static final int EUID = 32;
    static final int GID = 36;
    static final int EGID = 40;
    static final int FLAGS = 44;
    static final int CGROUP_ID = 48;
    static final int DEV = 56;
    static final int INO = 64;
    static final int CTIME_NS = 72;
    static final int EXE_DEV = 80;
    static final int EXE_INO = 88;
    static final int FAMILY = 96;
    static final int PORT = 98;
    static final int SOCK_TYPE = 100;
    static final int ADDR = 104;
    static final int COMM = 120;
    static final int PATH_LEN = 136;
    static final int EXE_LEN = 140;
    static final int PATH = 144;
    static final int EXE = 400;
    static final int START_NS = 656;
    static final int PARENT_START_NS = 664;
    static final int STATE = 672;
    static final int INTERP_OFF = 676;
    static final int INTERP_LEN = 678;
    static final int INTERP = 680;
    static final int PATH_MAX = 256;
    static final int COMM_LEN = 16;
    static final int UNIX_PATH_MAX = 108;
    static final int SIZE = 936;

    /** Bits of {@code state} ({@code enum esf4j_state}). */
    static final int UNLINKED = 1;
    static final int STAT_DEV_MAY_DIFFER = 2;
    static final int NAME_ONLY = 4;

    /** Verdicts the kernel took ({@code enum esf4j_verdict}). */
    static final int ALLOWED = 0;
    static final int DENIED_POLICY = 1;
    static final int ALLOWED_CACHE = 2;
    static final int DENIED_CACHE = 3;

    private ByteBuffer buffer;
    private int offset;

    /**
     * Points the flyweight at a record.
     *
     * @param buffer little-endian view of the ring buffer's data pages
     * @param offset where the record starts
     * @return this
     * @throws IndexOutOfBoundsException when the record does not fit in the buffer
     */
    EventRecord wrap(ByteBuffer buffer, int offset) {
        if (buffer.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("the ring buffer view must be little-endian");
        }
        if (offset < 0 || offset > buffer.capacity() - SIZE) {
            throw new IndexOutOfBoundsException("record at " + offset + " does not fit in " + buffer.capacity());
        }
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    int type() {
        return buffer.getInt(offset + TYPE);
    }

    int verdict() {
        return buffer.getInt(offset + VERDICT);
    }

    boolean denied() {
        int v = verdict();
        return v == DENIED_POLICY || v == DENIED_CACHE;
    }

    long ktimeNanos() {
        return buffer.getLong(offset + KTIME_NS);
    }

    int pid() {
        return buffer.getInt(offset + PID);
    }

    int tid() {
        return buffer.getInt(offset + TID);
    }

    int ppid() {
        return buffer.getInt(offset + PPID);
    }

    int uid() {
        return buffer.getInt(offset + UID);
    }

    int euid() {
        return buffer.getInt(offset + EUID);
    }

    int gid() {
        return buffer.getInt(offset + GID);
    }

    int egid() {
        return buffer.getInt(offset + EGID);
    }

    int flags() {
        return buffer.getInt(offset + FLAGS);
    }

    long cgroupId() {
        return buffer.getLong(offset + CGROUP_ID);
    }

    long device() {
        return buffer.getLong(offset + DEV);
    }

    long inode() {
        return buffer.getLong(offset + INO);
    }

    long changeTimeNanos() {
        return buffer.getLong(offset + CTIME_NS);
    }

    long executableDevice() {
        return buffer.getLong(offset + EXE_DEV);
    }

    long executableInode() {
        return buffer.getLong(offset + EXE_INO);
    }

    int family() {
        return buffer.getShort(offset + FAMILY) & 0xffff;
    }

    int port() {
        return buffer.getShort(offset + PORT) & 0xffff;
    }

    int socketType() {
        return buffer.getInt(offset + SOCK_TYPE);
    }

    /** @return the process's start time, ns since boot ({@code start_boottime}) */
    long startNanos() {
        return buffer.getLong(offset + START_NS);
    }

    /** @return the parent process's start time, ns since boot */
    long parentStartNanos() {
        return buffer.getLong(offset + PARENT_START_NS);
    }

    /**
     * @return whether the target file lies on a file system whose stat(2) may show another device
     *         than the record's ({@link #STAT_DEV_MAY_DIFFER}: overlayfs, btrfs)
     */
    boolean statDeviceMayDiffer() {
        return (buffer.getInt(offset + STATE) & STAT_DEV_MAY_DIFFER) != 0;
    }

    /** @return whether the path is the file's own name, not a resolved path ({@link #NAME_ONLY}) */
    boolean nameOnly() {
        return (buffer.getInt(offset + STATE) & NAME_ONLY) != 0;
    }

    /** @return whether the target file had been unlinked ({@link #UNLINKED}) */
    boolean unlinked() {
        return (buffer.getInt(offset + STATE) & UNLINKED) != 0;
    }

    /**
     * Copies the interpreter a script's {@code #!} line names into {@code dst}.
     *
     * @param dst at least {@value #PATH_MAX} bytes
     * @return the length, 0 when there is none
     */
    int interpreter(byte[] dst) {
        int off = buffer.getShort(offset + INTERP_OFF) & 0xffff;
        int len = buffer.getShort(offset + INTERP_LEN) & 0xffff;
        if (len == 0 || off + len > PATH_MAX || len > dst.length) {
            return 0;
        }
        buffer.get(offset + INTERP + off, dst, 0, len);
        return len;
    }

    /** @return whether the executed file's first bytes (exec, first pass) are a {@code #!} line */
    boolean startsWithShebang() {
        return buffer.get(offset + INTERP) == '#' && buffer.get(offset + INTERP + 1) == '!';
    }

    /**
     * Whether the executed file may be an ELF file: its first bytes are the ELF magic, or the
     * record does not have them (a later binfmt pass).
     */
    boolean mayBeElf() {
        int at = offset + INTERP;
        return buffer.get(at) == 0 || (buffer.get(at) == 0x7f && buffer.get(at + 1) == 'E' && buffer.get(at + 2) == 'L'
                && buffer.get(at + 3) == 'F');
    }

    /**
     * Copies an AF_UNIX address's {@code sun_path} bytes, as the call gave them, into {@code dst}.
     *
     * @param dst at least {@value #UNIX_PATH_MAX} bytes
     * @return how many
     */
    int unixPath(byte[] dst) {
        int n = Math.min(Math.min(buffer.getInt(offset + PATH_LEN), UNIX_PATH_MAX), dst.length);
        if (n <= 0) {
            return 0;
        }
        buffer.get(offset + PATH, dst, 0, n);
        return n;
    }

    /**
     * Copies the path bytes (without the NUL) into {@code dst}.
     *
     * @param dst at least {@value #PATH_MAX} bytes
     * @return the length, 0 when the kernel could not resolve it
     */
    int path(byte[] dst) {
        return copyString(PATH, buffer.getInt(offset + PATH_LEN), dst);
    }

    /** Like {@link #path(byte[])} for the acting executable. */
    int executable(byte[] dst) {
        return copyString(EXE, buffer.getInt(offset + EXE_LEN), dst);
    }

    /** The kernel's command name (allocates). */
    String commString() {
        int n = 0;
        while (n < COMM_LEN && buffer.get(offset + COMM + n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        buffer.get(offset + COMM, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Copies the socket address: 4 bytes for AF_INET, 16 for AF_INET6, none for other families.
     *
     * @param dst at least 16 bytes
     * @return how many
     */
    int address(byte[] dst) {
        int n = family() == 10 ? 16 : family() == 2 ? 4 : 0;
        buffer.get(offset + ADDR, dst, 0, n);
        return n;
    }

    private int copyString(int field, int lenWithNul, byte[] dst) {
        if (lenWithNul <= 0) {
            return 0;
        }
        int max = Math.min(Math.min(lenWithNul, PATH_MAX), dst.length);
        int n = 0;
        while (n < max && buffer.get(offset + field + n) != 0) {
            n++;
        }
        buffer.get(offset + field, dst, 0, n);
        return n;
    }
}
