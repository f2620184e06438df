package org.esf4j.spi.nativeio;

import java.util.Locale;

/**
 * The CPU architecture of the running JVM, decided once at class initialisation from the
 * {@code os.arch} system property, and the few ABI numbers that differ between the two
 * architectures the native layer supports (x86-64 and aarch64, both LP64 little-endian Linux).
 * Not API, may change without notice.
 *
 * @since 0.1
 */
public final class Arch {

    /** {@code os.arch} as seen at class initialisation. */
    public static final String NAME = System.getProperty("os.arch", "");

    /** x86-64 ({@code os.arch} {@code amd64} or {@code x86_64}). */
    public static final boolean X86_64;

    /** 64-bit ARM ({@code os.arch} {@code aarch64} or {@code arm64}). */
    public static final boolean AARCH64;

    /** Whether the native layer knows this architecture's ABI (x86-64 or aarch64 Linux). */
    public static final boolean SUPPORTED;

    /** {@code SYS_gettid}: 186 on x86-64, 178 on aarch64. */
    public static final int SYS_GETTID;

    /** {@code SYS_pidfd_open}: 434 on both (asm-generic numbering for new calls). */
    public static final int SYS_PIDFD_OPEN = 434;

    /** {@code SYS_pidfd_send_signal}: 424 on both. */
    public static final int SYS_PIDFD_SEND_SIGNAL = 424;

    /**
     * {@code _STAT_VER}, the first argument of glibc's {@code __fxstat}/{@code __xstat} (the
     * fallback for glibc older than 2.33, which has no {@code fstat}/{@code stat} symbols): 1 on
     * x86-64, 0 on aarch64.
     */
    public static final int STAT_VER;

    static {
        String a = NAME.toLowerCase(Locale.ROOT);
        X86_64 = a.equals("amd64") || a.equals("x86_64");
        AARCH64 = a.equals("aarch64") || a.equals("arm64");
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        SUPPORTED = linux && (X86_64 || AARCH64);
        SYS_GETTID = AARCH64 ? 178 : 186;
        STAT_VER = AARCH64 ? 0 : 1;
    }

    private Arch() {
    }
}
