package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.esf4j.api.BackendStatus;
import org.esf4j.spi.BackendProvider;

/**
 * The one kernel-requirement rule of every kernel test: a test that needs a kernel feature
 * <em>fails</em> when CI requires the feature and it is missing, and skips (with the reason) only
 * where nobody requires it. CI says what it requires in the environment variable
 * {@value #REQUIRE_ENV}, a comma-separated list of features: backend names ({@code fanotify},
 * {@code audit}, {@code bpf-lsm}, ...), {@code ffm} (the FFM binding must be usable: JDK 22+),
 * and whatever else a test names ({@code auditd}, {@code audit-lock}, {@code strace}). The system
 * property {@code esf4j.it.kernel=required} requires everything.
 */
public final class Kernel {

    /** The environment variable that lists the required features. */
    public static final String REQUIRE_ENV = "ESF4J_REQUIRE";

    private Kernel() {
    }

    /**
     * Whether CI requires a feature here.
     *
     * @param feature e.g. {@code fanotify}
     * @return true when a missing feature must fail the test
     */
    public static boolean required(String feature) {
        if ("required".equalsIgnoreCase(System.getProperty("esf4j.it.kernel", "optional"))) {
            return true;
        }
        String env = System.getenv().getOrDefault(REQUIRE_ENV, "");
        return Arrays.asList(env.toLowerCase(Locale.ROOT).split("[,\\s]+")).contains(feature);
    }

    /**
     * Fails (required) or skips (not required) unless {@code condition} holds.
     *
     * @param feature the feature's name in {@value #REQUIRE_ENV}
     * @param condition whether it is there
     * @param why what is missing, for the message
     */
    public static void require(String feature, boolean condition, String why) {
        String message = feature + " unavailable: " + why;
        if (required(feature)) {
            assertTrue(condition, message + " (" + REQUIRE_ENV + " requires " + feature + ")");
        } else {
            assumeTrue(condition, message);
        }
    }

    /**
     * Fails or skips unless the backend's probe says it is available.
     *
     * @param provider the backend's provider
     * @return its status
     */
    public static BackendStatus requireBackend(BackendProvider provider) {
        BackendStatus s = provider.probe();
        require(provider.name(), s.available(), s.reason() + " " + s.message() + " remedy: " + s.remedy());
        return s;
    }

    /**
     * Runs a command to completion.
     *
     * @param cmd the command
     * @return its output (stdout and stderr)
     * @throws AssertionError when it fails or does not finish within 120 s
     */
    public static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(cmd + " failed with " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /**
     * Polls until {@code condition} holds or {@code seconds} pass.
     *
     * @param condition the condition
     * @param seconds how long at most
     * @return whether it held
     */
    public static boolean await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /** @return the running kernel's (major, minor) */
    public static int[] release() throws IOException {
        String[] p = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    /**
     * Whether the running kernel is at least {@code major.minor}.
     *
     * @param major major
     * @param minor minor
     * @return true when it is
     */
    public static boolean atLeast(int major, int minor) throws IOException {
        int[] k = release();
        return k[0] > major || (k[0] == major && k[1] >= minor);
    }

    /**
     * A process's start time, as the process model and {@code ProcessInfo.startTimeTicks()} give it.
     *
     * @param pid a live process
     * @return field 22 of {@code /proc/PID/stat}: clock ticks since boot
     */
    public static long startTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
    }

    /**
     * A process's cgroup v2 id, as {@code ProcessInfo.cgroupId()} gives it.
     *
     * @param pid a live process
     * @return the inode of its cgroup's directory on the cgroup2 mount, or -1 when cgroup2 is not
     *         mounted
     */
    public static long cgroupId(long pid) {
        return Clocks.cgroupId(pid);
    }

    /**
     * Whether the tests run inside one of the project's QEMU guests (kernels/run), where timing is
     * emulated and much slower.
     *
     * @return true in a guest
     */
    public static boolean emulated() {
        return System.getenv("ESF4J_GUEST") != null;
    }
}
