package org.esf4j.spi.nativeio;

/**
 * Size and field offsets of glibc's {@code struct stat} (as filled by {@code fstat(2)} and
 * {@code stat(2)}) for the running architecture, chosen once at class initialisation from
 * {@code os.arch}. All fields are little-endian; the time fields are
 * {@code struct timespec { int64 tv_sec; int64 tv_nsec; }}.
 *
 * <pre>
 * x86-64, 144 bytes                          aarch64 (asm-generic), 128 bytes
 *   0 st_dev      u64                          0 st_dev      u64
 *   8 st_ino      u64                          8 st_ino      u64
 *  16 st_nlink    u64                         16 st_mode     u32
 *  24 st_mode     u32                         20 st_nlink    u32
 *  28 st_uid      u32                         24 st_uid      u32
 *  32 st_gid      u32                         28 st_gid      u32
 *  36 (pad)       u32                         32 st_rdev     u64
 *  40 st_rdev     u64                         40 (pad)       u64
 *  48 st_size     s64                         48 st_size     s64
 *  56 st_blksize  s64                         56 st_blksize  s32, (pad) s32
 *  64 st_blocks   s64                         64 st_blocks   s64
 *  72 st_atim     timespec                    72 st_atim     timespec
 *  88 st_mtim     timespec                    88 st_mtim     timespec
 * 104 st_ctim     timespec                   104 st_ctim     timespec
 * 120 (reserved)  3 x s64                    120 (unused)    2 x s32
 * </pre>
 *
 * Not API, may change without notice.
 *
 * @since 0.1
 */
public final class StructStat {

    /** {@code sizeof(struct stat)}: 144 on x86-64, 128 on aarch64. */
    public static final int SIZE;
    /** {@code st_dev} (u64): 0. */
    public static final int ST_DEV = 0;
    /** {@code st_ino} (u64): 8. */
    public static final int ST_INO = 8;
    /** {@code st_mode} (u32): 24 on x86-64, 16 on aarch64. */
    public static final int ST_MODE;
    /** {@code st_nlink}: 16 on x86-64 (u64), 20 on aarch64 (u32); see {@link #ST_NLINK_SIZE}. */
    public static final int ST_NLINK;
    /** Width in bytes of {@code st_nlink}: 8 on x86-64, 4 on aarch64. */
    public static final int ST_NLINK_SIZE;
    /** {@code st_uid} (u32): 28 on x86-64, 24 on aarch64. */
    public static final int ST_UID;
    /** {@code st_gid} (u32): 32 on x86-64, 28 on aarch64. */
    public static final int ST_GID;
    /** {@code st_size} (s64): 48. */
    public static final int ST_SIZE = 48;
    /** {@code st_atim} (timespec): 72. */
    public static final int ST_ATIM = 72;
    /** {@code st_mtim} (timespec): 88. */
    public static final int ST_MTIM = 88;
    /** {@code st_ctim} (timespec): 104. */
    public static final int ST_CTIM = 104;

    static {
        boolean x86 = !Arch.AARCH64;
        SIZE = x86 ? 144 : 128;
        ST_MODE = x86 ? 24 : 16;
        ST_NLINK = x86 ? 16 : 20;
        ST_NLINK_SIZE = x86 ? 8 : 4;
        ST_UID = x86 ? 28 : 24;
        ST_GID = x86 ? 32 : 28;
    }

    private StructStat() {
    }
}
