package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one actor program of every kernel test ({@code actor.c} in this module's resources): "another
 * process" that performs one operation and prints its outcome ({@code OK} or the errno name), so a
 * test sees exactly what an unrelated process sees. Compiled once per module into
 * {@code target/test-helpers/actor} (and, for tests that need an ELF file without an interpreter,
 * statically linked into {@code target/test-helpers/actor-static}); its usage is in the C file's
 * header.
 */
public final class Actor {

    private Actor() {
    }

    /**
     * The compiled actor.
     *
     * @return its path
     */
    public static Path path() throws IOException, InterruptedException {
        return compiled("actor");
    }

    /**
     * The actor linked statically: an ELF file without an interpreter ({@code PT_INTERP}). Needs the
     * C library's static archive ({@code libc.a}, Debian's {@code libc6-dev}).
     *
     * @return its path
     */
    public static Path staticPath() throws IOException, InterruptedException {
        return compiled("actor-static", "-static");
    }

    private static Path compiled(String name, String... flags) throws IOException, InterruptedException {
        synchronized (Actor.class) {
            Path dir = Path.of("target", "test-helpers").toAbsolutePath();
            Path out = dir.resolve(name);
            Path src = dir.resolve("actor.c");
            byte[] code;
            try (InputStream in = Actor.class.getResourceAsStream("actor.c")) {
                if (in == null) {
                    throw new IOException("actor.c is missing from the testsuite jar");
                }
                code = in.readAllBytes();
            }
            if (!Files.exists(src) || !java.util.Arrays.equals(code, Files.readAllBytes(src))) {
                Files.createDirectories(dir);
                Files.write(src, code);
            }
            if (!Files.isExecutable(out) || Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) < 0) {
                List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Werror", "-pthread"));
                cmd.addAll(List.of(flags));
                cmd.addAll(List.of("-o", out.toString(), src.toString()));
                Kernel.run(cmd);
            }
            return out;
        }
    }

    /** An actor run to completion: its pid and first output line. */
    public record Outcome(long pid, String line) {
    }

    /**
     * Runs the actor and returns its first output line ({@code OK}, {@code EPERM}, ...), or
     * {@code exit=N} when it printed nothing.
     *
     * @param args the operation and its arguments
     * @return the line
     */
    public static String act(String... args) throws IOException, InterruptedException {
        return run(path(), args).line();
    }

    /**
     * Like {@link #act} with the pid.
     *
     * @param args the operation and its arguments
     * @return the outcome
     */
    public static Outcome outcome(String... args) throws IOException, InterruptedException {
        return run(path(), args);
    }

    /**
     * Like {@link #outcome}, in another working directory (for relative names).
     *
     * @param cwd the working directory
     * @param args the operation and its arguments
     * @return the outcome
     */
    public static Outcome outcomeIn(Path cwd, String... args) throws IOException, InterruptedException {
        return run(path(), cwd, args);
    }

    /**
     * Runs another copy of the actor (a copy under a marked mount, say).
     *
     * @param actor the copy
     * @param args the operation and its arguments
     * @return the outcome
     */
    public static Outcome run(Path actor, String... args) throws IOException, InterruptedException {
        return run(actor, null, args);
    }

    private static Outcome run(Path actor, Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(actor.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd == null ? null : cwd.toFile()).redirectErrorStream(true)
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within 120 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return new Outcome(p.pid(), out.isEmpty() ? "exit=" + p.exitValue() : out.lines().findFirst().orElse(""));
    }

    /**
     * Starts the actor without waiting.
     *
     * @param args the operation and its arguments
     * @return the process
     */
    public static Process start(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(path().toString());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * An actor that stops at "READY ..." until {@link #go()} (or is driven step by step with
     * {@link #send()} and {@link #line()}).
     */
    public static final class Interactive implements AutoCloseable {
        /** The process. */
        public final Process process;
        private final BufferedReader out;
        /** Its READY line. */
        public final String ready;

        /**
         * Starts it and waits for its READY line.
         *
         * @param args the operation and its arguments
         */
        public Interactive(String... args) throws IOException, InterruptedException {
            process = start(args);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("READY"), "actor did not get ready: " + ready);
        }

        /**
         * Lets it go.
         *
         * @return its outcome line
         */
        public String go() throws IOException, InterruptedException {
            send();
            String line = out.readLine();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "actor did not finish");
            return line;
        }

        /** Writes a line to the actor's stdin, which lets it go on. */
        public void send() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
        }

        /**
         * Lets an actor that repeats its operation (e.g. {@code uring N}) do one more round.
         *
         * @return the round's outcome line
         */
        public String step() throws IOException {
            send();
            return line();
        }

        /** @return the actor's next output line */
        public String line() throws IOException {
            return out.readLine();
        }

        /** @return its pid */
        public long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
