package org.esf4j.backend.bpflsm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.process.ProcFiles;

/**
 * The interpreter an ELF file names ({@code PT_INTERP}, e.g. {@code /lib64/ld-linux-x86-64.so.2}),
 * read from the file an exec event reported: the BPF program sees only the file's first 256 bytes,
 * where the string is not. The path is opened with {@code O_PATH} and accepted only when its device
 * and inode are the event's; the file is then read through that descriptor, so what is parsed is
 * the executed file, never another one that took its name since (the answer is then empty, not a
 * guess). Program headers are taken as binfmt_elf takes them: the first {@code PT_INTERP}, at most
 * 64 KiB of headers, a string of 2 to {@code PATH_MAX} bytes ending in a NUL.
 *
 * <p>One thread (the backend's reader); allocates only the answer and a view per call.
 */
final class ElfInterpreter implements AutoCloseable {

    private static final int PT_INTERP = 3;
    private static final int PATH_MAX = 4096;
    private static final int MAX_PHDRS = 65536;
    private static final int EHDR = 64;
    /** Native layout: path at 0, ELF header at PATH, program headers at PHDRS, interpreter at STRING. */
    private static final int HEADER = PATH_MAX;
    private static final int PHDRS = HEADER + EHDR;
    private static final int STRING = PHDRS + MAX_PHDRS;
    private static final byte[] SELF_FD = "/proc/self/fd/".getBytes(StandardCharsets.US_ASCII);

    private final NativeOps ops;
    private final ProcFiles proc;
    private final NativeBuffer mem;

    ElfInterpreter(NativeOps ops) {
        this.ops = ops;
        this.proc = new ProcFiles(ops);
        this.mem = ops.allocate(STRING + PATH_MAX);
    }

    /**
     * The {@code PT_INTERP} string of the file at {@code path} if it is the file
     * {@code (device, inode)}.
     *
     * @param path the path bytes
     * @param length their count
     * @param device the file's {@code st_dev}
     * @param inode its inode
     * @return the interpreter; "" for an ELF file without one (static), a file that is not ELF, and
     *         whenever the file cannot be read or is not that file
     */
    String of(byte[] path, int length, long device, long inode) {
        if (length <= 0 || length >= PATH_MAX) {
            return "";
        }
        ByteBuffer b = mem.buffer();
        b.put(0, path, 0, length).put(length, (byte) 0);
        int fd = ops.open(mem.address(), Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            return "";
        }
        try {
            if (proc.fstat(fd) < 0 || proc.statDevice() != device || proc.statInode() != inode) {
                return "";
            }
            // read the file the descriptor holds, whatever the path names by now
            b.put(0, SELF_FD);
            byte[] n = Integer.toString(fd).getBytes(StandardCharsets.US_ASCII);
            b.put(SELF_FD.length, n).put(SELF_FD.length + n.length, (byte) 0);
            int rfd = ops.open(mem.address(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK, 0);
            if (rfd < 0) {
                return "";
            }
            try {
                return parse(rfd);
            } finally {
                ops.close(rfd);
            }
        } finally {
            ops.close(fd);
        }
    }

    private boolean read(int fd, int at, long count, long offset) {
        return ops.pread(fd, mem.address() + at, count, offset) == count;
    }

    private String parse(int fd) {
        if (!read(fd, HEADER, EHDR, 0)) {
            return "";
        }
        ByteBuffer b = mem.buffer();
        if (b.get(HEADER) != 0x7f || b.get(HEADER + 1) != 'E' || b.get(HEADER + 2) != 'L' || b.get(HEADER + 3) != 'F') {
            return "";
        }
        int cls = b.get(HEADER + 4);
        int data = b.get(HEADER + 5);
        if ((cls != 1 && cls != 2) || (data != 1 && data != 2)) {
            return "";
        }
        boolean wide = cls == 2;
        ByteBuffer v = b.duplicate().order(data == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        long phoff = wide ? v.getLong(HEADER + 32) : v.getInt(HEADER + 28) & 0xffff_ffffL;
        int entsize = v.getShort(HEADER + (wide ? 54 : 42)) & 0xffff;
        int phnum = v.getShort(HEADER + (wide ? 56 : 44)) & 0xffff;
        if (entsize != (wide ? 56 : 32) || phnum == 0 || (long) phnum * entsize > MAX_PHDRS || phoff < 0
                || !read(fd, PHDRS, (long) phnum * entsize, phoff)) {
            return "";
        }
        for (int i = 0; i < phnum; i++) {
            int p = PHDRS + i * entsize;
            if (v.getInt(p) != PT_INTERP) {
                continue;
            }
            long offset = wide ? v.getLong(p + 8) : v.getInt(p + 4) & 0xffff_ffffL;
            long size = wide ? v.getLong(p + 32) : v.getInt(p + 16) & 0xffff_ffffL;
            if (size < 2 || size > PATH_MAX || offset < 0 || !read(fd, STRING, size, offset)
                    || b.get(STRING + (int) size - 1) != 0) {
                return "";
            }
            int len = 0;
            while (b.get(STRING + len) != 0) {
                len++;
            }
            byte[] s = new byte[len];
            b.get(STRING, s);
            return new String(s, StandardCharsets.UTF_8);
        }
        return ""; // no PT_INTERP: a static executable
    }

    @Override
    public void close() {
        proc.close();
        mem.close();
    }
}
