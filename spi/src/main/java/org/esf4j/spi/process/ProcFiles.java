package org.esf4j.spi.process;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.StructStat;

/**
 * The one reader of {@code /proc} for every backend and the process model: the path of one of
 * this process's file descriptors, a process's executable, {@code stat} (state, ppid, comm, start
 * time), {@code status} (uids, gids), {@code cmdline} and {@code cgroup}, and {@code fstat}. All
 * through the native layer into one native buffer owned by one thread, so that it loads no class,
 * opens no file a fanotify permission mark could catch (procfs raises no fanotify events) and
 * allocates nothing except the strings its {@code *String} methods return.
 *
 * <p>One instance per thread; not thread-safe. Numbers that could not be read are
 * {@link #UNKNOWN}.
 *
 * @since 0.1
 */
public final class ProcFiles implements AutoCloseable {

    /** A number that could not be read. */
    public static final int UNKNOWN = -1;

    private static final byte[] SELF_FD = ascii("/proc/self/fd/");
    private static final byte[] PROC = ascii("/proc/");
    private static final int NAME_CAP = 64;
    private static final int DATA_CAP = 8192;
    /**
     * {@code PIDFD_GET_INFO} ({@code _IOWR(0xFF, 11, struct pidfd_info)}, Linux 6.13+) and its
     * 64-byte struct: mask u64 @0, cgroupid u64 @8, pid u32 @16, tgid @20, ppid @24, ruid @28,
     * rgid @32, euid @36, egid @40, suid @44, sgid @48, fsuid @52, fsgid @56.
     */
    private static final long PIDFD_GET_INFO = 0xC040FF0BL;
    private static final int PIDFD_INFO_SIZE = 64;
    private static final long PIDFD_INFO_PID = 1;
    private static final long PIDFD_INFO_CREDS = 2;
    private static final long PIDFD_INFO_CGROUPID = 4;

    private final NativeOps ops;
    private final NativeBuffer mem;
    private final ByteBuffer bb;
    private final long nameAddr;
    private final long dataAddr;
    private final long statAddr;
    private final int statOffset;
    private final long infoAddr;
    private final int infoOffset;
    /** Whether PIDFD_GET_INFO may work here (false after the kernel refused it once). */
    private boolean pidfdInfo = true;
    private long infoCgroupId;
    private final byte[] data = new byte[DATA_CAP];
    private final byte[] link = new byte[DATA_CAP];
    private int dataLength;

    // results of the last stat()/status() read
    private int state;
    private int ppid;
    private long startTicks;
    private int commStart;
    private int commEnd;
    private int uid;
    private int euid;
    private int gid;
    private int egid;
    private int tgid;

    /**
     * A reader with its own native buffer.
     *
     * @param ops the native layer
     */
    public ProcFiles(NativeOps ops) {
        this.ops = ops;
        this.statOffset = NAME_CAP + DATA_CAP;
        this.infoOffset = statOffset + StructStat.SIZE;
        this.mem = ops.allocate(infoOffset + PIDFD_INFO_SIZE);
        this.bb = mem.buffer();
        this.nameAddr = mem.address();
        this.dataAddr = mem.address() + NAME_CAP;
        this.statAddr = mem.address() + statOffset;
        this.infoAddr = mem.address() + infoOffset;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------ links

    /**
     * The path of one of this process's open file descriptors ({@code /proc/self/fd/N}).
     *
     * @param fd the descriptor
     * @param dst at least 4096 bytes
     * @return the length, or {@code -errno}
     */
    public int fdPath(int fd, byte[] dst) {
        int p = put(0, SELF_FD);
        p = putDecimal(p, fd);
        bb.put(p, (byte) 0);
        return readlink(dst);
    }

    /**
     * The executable of a process ({@code /proc/PID/exe}).
     *
     * @param pid the process
     * @param dst at least 4096 bytes
     * @return the length, or {@code -errno} ({@code -ENOENT} for a zombie or kernel thread)
     */
    public int exePath(int pid, byte[] dst) {
        name(pid, "exe");
        return readlink(dst);
    }

    /**
     * The executable of a process as a string (allocates).
     *
     * @param pid the process
     * @return the path, or "" when it cannot be read
     */
    public String exeString(int pid) {
        int n = exePath(pid, link);
        return n > 0 ? new String(link, 0, n, StandardCharsets.UTF_8) : "";
    }

    /**
     * The target of the link {@code /proc/PID/fd/FD} of another process.
     *
     * @param pid the process
     * @param fd its descriptor
     * @param dst at least 4096 bytes
     * @return the length, or {@code -errno}
     */
    public int processFdPath(int pid, int fd, byte[] dst) {
        int p = put(0, PROC);
        p = putDecimal(p, pid);
        p = putAscii(p, "/fd/");
        p = putDecimal(p, fd);
        bb.put(p, (byte) 0);
        return readlink(dst);
    }

    private int readlink(byte[] dst) {
        long n = ops.readlink(nameAddr, dataAddr, Math.min(dst.length, DATA_CAP));
        if (n < 0) {
            return (int) n;
        }
        bb.get(NAME_CAP, dst, 0, (int) n);
        return (int) n;
    }

    // ------------------------------------------------------------------ fstat

    /**
     * {@code fstat} of a descriptor into this reader's buffer.
     *
     * @param fd the descriptor
     * @return 0 or {@code -errno}
     */
    public int fstat(int fd) {
        return ops.fstat(fd, statAddr);
    }

    /**
     * {@code stat} of the NUL-free path {@code path[0, length)}.
     *
     * @param path the path bytes
     * @param length its length (less than 4096)
     * @return 0 or {@code -errno}
     */
    public int stat(byte[] path, int length) {
        if (length >= DATA_CAP) {
            return -Errno.ENAMETOOLONG;
        }
        bb.put(NAME_CAP, path, 0, length);
        bb.put(NAME_CAP + length, (byte) 0);
        return ops.stat(dataAddr, statAddr);
    }

    /** @return {@code st_dev} of the last successful {@link #fstat} or {@link #stat} */
    public long statDevice() {
        return bb.getLong(statOffset + StructStat.ST_DEV);
    }

    /** @return {@code st_ino} of the last successful {@link #fstat} or {@link #stat} */
    public long statInode() {
        return bb.getLong(statOffset + StructStat.ST_INO);
    }

    /** @return {@code st_mode} of the last successful {@link #fstat} or {@link #stat} */
    public int statMode() {
        return bb.getInt(statOffset + StructStat.ST_MODE);
    }

    /** @return {@code st_nlink} of the last successful {@link #fstat} or {@link #stat} */
    public long statLinks() {
        return StructStat.ST_NLINK_SIZE == 8 ? bb.getLong(statOffset + StructStat.ST_NLINK)
                : bb.getInt(statOffset + StructStat.ST_NLINK) & 0xffff_ffffL;
    }

    /** @return {@code st_ctim} in nanoseconds of the last successful {@link #fstat} or {@link #stat} */
    public long statChangeTimeNanos() {
        return bb.getLong(statOffset + StructStat.ST_CTIM) * 1_000_000_000L
                + bb.getLong(statOffset + StructStat.ST_CTIM + 8);
    }

    // ------------------------------------------------------------------ stat, status

    /**
     * Reads {@code /proc/PID/stat}: {@link #state()}, {@link #ppid()}, {@link #startTicks()} and
     * the comm ({@link #commString()}, {@link #comm(byte[])}).
     *
     * @param pid the process (or a thread id)
     * @return true when it was read
     */
    public boolean stat(int pid) {
        state = 0;
        ppid = UNKNOWN;
        startTicks = UNKNOWN;
        commStart = commEnd = 0;
        int n = readFile(pid, "stat");
        if (n <= 0) {
            return false;
        }
        // "pid (comm) S ppid ... " : comm may hold spaces and ')', so it ends at the last ')'
        int open = indexOf((byte) '(', 0, n);
        int close = lastIndexOf((byte) ')', n);
        if (open < 0 || close < open || close + 2 >= n) {
            return false;
        }
        commStart = open + 1;
        commEnd = close;
        state = data[close + 2];
        int field = 3;
        int p = close + 2;
        while (p < n && field < 22) {
            if (data[p] == ' ') {
                field++;
                if (field == 4) {
                    ppid = (int) parse(p + 1, n);
                }
            }
            p++;
        }
        if (field == 22) {
            startTicks = parse(p, n);
        }
        return startTicks >= 0;
    }

    /** @return the state letter of the last {@link #stat(int)} ({@code 'Z'} for a zombie), 0 if unknown */
    public int state() {
        return state;
    }

    /** @return the ppid of the last {@link #stat(int)} */
    public int ppid() {
        return ppid;
    }

    /** @return the start time in clock ticks since boot of the last {@link #stat(int)} */
    public long startTicks() {
        return startTicks;
    }

    /** @return the comm of the last {@link #stat(int)} (allocates) */
    public String commString() {
        return new String(data, commStart, commEnd - commStart, StandardCharsets.UTF_8);
    }

    /**
     * Copies the comm of the last {@link #stat(int)}.
     *
     * @param dst at least 16 bytes
     * @return its length
     */
    public int comm(byte[] dst) {
        int n = Math.min(commEnd - commStart, dst.length);
        System.arraycopy(data, commStart, dst, 0, n);
        return n;
    }

    /**
     * Reads {@code /proc/PID/status}: {@link #uid()}, {@link #euid()}, {@link #gid()},
     * {@link #egid()}, {@link #tgid()} and (again) {@link #ppid()}.
     *
     * @param pid the process (or a thread id)
     * @return true when it was read
     */
    public boolean status(int pid) {
        uid = euid = gid = egid = tgid = UNKNOWN;
        int n = readFile(pid, "status");
        if (n <= 0) {
            return false;
        }
        int u = find("\nUid:", n);
        if (u >= 0) {
            int p = skipSpace(u + 5, n);
            uid = (int) parse(p, n);
            euid = (int) parse(skipSpace(skipDigits(p, n), n), n);
        }
        int g = find("\nGid:", n);
        if (g >= 0) {
            int p = skipSpace(g + 5, n);
            gid = (int) parse(p, n);
            egid = (int) parse(skipSpace(skipDigits(p, n), n), n);
        }
        int t = find("\nTgid:", n);
        if (t >= 0) {
            tgid = (int) parse(skipSpace(t + 6, n), n);
        }
        int pp = find("\nPPid:", n);
        if (pp >= 0) {
            ppid = (int) parse(skipSpace(pp + 6, n), n);
        }
        return uid != UNKNOWN;
    }

    /** @return real uid of the last {@link #status(int)} */
    public int uid() {
        return uid;
    }

    /** @return effective uid of the last {@link #status(int)} */
    public int euid() {
        return euid;
    }

    /** @return real gid of the last {@link #status(int)} */
    public int gid() {
        return gid;
    }

    /** @return effective gid of the last {@link #status(int)} */
    public int egid() {
        return egid;
    }

    /** @return thread-group id of the last {@link #status(int)} */
    public int tgid() {
        return tgid;
    }

    /**
     * Reads a process's ids through its pidfd ({@code PIDFD_GET_INFO}, Linux 6.13+): one system
     * call instead of {@code status} and {@code cgroup}. Sets {@link #ppid()}, {@link #uid()},
     * {@link #euid()}, {@link #gid()}, {@link #egid()}, {@link #tgid()} and
     * {@link #pidfdCgroupId()}.
     *
     * @param pidfd a pidfd of the process
     * @return false when the kernel has no such call or the process is gone; then nothing is set
     */
    public boolean pidfdInfo(int pidfd) {
        if (!pidfdInfo || pidfd < 0) {
            return false;
        }
        bb.putLong(infoOffset, PIDFD_INFO_PID | PIDFD_INFO_CREDS | PIDFD_INFO_CGROUPID);
        for (int i = 8; i < PIDFD_INFO_SIZE; i += 8) {
            bb.putLong(infoOffset + i, 0);
        }
        int rc = ops.ioctl(pidfd, PIDFD_GET_INFO, infoAddr);
        if (rc < 0) {
            if (rc == -Errno.ENOTTY || rc == -Errno.EINVAL) {
                pidfdInfo = false; // before 6.13
            }
            return false;
        }
        long mask = bb.getLong(infoOffset);
        if ((mask & (PIDFD_INFO_PID | PIDFD_INFO_CREDS)) != (PIDFD_INFO_PID | PIDFD_INFO_CREDS)) {
            return false;
        }
        infoCgroupId = (mask & PIDFD_INFO_CGROUPID) != 0 ? bb.getLong(infoOffset + 8) : UNKNOWN;
        tgid = bb.getInt(infoOffset + 20);
        ppid = bb.getInt(infoOffset + 24);
        uid = bb.getInt(infoOffset + 28);
        gid = bb.getInt(infoOffset + 32);
        euid = bb.getInt(infoOffset + 36);
        egid = bb.getInt(infoOffset + 40);
        return true;
    }

    /** @return the cgroup v2 id of the last {@link #pidfdInfo}, or {@link #UNKNOWN} */
    public long pidfdCgroupId() {
        return infoCgroupId;
    }

    // ------------------------------------------------------------------ cmdline, cgroup, boot id

    /**
     * Reads {@code /proc/PID/cmdline} (allocates the list). A process may have rewritten it; a
     * zombie's reads empty.
     *
     * @param pid the process
     * @return the arguments, or null when the file could not be read
     */
    public List<String> cmdline(int pid) {
        int n = readFile(pid, "cmdline");
        if (n < 0) {
            return null;
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (data[i] == 0) {
                out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < n) {
            out.add(new String(data, start, n - start, StandardCharsets.UTF_8)); // no final NUL (rewritten)
        }
        return out;
    }

    /**
     * The cgroup v2 path of a process ({@code 0::/path} in {@code /proc/PID/cgroup}), relative to
     * the cgroup2 mount (allocates).
     *
     * @param pid the process
     * @return the path, or null when there is no cgroup v2 line
     */
    public String cgroupPath(int pid) {
        int n = readFile(pid, "cgroup");
        int start = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || data[i] == '\n') {
                if (i - start > 3 && data[start] == '0' && data[start + 1] == ':' && data[start + 2] == ':') {
                    return new String(data, start + 3, i - start - 3, StandardCharsets.UTF_8);
                }
                start = i + 1;
            }
        }
        return null;
    }

    /**
     * Reads a whole small file by path (setup only; allocates).
     *
     * @param path an absolute path
     * @return its text, or null when it could not be read
     */
    public String readText(String path) {
        int n = readPath(path);
        return n < 0 ? null : new String(data, 0, n, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ plumbing

    private void name(int pid, String file) {
        int p = put(0, PROC);
        p = putDecimal(p, pid);
        bb.put(p++, (byte) '/');
        p = putAscii(p, file);
        bb.put(p, (byte) 0);
    }

    private int readFile(int pid, String file) {
        name(pid, file);
        return readOpen();
    }

    private int readPath(String path) {
        byte[] b = path.getBytes(StandardCharsets.UTF_8);
        if (b.length >= NAME_CAP) {
            return -1;
        }
        bb.put(0, b);
        bb.put(b.length, (byte) 0);
        return readOpen();
    }

    private int readOpen() {
        int fd = ops.open(nameAddr, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            dataLength = -1;
            return -1;
        }
        try {
            int total = 0;
            while (total < DATA_CAP) {
                long r = ops.read(fd, dataAddr + total, DATA_CAP - total);
                if (r < 0 && r == -Errno.EINTR) {
                    continue;
                }
                if (r <= 0) {
                    break;
                }
                total += (int) r;
            }
            bb.get(NAME_CAP, data, 0, total);
            dataLength = total;
            return total;
        } finally {
            ops.close(fd);
        }
    }

    private int put(int p, byte[] s) {
        bb.put(p, s);
        return p + s.length;
    }

    private int putAscii(int p, String s) {
        for (int i = 0; i < s.length(); i++) {
            bb.put(p + i, (byte) s.charAt(i));
        }
        return p + s.length();
    }

    private int putDecimal(int p, int v) {
        int x = Math.max(v, 0);
        int digits = 1;
        for (int t = x; t >= 10; t /= 10) {
            digits++;
        }
        for (int i = digits - 1; i >= 0; i--) {
            bb.put(p + i, (byte) ('0' + x % 10));
            x /= 10;
        }
        return p + digits;
    }

    private int indexOf(byte b, int from, int n) {
        for (int i = from; i < n; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private int lastIndexOf(byte b, int n) {
        for (int i = n - 1; i >= 0; i--) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private int find(String s, int n) {
        outer:
        for (int i = 0; i + s.length() <= n; i++) {
            for (int j = 0; j < s.length(); j++) {
                if (data[i + j] != s.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private int skipSpace(int p, int n) {
        while (p < n && (data[p] == ' ' || data[p] == '\t')) {
            p++;
        }
        return p;
    }

    private int skipDigits(int p, int n) {
        while (p < n && data[p] >= '0' && data[p] <= '9') {
            p++;
        }
        return p;
    }

    private long parse(int p, int n) {
        boolean neg = p < n && data[p] == '-';
        if (neg) {
            p++;
        }
        long v = 0;
        int start = p;
        while (p < n && data[p] >= '0' && data[p] <= '9') {
            v = v * 10 + (data[p] - '0');
            p++;
        }
        if (p == start) {
            return UNKNOWN;
        }
        return neg ? -v : v;
    }

    @Override
    public void close() {
        mem.close();
    }
}
