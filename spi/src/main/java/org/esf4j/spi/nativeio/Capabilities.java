package org.esf4j.spi.nativeio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The calling process's effective capabilities, for probes that explain a refusal. Not API, may
 * change without notice.
 */
public final class Capabilities {

    /** {@code CAP_NET_ADMIN}. */
    public static final int NET_ADMIN = 12;
    /** {@code CAP_SYS_ADMIN}. */
    public static final int SYS_ADMIN = 21;
    /** {@code CAP_AUDIT_CONTROL}. */
    public static final int AUDIT_CONTROL = 30;
    /** {@code CAP_AUDIT_READ}. */
    public static final int AUDIT_READ = 37;
    /** {@code CAP_PERFMON}. */
    public static final int PERFMON = 38;
    /** {@code CAP_BPF}. */
    public static final int BPF = 39;

    private Capabilities() {
    }

    /**
     * {@code CapEff} of {@code /proc/self/status}.
     *
     * @return the capability mask, 0 when it cannot be read
     */
    public static long effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unreadable: report none
        }
        return 0;
    }

    /**
     * @param caps a mask from {@link #effective()}
     * @param cap a capability number
     * @return whether the mask holds it
     */
    public static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }
}
