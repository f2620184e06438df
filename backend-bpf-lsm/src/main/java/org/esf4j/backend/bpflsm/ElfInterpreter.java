package org.esf4j.backend.bpflsm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.process.ExecFiles;
import org.esf4j.spi.process.ProcFiles;

/**
 * The interpreter an ELF file names ({@code PT_INTERP}, e.g. {@code /lib64/ld-linux-x86-64.so.2}),
 * read from the file an exec event reported: the BPF program sees only the file's first 256 bytes,
 * where the string is not. The path is opened with {@code O_PATH} and accepted only when its device
 * and inode are the event's; the file is then read through that descriptor, so what is parsed is
 * the executed file, never another one that took its name since (the answer is then empty, not a
 * guess). The spi's {@link ExecFiles} parses it.
 *
 * <p>One thread (the backend's reader); allocates only the answer and the descriptor's name per call.
 */
final class ElfInterpreter implements AutoCloseable {

    private static final int PATH_MAX = 4096;
    private static final byte[] SELF_FD = "/proc/self/fd/".getBytes(StandardCharsets.US_ASCII);

    private final NativeOps ops;
    private final ProcFiles proc;
    private final ExecFiles files;
    private final NativeBuffer mem;

    ElfInterpreter(NativeOps ops) {
        this.ops = ops;
        this.proc = new ProcFiles(ops);
        this.files = new ExecFiles(ops);
        this.mem = ops.allocate(PATH_MAX);
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
                String interpreter = files.interpreter(rfd);
                return interpreter == null || files.script() ? "" : interpreter;
            } finally {
                ops.close(rfd);
            }
        } finally {
            ops.close(fd);
        }
    }

    @Override
    public void close() {
        files.close();
        proc.close();
        mem.close();
    }
}
