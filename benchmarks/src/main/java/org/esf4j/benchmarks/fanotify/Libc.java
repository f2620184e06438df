package org.esf4j.benchmarks.fanotify;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The few libc calls the opener side needs, as FFM downcalls. {@link #OPEN} and {@link #CLOSE}
 * are the measured calls: {@code static final}, called with {@code invokeExact}, no errno
 * capture (a failure is diagnosed afterwards with {@link #openErrno}).
 */
final class Libc {

    /** {@code O_RDONLY}. */
    static final int O_RDONLY = 0;

    private static final Linker LINKER = Linker.nativeLinker();

    /**
     * {@code int open(const char *path, int flags, ...)}: variadic, called with no variadic
     * argument. Type {@code (MemorySegment, int) int}.
     */
    static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));

    /** {@code int close(int fd)}. Type {@code (int) int}. */
    static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN_CAPTURE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));

    private Libc() {
    }

    /**
     * Opens the path once more, capturing errno: for the message of a failed measured open.
     *
     * @return the errno of the failed open, or 0 when it succeeds now
     */
    static int openErrno(MemorySegment path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN_CAPTURE.invokeExact(state, path, flags);
            if (fd >= 0) {
                int ignored = (int) CLOSE.invokeExact(fd);
                return 0;
            }
            return (int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("open() with errno capture failed", t);
        }
    }

    /**
     * Pins every thread of a process to one CPU ({@code taskset -a -c -p}); threads created later
     * inherit the mask of their creator.
     */
    static void pinProcess(long pid, int cpu) throws IOException, InterruptedException {
        run(List.of("taskset", "-a", "-c", "-p", Integer.toString(cpu), Long.toString(pid)));
    }

    /** {@code Cpus_allowed_list} of this process's main thread, e.g. {@code "0"} or {@code "0-1"}. */
    static String allowedCpus() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring("Cpus_allowed_list:".length()).trim();
            }
        }
        return "?";
    }

    /** Runs a command, failing with its output when it fails or takes more than 30 s. */
    static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": "
                    + new String(out, java.nio.charset.StandardCharsets.UTF_8).trim());
        }
    }
}
