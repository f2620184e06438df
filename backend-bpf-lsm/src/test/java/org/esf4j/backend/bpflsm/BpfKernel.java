package org.esf4j.backend.bpflsm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.MuteRule;

/**
 * Shared set-up of the BPF LSM kernel tests: whether the backend is required here (CI runs
 * these tests inside the Debian guest kernels with {@code ESF4J_REQUIRE=bpf-lsm}; an
 * unavailable backend then fails them instead of skipping), a tmpfs of the test's own, and the
 * {@code actor} helper that plays "another process".
 */
final class BpfKernel {

    private BpfKernel() {
    }

    static boolean required() {
        String env = System.getenv().getOrDefault("ESF4J_REQUIRE", "");
        return Arrays.asList(env.toLowerCase(Locale.ROOT).split("[,\\s]+")).contains("bpf-lsm");
    }

    /** Fails (required) or skips (optional) unless BPF LSM works here. */
    static void requireBpfLsm() {
        BackendStatus s = new BpfLsmProvider().probe();
        String why = "bpf-lsm unavailable: " + s.reason() + " " + s.message() + " remedy: " + s.remedy();
        if (required()) {
            assertTrue(s.available(), why);
        } else {
            assumeTrue(s.available(), why);
        }
    }

    /**
     * Mutes this JVM's ancestors (the build tool), so that only the actors' events reach the
     * tests; the JVM itself is muted by the backend.
     */
    static List<MuteRule> muteAncestors() {
        List<MuteRule> rules = new ArrayList<>();
        ProcessHandle p = ProcessHandle.current().parent().orElse(null);
        while (p != null && p.pid() > 1) {
            rules.add(MuteRule.process((int) p.pid()));
            p = p.parent().orElse(null);
        }
        return rules;
    }

    /** A tmpfs mounted on a fresh temporary directory; unmounted on close. */
    static final class Tmpfs implements AutoCloseable {
        final Path dir;

        Tmpfs() throws IOException, InterruptedException {
            dir = Files.createTempDirectory("esf4j-bpf-test");
            run(List.of("mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "esf4j-test", dir.toString()));
        }

        Path file(String name, String content) throws IOException {
            Path p = dir.resolve(name);
            Files.createDirectories(p.getParent());
            return Files.writeString(p, content);
        }

        Path executableCopy(String name, Path source) throws IOException {
            Path p = dir.resolve(name);
            Files.copy(source, p);
            p.toFile().setExecutable(true, false);
            return p;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            run(List.of("umount", "-l", dir.toString()));
            Files.deleteIfExists(dir);
        }
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " timed out");
        }
        if (p.exitValue() != 0) {
            fail(cmd + " failed with " + p.exitValue() + ": " + out);
        }
        return out;
    }

    /** The compiled actor helper (compiled into target/ when missing or older than its source). */
    static Path actor() throws IOException, InterruptedException {
        synchronized (BpfKernel.class) {
            Path out = Path.of("target", "test-helpers", "actor").toAbsolutePath();
            Path src = Path.of("src", "test", "c", "actor.c").toAbsolutePath();
            if (!Files.isExecutable(out) || Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) < 0) {
                Files.createDirectories(out.getParent());
                run(List.of("gcc", "-O2", "-Wall", "-Werror", "-o", out.toString(), src.toString()));
            }
            return out;
        }
    }

    /** Runs the actor and returns its first output line ("OK", "EPERM", ...), or "exit=N". */
    static String act(String... args) throws IOException, InterruptedException {
        return actAs(actor(), args);
    }

    /** Like {@link #act} with another copy of the actor. */
    static String actAs(Path actor, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(actor.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within 120 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return out.isEmpty() ? "exit=" + p.exitValue() : out.lines().findFirst().orElse("");
    }

    /** An actor that stops at "READY ..." until {@link #go()}. */
    static final class Interactive implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final String ready;

        Interactive(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            cmd.add(actor().toString());
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("READY"), "actor did not get ready: " + ready);
        }

        /** Lets it do one more step (an actor that repeats its operation) and returns its outcome line. */
        String step() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
            return out.readLine();
        }

        /** Lets it go and returns its outcome line. */
        String go() throws IOException, InterruptedException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
            String line = out.readLine();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "actor did not finish");
            return line;
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** Polls until {@code condition} holds or {@code seconds} pass. */
    static boolean await(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /**
     * Brings the loopback interface up where it is down (the guest kernels boot with it down:
     * connects to 127.0.0.1 and ::1 then fail with ENETUNREACH).
     */
    static void loopbackUp() throws IOException, InterruptedException {
        int flags = Integer.decode(Files.readString(Path.of("/sys/class/net/lo/flags")).trim());
        if ((flags & 1) == 0) { // IFF_UP
            run(List.of("ip", "link", "set", "lo", "up"));
        }
    }

    /**
     * A process's cgroup v2 id: the inode of its cgroup's directory, on a cgroup2 mount of the
     * test's own (nothing else need be mounted; /proc/PID/cgroup shows the v2 line only once
     * cgroup2 has been mounted somewhere).
     */
    static long cgroupId(long pid) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("esf4j-cgroup2");
        try {
            run(List.of("mount", "-t", "cgroup2", "none", dir.toString()));
            try {
                String path = Files.readString(Path.of("/proc/" + pid + "/cgroup")).lines()
                        .filter(l -> l.startsWith("0::")).findFirst()
                        .orElseThrow(() -> new AssertionError("no cgroup v2 line for " + pid)).substring(3);
                return (Long) Files.getAttribute(Path.of(dir + path), "unix:ino");
            } finally {
                run(List.of("umount", dir.toString()));
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    /** An ELF file's PT_INTERP as binutils' readelf reads it, or "" for a static one. */
    static String programInterpreter(Path elf) throws IOException, InterruptedException {
        String out = run(List.of("readelf", "-lW", elf.toString()));
        String key = "[Requesting program interpreter: ";
        int i = out.indexOf(key);
        return i < 0 ? "" : out.substring(i + key.length(), out.indexOf(']', i));
    }

    /** The kernel release's (major, minor). */
    static int[] kernel() throws IOException {
        String[] p = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
