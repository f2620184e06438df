package org.esf4j.backend.audit;

import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.MuteRule;
import org.esf4j.spi.nativeio.Natives;

/**
 * Shared set-up of the audit kernel tests: whether audit is required here ({@code ESF4J_REQUIRE}
 * contains {@code audit}: an unavailable backend fails instead of skipping), the audit state
 * before and after each test class (restored), and the {@code actor} helper that plays "another
 * process".
 */
final class AuditKernel {

    private AuditKernel() {
    }

    static boolean required(String what) {
        String env = System.getenv().getOrDefault("ESF4J_REQUIRE", "");
        return Arrays.asList(env.toLowerCase(Locale.ROOT).split("[,\\s]+")).contains(what);
    }

    /** Fails (required) or skips (optional) unless audit works here. */
    static void requireAudit() {
        BackendStatus s = new AuditProvider().probe();
        String why = "audit unavailable: " + s.reason() + " " + s.message() + " remedy: " + s.remedy();
        if (required("audit")) {
            assertTrue(s.available(), why);
        } else {
            assumeTrue(s.available(), why);
        }
    }

    /**
     * A client config with the given NOTIFY subscriptions pinned to the audit backend, an event
     * callback that ignores events (replace it with {@code onEvent}) and this JVM's ancestors muted.
     */
    static ClientConfig.Builder notify(EventKind... kinds) {
        ClientConfig.Builder b = ClientConfig.builder().onEvent(e -> { });
        for (EventKind k : kinds) {
            b.subscribe(k, Mode.NOTIFY).pinBackend(k, AuditProvider.NAME);
        }
        muteAncestors().forEach(b::mute);
        return b;
    }

    /** Mutes this JVM's ancestors (the build tool): in the kernel too, as {@code pid!=} fields. */
    static List<MuteRule> muteAncestors() {
        List<MuteRule> rules = new ArrayList<>();
        ProcessHandle p = ProcessHandle.current().parent().orElse(null);
        while (p != null && p.pid() > 1) {
            rules.add(MuteRule.process((int) p.pid()));
            p = p.parent().orElse(null);
        }
        return rules;
    }

    /** A control socket for the tests' own status reads and rule checks. */
    static AuditNetlink control() throws AuditNetlink.NetlinkException {
        return AuditNetlink.open(Natives.get(), 0);
    }

    static AuditStatus status() throws Exception {
        try (AuditNetlink c = control()) {
            return c.status();
        }
    }

    /** @return the keys of every rule in the kernel */
    static List<String> ruleKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        try (AuditNetlink c = control()) {
            for (byte[] r : c.listRules()) {
                keys.add(String.valueOf(AuditRule.key(r)));
            }
        }
        return keys;
    }

    /** Sets {@code enabled} back to what it was (never to or from 2). */
    static void restoreEnabled(int enabled) throws Exception {
        try (AuditNetlink c = control()) {
            AuditStatus now = c.status();
            if (now.enabled() != enabled && now.enabled() != AuditStatus.ENABLED_LOCKED
                    && enabled != AuditStatus.ENABLED_LOCKED) {
                c.set(AuditStatus.MASK_ENABLED, AuditStatus.of(enabled, 0, 0));
            }
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

    /** The compiled actor helper (compiled once into target/). */
    static Path actor() throws IOException, InterruptedException {
        return compiled("actor");
    }

    /** The actor's path (compiled before any test runs it). */
    static String actorPath() {
        return Path.of("target", "test-helpers", "actor").toAbsolutePath().toString();
    }

    /** The actor linked statically (an ELF file without an interpreter). */
    static Path staticActor() throws IOException, InterruptedException {
        return compiled("actor-static", "-static");
    }

    private static Path compiled(String name, String... flags) throws IOException, InterruptedException {
        synchronized (AuditKernel.class) {
            Path out = Path.of("target", "test-helpers", name).toAbsolutePath();
            Path src = Path.of("src", "test", "c", "actor.c").toAbsolutePath();
            if (!Files.isExecutable(out) || Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) < 0) {
                Files.createDirectories(out.getParent());
                List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Werror"));
                cmd.addAll(List.of(flags));
                cmd.addAll(List.of("-o", out.toString(), src.toString()));
                run(cmd);
            }
            return out;
        }
    }

    /**
     * The interpreter an ELF file names ({@code PT_INTERP}), read from its program headers
     * (64-bit little-endian files).
     *
     * @return the path, or "" for a static file
     */
    static String elfInterpreter(Path file) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int size = b.getShort(0x36) & 0xffff;
        int count = b.getShort(0x38) & 0xffff;
        for (int i = 0; i < count; i++) {
            int at = (int) phoff + i * size;
            if (b.getInt(at) == 3) { // PT_INTERP
                int off = (int) b.getLong(at + 8);
                int len = (int) b.getLong(at + 32);
                return new String(b.array(), off, len - 1, StandardCharsets.UTF_8); // without its NUL
            }
        }
        return "";
    }

    /** Field 22 (start time in clock ticks) of {@code /proc/PID/stat}. */
    static long startTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
    }

    /** An actor run to completion: its pid and first output line. */
    record Outcome(long pid, String line) {
    }

    static Outcome act(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(actor().toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within 120 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return new Outcome(p.pid(), out.isEmpty() ? "exit=" + p.exitValue() : out.lines().findFirst().orElse(""));
    }

    /**
     * An actor that stops at "READY ..." until {@link #go()} (or is driven step by step with
     * {@link #send()} and {@link #line()}).
     */
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

        String go() throws IOException, InterruptedException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
            String line = out.readLine();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "actor did not finish");
            return line;
        }

        /** Writes a line to the actor's stdin, which lets it go on. */
        void send() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
        }

        /** @return the actor's next output line */
        String line() throws IOException {
            return out.readLine();
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    static boolean await(BooleanSupplier condition, int seconds) throws InterruptedException {
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
     * Waits up to 20 s for an event of the type matching p among those the handler queued. Tests
     * queue every event and match afterwards: a handler that filters on a pid the test learns only
     * when the actor has exited races with the delivery.
     */
    static <T extends Event> T awaitEvent(Queue<Event> q, Class<T> type, Predicate<T> p)
            throws InterruptedException {
        Object[] hit = new Object[1];
        await(() -> {
            for (Event e : q) {
                if (type.isInstance(e) && p.test(type.cast(e))) {
                    hit[0] = e;
                    return true;
                }
            }
            return false;
        }, 20);
        assertNotNull(hit[0], "no matching " + type.getSimpleName() + " among " + q.size() + " events: " + q);
        return type.cast(hit[0]);
    }

    /** The client's audit backend reported no error (a malformed record is one). */
    static void assertNoBackendErrors(org.esf4j.api.Client c) {
        org.esf4j.api.ClientStats.BackendCounters b = c.stats().backends().get("audit");
        assertNotNull(b, "no audit backend in " + c.stats().backends().keySet());
        org.junit.jupiter.api.Assertions.assertEquals(0, b.errors(), "audit backend errors: " + b);
    }

    /** The kernel release's (major, minor). */
    static int[] kernel() throws IOException {
        String[] p = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    static boolean atLeast(int major, int minor) throws IOException {
        int[] k = kernel();
        return k[0] > major || (k[0] == major && k[1] >= minor);
    }
}
