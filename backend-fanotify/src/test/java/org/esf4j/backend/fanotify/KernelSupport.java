package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.BackendStatus;

/**
 * Shared set-up of the kernel tests: whether fanotify is required (CI) or optional (a developer
 * without root), a tmpfs the test mounts so the rest of the machine is untouched, and the
 * {@code opener} helper that acts as "another process".
 *
 * <p>Required when the system property {@code esf4j.it.kernel=required} is set or the environment
 * variable {@code ESF4J_REQUIRE} lists {@code fanotify}: an unavailable backend then fails the test
 * instead of skipping it.
 */
final class KernelSupport {

    private KernelSupport() {
    }

    static boolean required() {
        String prop = System.getProperty("esf4j.it.kernel", "optional");
        String env = System.getenv().getOrDefault("ESF4J_REQUIRE", "");
        return "required".equalsIgnoreCase(prop)
                || Arrays.asList(env.toLowerCase(Locale.ROOT).split("[,\\s]+")).contains("fanotify");
    }

    /** Fails (required) or skips (optional) unless fanotify permission events work here. */
    static void requireFanotify() {
        BackendStatus s = new FanotifyProvider().probe();
        String why = "fanotify unavailable: " + s.reason() + " " + s.message() + " remedy: " + s.remedy();
        if (required()) {
            assertTrue(s.available(), why);
        } else {
            assumeTrue(s.available(), why);
        }
    }

    /** A tmpfs mounted on a fresh temporary directory; unmounted on close. */
    static final class Tmpfs implements AutoCloseable {
        final Path dir;

        Tmpfs() throws IOException, InterruptedException {
            dir = Files.createTempDirectory("esf4j-fanotify-test");
            run(List.of("mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "esf4j-test", dir.toString()));
        }

        Path file(String name, String content) throws IOException {
            return Files.writeString(dir.resolve(name), content);
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
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " timed out");
        }
        if (p.exitValue() != 0) {
            fail(cmd + " failed with " + p.exitValue() + ": " + out);
        }
        return out;
    }

    /** The compiled opener helper (compiled once per JVM into target/). */
    static Path opener() throws IOException, InterruptedException {
        synchronized (KernelSupport.class) {
            Path out = Path.of("target", "test-helpers", "opener").toAbsolutePath();
            if (!Files.isExecutable(out)) {
                Files.createDirectories(out.getParent());
                Path src = Path.of("src", "test", "c", "opener.c").toAbsolutePath();
                run(List.of("gcc", "-O2", "-Wall", "-o", out.toString(), src.toString()));
            }
            return out;
        }
    }

    /** Runs the opener in a separate process and returns its first output line ("OK", "EPERM", ...). */
    static String inOtherProcess(String op, Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(opener().toString(), op, path.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("opener " + op + " " + path + " did not finish within 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return out.isEmpty() ? "exit=" + p.exitValue() : out.lines().findFirst().orElse("");
    }

    /** Starts the opener without waiting. */
    static Process startInOtherProcess(String op, Path path) throws IOException, InterruptedException {
        return new ProcessBuilder(opener().toString(), op, path.toString()).redirectErrorStream(true).start();
    }
}
