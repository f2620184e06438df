package org.esf4j.testsuite;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;

/** Kernel clocks and ids the witness needs. */
final class Clocks {

    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_BOOTTIME = 7;

    private Clocks() {
    }

    /**
     * {@code CLOCK_REALTIME - CLOCK_BOOTTIME} now, in nanoseconds: the realtime read between two
     * boottime reads, taken from the tightest of several tries. A single try can be off by half of
     * a delay between the reads (the first calls of the native binding are slow, and under emulation
     * tens of milliseconds slow), which shifts every start time the witness derives.
     */
    static long realMinusBootNanos() {
        NativeOps ops = Natives.get();
        long best = 0;
        long bestGap = Long.MAX_VALUE;
        for (int i = 0; i < 32; i++) {
            long b1 = ops.clockGettimeNanos(CLOCK_BOOTTIME);
            long r = ops.clockGettimeNanos(CLOCK_REALTIME);
            long b2 = ops.clockGettimeNanos(CLOCK_BOOTTIME);
            if (b2 - b1 < bestGap) {
                bestGap = b2 - b1;
                best = r - (b1 + (b2 - b1) / 2);
            }
        }
        return best;
    }

    /**
     * The cgroup v2 id of a process (the inode of its cgroup directory), or -1.
     *
     * @param pid a live process
     * @return the id
     */
    static long cgroupId(long pid) {
        try {
            String rel = null;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                if (line.startsWith("0::")) {
                    rel = line.substring(3);
                }
            }
            String root = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                int dash = line.indexOf(" - ");
                if (dash > 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
                    root = line.substring(0, dash).split(" ")[4];
                }
            }
            if (rel == null || root == null) {
                return -1;
            }
            return ((Number) Files.getAttribute(Path.of(root + (rel.equals("/") ? "" : rel)), "unix:ino")).longValue();
        } catch (Exception e) {
            return -1;
        }
    }
}
