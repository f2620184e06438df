package org.esf4j.spi.process;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * What an executable file names as its interpreter, read from an open descriptor of it with
 * {@code pread} (so a fanotify event's own descriptor can be used without raising an event): the
 * path of a script's {@code #!} line, or an ELF file's {@code PT_INTERP}.
 *
 * <pre>
 * ELF header (64-bit):  0 e_ident[16] (0x7f 'E' 'L' 'F', class 2, data 1) | 32 e_phoff u64 |
 *                       54 e_phentsize u16 | 56 e_phnum u16
 * program header:       0 p_type u32 (PT_INTERP 3) | 8 p_offset u64 | 32 p_filesz u64
 * ELF header (32-bit):  28 e_phoff u32 | 42 e_phentsize u16 | 44 e_phnum u16
 * program header:       0 p_type u32 | 4 p_offset u32 | 16 p_filesz u32
 * </pre>
 * Setup-free and thread-confined: one instance per thread; allocates only the returned string.
 *
 * @since 0.1
 */
public final class ExecFiles implements AutoCloseable {

    private static final int HEAD = 256;
    private static final int PT_INTERP = 3;
    private static final int MAX_PHNUM = 128;
    private static final int PATH_MAX = 4096;

    private final NativeOps ops;
    private final NativeBuffer mem;
    private final ByteBuffer bb;
    private boolean script;

    /**
     * A reader with its own buffer.
     *
     * @param ops the native layer
     */
    public ExecFiles(NativeOps ops) {
        this.ops = ops;
        this.mem = ops.allocate(PATH_MAX + HEAD);
        this.bb = mem.buffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The interpreter the file names.
     *
     * @param fd an open descriptor of the file (read permission)
     * @return the {@code #!} path or {@code PT_INTERP} as written; {@code ""} for an ELF file
     *         without an interpreter (static); {@code null} when the file cannot be read or is
     *         neither a script nor an ELF file the reader understands
     */
    public String interpreter(int fd) {
        script = false;
        long n = ops.pread(fd, mem.address(), HEAD, 0);
        if (n < 4) {
            return null;
        }
        if (bb.get(0) == '#' && bb.get(1) == '!') {
            script = true;
            return shebang((int) n);
        }
        if (bb.get(0) == 0x7f && bb.get(1) == 'E' && bb.get(2) == 'L' && bb.get(3) == 'F' && n >= 52
                && bb.get(5) == 1) {
            return bb.get(4) == 2 ? elf(fd, (int) n, true) : bb.get(4) == 1 ? elf(fd, (int) n, false) : null;
        }
        return null;
    }

    /**
     * The interpreter the file at a path names, read through a descriptor of the file's own.
     *
     * @param file the file
     * @return as {@link #interpreter(int)}; {@code null} also when the file cannot be opened
     */
    public String interpreter(Path file) {
        byte[] name = file.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= PATH_MAX) {
            return null;
        }
        bb.put(0, name).put(name.length, (byte) 0);
        int fd = ops.open(mem.address(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            return null;
        }
        try {
            return interpreter(fd);
        } finally {
            ops.close(fd);
        }
    }

    /**
     * Whether the file of the last {@link #interpreter} call was a {@code #!} script (its
     * interpreter is then the program the process runs after the exec, not a loader).
     *
     * @return true for a script
     */
    public boolean script() {
        return script;
    }

    private String shebang(int n) {
        int p = 2;
        while (p < n && (bb.get(p) == ' ' || bb.get(p) == '\t')) {
            p++;
        }
        int start = p;
        while (p < n && bb.get(p) != ' ' && bb.get(p) != '\t' && bb.get(p) != '\n' && bb.get(p) != 0) {
            p++;
        }
        if (p == start || (p == n && n == HEAD)) {
            return null; // no path, or a line longer than the head (the kernel reads 256 bytes too)
        }
        return string(start, p - start);
    }

    private String elf(int fd, int n, boolean is64) {
        if (is64 && n < 64) {
            return null;
        }
        long phoff = is64 ? bb.getLong(32) : bb.getInt(28) & 0xffff_ffffL;
        int phentsize = bb.getShort(is64 ? 54 : 42) & 0xffff;
        int phnum = bb.getShort(is64 ? 56 : 44) & 0xffff;
        if (phnum > MAX_PHNUM || phentsize < (is64 ? 56 : 32) || phentsize > HEAD) {
            return null;
        }
        for (int i = 0; i < phnum; i++) {
            long r = ops.pread(fd, mem.address(), phentsize, phoff + (long) i * phentsize);
            if (r < phentsize) {
                return null;
            }
            if (bb.getInt(0) != PT_INTERP) {
                continue;
            }
            long off = is64 ? bb.getLong(8) : bb.getInt(4) & 0xffff_ffffL;
            long size = is64 ? bb.getLong(32) : bb.getInt(16) & 0xffff_ffffL;
            if (size <= 0 || size > PATH_MAX) {
                return null;
            }
            r = ops.pread(fd, mem.address(), size, off);
            if (r != size) {
                return null;
            }
            int len = (int) size;
            while (len > 0 && bb.get(len - 1) == 0) {
                len--;
            }
            return string(0, len);
        }
        return "";
    }

    private String string(int off, int len) {
        byte[] b = new byte[len];
        bb.get(off, b, 0, len);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        mem.close();
    }
}
