package org.esf4j.benchmarks.fanotify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A responder (C or Java) running as a separate process: its events must not come from its own
 * pid. Speaks the line protocol both responders share: {@code READY} on stdout, {@code MEASURE}
 * on stdin, stdin EOF to stop, {@code KEY value} lines on stdout at exit.
 */
final class ResponderProcess {

    /** What a responder printed at exit. */
    record Result(int exitCode, boolean forced, Map<String, String> values) {
        String value(String key) {
            return values.getOrDefault(key, "n/a");
        }

        long longValue(String key) {
            String v = values.get(key);
            try {
                return v == null ? -1 : Long.parseLong(v);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    private final Process process;
    private final OutputStream stdin;
    private final List<String> lines = new ArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread pump;
    private final Path log;

    private ResponderProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.stdin = process.getOutputStream();
        this.pump = new Thread(this::pump, "responder-stdout-" + process.pid());
        this.pump.setDaemon(true);
        this.pump.start();
    }

    /** Starts the command with stderr appended to {@code log}. */
    static ResponderProcess start(List<String> command, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new ResponderProcess(pb.start(), log);
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                }
                if (line.equals("READY")) {
                    ready.countDown();
                }
            }
        } catch (IOException e) {
            // the process is gone; stop() reports its exit code
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for READY; fails when the process exits first or the timeout passes. */
    void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.await(50, TimeUnit.MILLISECONDS)) {
            if (!process.isAlive()) {
                throw new IOException("responder exited with status " + process.exitValue() + " before READY"
                        + stderrTail());
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IOException("responder not READY within " + timeout.toSeconds() + " s" + stderrTail());
            }
        }
    }

    /** The last lines of the stderr log, for a failure message. */
    private String stderrTail() {
        try {
            List<String> all = java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("\tat ") && !l.startsWith("WARNING:")).toList();
            List<String> tail = all.subList(Math.max(0, all.size() - 2), all.size());
            return tail.isEmpty() ? "" : " (stderr: " + String.join(" | ", tail) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
    }

    void kill() {
        process.destroyForcibly();
    }

    /**
     * Closes stdin, waits for the exit (then SIGTERM, then SIGKILL) and parses the output.
     */
    Result stop(Duration timeout) throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        boolean forced = false;
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            forced = true;
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        pump.join(5000);
        Map<String, String> values = new LinkedHashMap<>();
        synchronized (lines) {
            for (String l : lines) {
                int sp = l.indexOf(' ');
                if (sp > 0) {
                    values.put(l.substring(0, sp), l.substring(sp + 1).trim());
                }
            }
        }
        return new Result(process.exitValue(), forced, values);
    }
}
