package org.esf4j.spi.nativeio;

/**
 * The {@code open(2)} and {@code *at(2)} constants the native layer's callers pass to the kernel,
 * with the values of {@code <asm/fcntl.h>} on Linux x86-64 and aarch64 ({@code LayoutTest}
 * compares them with the installed headers). Only {@link #O_DIRECTORY} and {@link #O_LARGEFILE}
 * differ between the two and are chosen at class initialisation. Not API, may change without
 * notice.
 *
 * @since 0.1
 */
public final class Fcntl {

    private Fcntl() {
    }

    /** {@code O_RDONLY} (0). */
    public static final int O_RDONLY = 0;
    /** {@code O_WRONLY} (01). */
    public static final int O_WRONLY = 0x1;
    /** {@code O_RDWR} (02). */
    public static final int O_RDWR = 0x2;
    /** {@code O_CREAT} (0100). */
    public static final int O_CREAT = 0x40;
    /** {@code O_TRUNC} (01000). */
    public static final int O_TRUNC = 0x200;
    /** {@code O_NONBLOCK} (04000). */
    public static final int O_NONBLOCK = 0x800;
    /**
     * {@code O_LARGEFILE}: the kernel value, 0100000 on x86-64 and 0400000 on aarch64. glibc
     * defines it as 0 on 64-bit targets because the kernel forces it there; both are accepted.
     */
    public static final int O_LARGEFILE = Arch.AARCH64 ? 0x2_0000 : 0x8000;
    /** {@code O_DIRECTORY}: fail unless a directory; 0200000 on x86-64, 040000 on aarch64. */
    public static final int O_DIRECTORY = Arch.AARCH64 ? 0x4000 : 0x1_0000;
    /** {@code O_NOATIME} (01000000): do not update the access time. */
    public static final int O_NOATIME = 0x4_0000;
    /** {@code F_DUPFD_CLOEXEC} (1030): fcntl's duplicate-with-close-on-exec command. */
    public static final int F_DUPFD_CLOEXEC = 1030;
    /** {@code O_CLOEXEC} (02000000): close on exec. */
    public static final int O_CLOEXEC = 0x8_0000;
    /** {@code O_PATH} (010000000): a file handle without read or write access. */
    public static final int O_PATH = 0x20_0000;
    /** {@code AT_FDCWD} (-100): paths relative to the working directory. */
    public static final int AT_FDCWD = -100;
}
