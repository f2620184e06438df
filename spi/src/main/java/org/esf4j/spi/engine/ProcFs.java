package org.esf4j.spi.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.nativeio.Fanotify;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * Reads the identity of a process from {@code /proc/PID/stat} (ppid, comm, start time) and
 * {@code /proc/PID/status} (uids, gids) through the native layer, into one buffer owned by one
 * thread. It never goes through Java file I/O, so it loads no class and opens no file that a
 * permission mark could catch (procfs raises no fanotify events). Allocates only the strings of
 * the result.
 */
final class ProcFs implements AutoCloseable {

    private static final int PATH_CAP = 64;
    private static final int DATA_CAP = 4096;

    private final NativeOps ops;
    private final NativeBuffer mem;
    private final ByteBuffer bb;
    private final byte[] data = new byte[DATA_CAP];

    ProcFs(NativeOps ops) {
        this.ops = ops;
        this.mem = ops.allocate(PATH_CAP + DATA_CAP);
        this.bb = mem.buffer();
    }

    /**
     * Resolves a process.
     *
     * @param pid the process
     * @param tid the acting thread
     * @param executable the executable path, already known to the caller
     * @return the process; fields it could not read are {@link ProcessInfo#UNKNOWN}
     */
    ProcessInfo read(int pid, int tid, String executable) {
        int ppid = ProcessInfo.UNKNOWN;
        long start = ProcessInfo.UNKNOWN;
        String comm = "";
        int n = readFile(pid, "stat");
        if (n > 0) {
            int open = indexOf((byte) '(', 0, n);
            int close = lastIndexOf((byte) ')', n);
            if (open >= 0 && close > open) {
                comm = new String(data, open + 1, close - open - 1, StandardCharsets.UTF_8);
                // fields after ") ": 3 state, 4 ppid, ..., 22 starttime
                int field = 3;
                int p = close + 2;
                while (p < n && field < 22) {
                    if (data[p] == ' ') {
                        field++;
                        if (field == 4) {
                            ppid = (int) parseLong(p + 1, n);
                        }
                    }
                    p++;
                }
                if (field == 22) {
                    start = parseLong(p, n);
                }
            }
        }
        int uid = ProcessInfo.UNKNOWN;
        int euid = ProcessInfo.UNKNOWN;
        int gid = ProcessInfo.UNKNOWN;
        int egid = ProcessInfo.UNKNOWN;
        n = readFile(pid, "status");
        if (n > 0) {
            int u = find("\nUid:", n);
            if (u >= 0) {
                int p = skipSpace(u + 5, n);
                uid = (int) parseLong(p, n);
                euid = (int) parseLong(skipSpace(skipDigits(p, n), n), n);
            }
            int g = find("\nGid:", n);
            if (g >= 0) {
                int p = skipSpace(g + 5, n);
                gid = (int) parseLong(p, n);
                egid = (int) parseLong(skipSpace(skipDigits(p, n), n), n);
            }
        }
        return ProcessInfo.of(pid, tid, ppid, uid, euid, gid, egid, executable, comm, start);
    }

    private int readFile(int pid, String name) {
        int p = 0;
        p = putAscii(p, "/proc/");
        p = putDecimal(p, pid);
        p = putAscii(p, "/");
        p = putAscii(p, name);
        bb.put(p, (byte) 0);
        int fd = ops.open(mem.address(), Fanotify.O_RDONLY | Fanotify.O_CLOEXEC, 0);
        if (fd < 0) {
            return -1;
        }
        try {
            long r = ops.read(fd, mem.address() + PATH_CAP, DATA_CAP);
            if (r <= 0) {
                return -1;
            }
            bb.get(PATH_CAP, data, 0, (int) r);
            return (int) r;
        } finally {
            ops.close(fd);
        }
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

    private long parseLong(int p, int n) {
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
            return ProcessInfo.UNKNOWN;
        }
        return neg ? -v : v;
    }

    @Override
    public void close() {
        mem.close();
    }
}
