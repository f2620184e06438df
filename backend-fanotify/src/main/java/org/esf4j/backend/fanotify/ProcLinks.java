package org.esf4j.backend.fanotify;

import java.nio.ByteBuffer;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.StructStat;

/**
 * Zero-allocation look-ups through {@code /proc} for one thread: the path of an fd
 * ({@code /proc/self/fd/N}), the executable of a process ({@code /proc/PID/exe}) and {@code fstat}.
 * procfs never raises fanotify permission events, so the reader thread may use it.
 */
final class ProcLinks implements AutoCloseable {

    private static final byte[] SELF_FD = "/proc/self/fd/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] PROC = "/proc/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] EXE = "/exe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int NAME_CAP = 64;

    private final NativeOps ops;
    private final NativeBuffer mem;
    private final ByteBuffer bb;
    private final long nameAddr;
    private final long linkAddr;
    private final long statAddr;
    private final int linkOffset;
    private final int statOffset;

    ProcLinks(NativeOps ops) {
        this.ops = ops;
        this.linkOffset = NAME_CAP;
        this.statOffset = NAME_CAP + org.esf4j.spi.RawEvent.MAX_PATH;
        this.mem = ops.allocate(statOffset + StructStat.SIZE);
        this.bb = mem.buffer();
        this.nameAddr = mem.address();
        this.linkAddr = mem.address() + linkOffset;
        this.statAddr = mem.address() + statOffset;
    }

    /**
     * Path of an open fd of this process.
     *
     * @param fd the fd
     * @param dst at least {@link org.esf4j.spi.RawEvent#MAX_PATH} bytes
     * @return length, or -errno
     */
    int fdPath(int fd, byte[] dst) {
        int p = put(0, SELF_FD);
        p = putDecimal(p, fd);
        bb.put(p, (byte) 0);
        return readlink(dst);
    }

    /**
     * Executable of a process.
     *
     * @param pid the pid
     * @param dst at least {@link org.esf4j.spi.RawEvent#MAX_PATH} bytes
     * @return length, or -errno
     */
    int exePath(int pid, byte[] dst) {
        int p = put(0, PROC);
        p = putDecimal(p, pid);
        p = put(p, EXE);
        bb.put(p, (byte) 0);
        return readlink(dst);
    }

    /**
     * {@code fstat} of an fd into this object's stat buffer.
     *
     * @param fd the fd
     * @return 0 or -errno
     */
    int fstat(int fd) {
        return ops.fstat(fd, statAddr);
    }

    /** @return st_dev of the last successful {@link #fstat} */
    long statDevice() {
        return bb.getLong(statOffset + StructStat.ST_DEV);
    }

    /** @return st_ino of the last successful {@link #fstat} */
    long statInode() {
        return bb.getLong(statOffset + StructStat.ST_INO);
    }

    /** @return st_ctim in nanoseconds of the last successful {@link #fstat} */
    long statChangeTimeNanos() {
        return bb.getLong(statOffset + StructStat.ST_CTIM) * 1_000_000_000L
                + bb.getLong(statOffset + StructStat.ST_CTIM + 8);
    }

    private int readlink(byte[] dst) {
        long n = ops.readlink(nameAddr, linkAddr, Math.min(dst.length, org.esf4j.spi.RawEvent.MAX_PATH));
        if (n < 0) {
            return (int) n;
        }
        int len = (int) n;
        bb.get(linkOffset, dst, 0, len);
        return len;
    }

    private int put(int p, byte[] s) {
        bb.put(p, s);
        return p + s.length;
    }

    private int putDecimal(int p, int v) {
        if (v < 0) {
            v = 0;
        }
        int digits = 1;
        for (int t = v; t >= 10; t /= 10) {
            digits++;
        }
        for (int i = digits - 1; i >= 0; i--) {
            bb.put(p + i, (byte) ('0' + v % 10));
            v /= 10;
        }
        return p + digits;
    }

    @Override
    public void close() {
        mem.close();
    }
}
