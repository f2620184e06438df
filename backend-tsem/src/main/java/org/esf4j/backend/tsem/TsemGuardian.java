/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeps a workload from sleeping for ever once nobody orchestrates it. TSEM has no timeout:
 * a task of an external namespace whose orchestrator is gone waits at its next modeled operation
 * until it is killed. So each workload runs in a cgroup (v2) of its own, and a guardian process
 * outside the namespace waits on a pipe from this JVM; when the pipe closes — the client closed, or
 * the JVM died, even by SIGKILL — it kills the cgroup ({@code cgroup.kill}: the kernel wakes a
 * waiting task for a fatal signal) and removes it. Without a writable cgroup v2 hierarchy there is
 * no guardian, and {@link #available()} says so.
 */
final class TsemGuardian implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TsemGuardian.class);
    private static final AtomicInteger SERIAL = new AtomicInteger();

    private static final String SCRIPT = String.join("\n",
            "cg=$1",
            "read _",
            "echo 1 > \"$cg/cgroup.kill\" 2>/dev/null",
            "i=0",
            "while ! rmdir \"$cg\" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done");

    final Path cgroup;
    private final Process process;
    private final OutputStream pipe;

    private TsemGuardian(Path cgroup, Process process) {
        this.cgroup = cgroup;
        this.process = process;
        this.pipe = process.getOutputStream();
    }

    /** @return the cgroup v2 mount, or null */
    static Path hierarchy() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = l.split(" ");
                if (f.length > 2 && f[2].equals("cgroup2")) {
                    Path p = Path.of(f[1]);
                    return Files.isWritable(p) ? p : null;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    static boolean available() {
        return hierarchy() != null;
    }

    /**
     * Makes a cgroup for one workload and starts its guardian.
     *
     * @return the guardian, or null without cgroup v2 (the reason is logged once per launch)
     */
    static TsemGuardian start() {
        Path h = hierarchy();
        if (h == null) {
            LOG.warn("tsem: no writable cgroup v2 hierarchy: a workload whose client is gone will wait in the kernel"
                    + " until it is killed");
            return null;
        }
        Path cg = h.resolve("esf4j-tsem." + ProcessHandle.current().pid() + "." + SERIAL.incrementAndGet());
        try {
            Files.createDirectory(cg);
            Process p = new ProcessBuilder("/bin/sh", "-c", SCRIPT, "esf4j-tsem-guardian", cg.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return new TsemGuardian(cg, p);
        } catch (IOException e) {
            LOG.warn("tsem: cannot set up the workload's cgroup {}: {}", cg, e.toString());
            try {
                Files.deleteIfExists(cg);
            } catch (IOException ignored) {
                // left for the next boot
            }
            return null;
        }
    }

    /** Kills the workload's processes still running, and removes the cgroup. */
    @Override
    public void close() {
        try {
            pipe.close();
        } catch (IOException e) {
            process.destroy();
        }
    }

    /** @return whether the guardian has done its work */
    boolean done() {
        return !process.isAlive();
    }
}
