/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.ProbeResult;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;

/**
 * Whether TSEM can be used here, and how: securityfs mounted, {@code tsem} among the active LSMs,
 * the {@code control} file openable for writing (CAP_MAC_ADMIN), and which release syntax the
 * kernel speaks — learnt from the records of a short-lived {@code export} namespace (nothing in
 * it waits) running {@code /bin/true}: a {@code tnum} key means the later syntax, its absence the
 * v3/v4 key scheme. TSEM v1/v2's {@code /sys/fs/tsem} layout is reported as unsupported rather
 * than misread. Against a directory other than the securityfs one (an emulator of the ABI), the
 * LSM list is not consulted and the report says so.
 */
final class TsemProbe {

    /** TSEM v1/v2 mounted its own file system here. */
    static final Path LEGACY = Path.of("/sys/fs/tsem");
    static final Path LSM_LIST = Path.of("/sys/kernel/security/lsm");

    /** The probe's outcome and, when known, the syntax. */
    record Result(ProbeResult status, TsemSyntax syntax) {
    }

    private static final ConcurrentHashMap<Path, Result> CACHE = new ConcurrentHashMap<>();

    private TsemProbe() {
    }

    /** @return the root the backend uses unless configured otherwise */
    static Path defaultRoot() {
        return Path.of(System.getProperty(TsemBackend.ROOT_PROPERTY, TsemBackend.DEFAULT_ROOT));
    }

    static Result probe(Path root) {
        return CACHE.computeIfAbsent(root, r -> {
            TsemSyntax[] syntax = new TsemSyntax[1];
            ProbeResult p = ProbeResult.guarded(() -> check(r, syntax));
            return new Result(p, syntax[0]);
        });
    }

    /** Forgets what was learnt (tests start and stop emulators). */
    static void forget() {
        CACHE.clear();
    }

    private static ProbeResult check(Path root, TsemSyntax[] syntaxOut) throws IOException {
        NativeOps ops = Natives.get();
        boolean real = root.equals(Path.of(TsemBackend.DEFAULT_ROOT));
        if (real) {
            if (!mounted("/sys/kernel/security", "securityfs")) {
                return ProbeResult.unavailable(ReasonCode.SECURITYFS_NOT_MOUNTED,
                        "securityfs is not mounted on /sys/kernel/security",
                        "mount -t securityfs securityfs /sys/kernel/security", ops.binding());
            }
            String lsms = Files.isReadable(LSM_LIST) ? Files.readString(LSM_LIST).strip() : "";
            boolean active = List.of(lsms.split(",")).contains("tsem");
            if (!active) {
                if (Files.isDirectory(LEGACY)) {
                    return ProbeResult.unavailable(ReasonCode.KERNEL_FEATURE_MISSING,
                            "this kernel has TSEM's v1/v2 layout (" + LEGACY + "), which esf4j does not read",
                            "a kernel with TSEM v3 or later (securityfs " + TsemBackend.DEFAULT_ROOT + ")", ops.binding());
                }
                return ProbeResult.unavailable(ReasonCode.LSM_NOT_ACTIVE,
                        "tsem is not among the active LSMs (" + (lsms.isEmpty() ? "none listed" : lsms) + ")",
                        "a kernel built with CONFIG_SECURITY_TSEM, with tsem in lsm= on its command line",
                        ops.binding());
            }
        }
        if (!Files.isDirectory(root) || !Files.exists(root.resolve("control"))) {
            return ProbeResult.unavailable(ReasonCode.KERNEL_FEATURE_MISSING, root + " has no TSEM control file",
                    real ? "a kernel with TSEM v3 or later" : "start the TSEM emulator on " + root, ops.binding());
        }
        if (!Files.isDirectory(root.resolve("external_tma"))) {
            return ProbeResult.unavailable(ReasonCode.KERNEL_FEATURE_MISSING, root + " has no external_tma directory"
                    + " (a TSEM without external modeling)", "a kernel with TSEM v3 or later", ops.binding());
        }
        int fd = open(ops, root.resolve("control"), Fcntl.O_WRONLY | Fcntl.O_CLOEXEC);
        if (fd < 0 && -fd != Errno.EBUSY) {
            return ProbeResult.unavailable(-fd == Errno.EACCES || -fd == Errno.EPERM ? ReasonCode.MISSING_CAPABILITY
                            : ReasonCode.PROBE_FAILED, "cannot open " + root.resolve("control") + " for writing: "
                            + Errno.describe(-fd), "run with CAP_MAC_ADMIN", ops.binding());
        }
        if (fd >= 0) {
            ops.close(fd);
        }
        String where = real ? "securityfs " + root : "an emulation of the ABI at " + root + " (not securityfs; the LSM"
                + " list was not consulted)";
        TsemSyntax s = syntax(root);
        syntaxOut[0] = s;
        String syntaxText = s == null ? "release syntax unknown (the probe's export namespace gave no event record)"
                : s == TsemSyntax.TNUM ? "release syntax tnum= (records carry task numbers: the development tree after v4)"
                : "release syntax key= (records carry no task number: v3/v4)";
        boolean rootExport = Files.exists(root.resolve("external_tma/0"));
        return ProbeResult.available("TSEM on " + where + "; " + syntaxText
                + (rootExport ? "; the root namespace is export-only (host-wide NOTIFY events)" : "")
                + (fd < 0 ? "; control is held by another orchestrator right now" : "")
                + "; a verdict taints the task (its later operations), it never denies the one asked", ops.binding());
    }

    /**
     * Runs {@code /bin/true} in an {@code export} namespace (which no version makes wait, and which
     * needs no key) and looks at its first event record.
     */
    static TsemSyntax syntax(Path root) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("esf4j-tsem-probe");
            Path report = dir.resolve("report");
            Process p = new ProcessBuilder("/bin/sh", "-c", TsemBackend.SCRIPT, "esf4j-tsem-probe", root.toString(),
                    report.toString(), "export digest=sha256", "", "0", "0", "", "/bin/true")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String line = null;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (line == null && System.nanoTime() - end < 0) {
                String t = Files.exists(report) ? Files.readString(report) : "";
                if (t.startsWith("ok ") && t.endsWith("\n")) {
                    line = t.strip();
                } else if (!p.isAlive()) {
                    return null;
                } else {
                    Thread.sleep(1);
                }
            }
            if (line == null) {
                p.destroyForcibly();
                return null;
            }
            long id = Long.parseLong(line.split(" ")[2]);
            p.waitFor(3, TimeUnit.SECONDS);
            NativeOps ops = Natives.get();
            int fd = open(ops, root.resolve("external_tma").resolve(Long.toString(id)),
                    Fcntl.O_RDONLY | Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK);
            if (fd < 0) {
                return null;
            }
            try (NativeBuffer b = ops.allocate(TsemBackend.RECORD_BUFFER)) {
                byte[] rec = new byte[TsemBackend.RECORD_BUFFER];
                TsemRecord r = new TsemRecord();
                long stop = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                while (System.nanoTime() - stop < 0) {
                    long n = ops.read(fd, b.address(), TsemBackend.RECORD_BUFFER);
                    ops.lseek(fd, 0, 0);
                    if (n <= 0) {
                        Thread.sleep(1);
                        continue;
                    }
                    b.buffer().get(0, rec, 0, (int) n);
                    try {
                        r.decode(rec, (int) n);
                    } catch (TsemRecord.Malformed m) {
                        continue;
                    }
                    if (r.exportType == TsemRecord.EVENT || r.exportType == TsemRecord.ASYNC_EVENT) {
                        return r.tnum >= 0 ? TsemSyntax.TNUM : TsemSyntax.KEY;
                    }
                }
                return null;
            } finally {
                ops.close(fd);
            }
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir.resolve("report"));
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    private static boolean mounted(String target, String type) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = l.split(" ");
            if (f.length > 2 && f[1].equals(target) && f[2].equals(type)) {
                return true;
            }
        }
        return false;
    }

    static int open(NativeOps ops, Path p, int flags) {
        String path = p.toString();
        try (NativeBuffer nb = ops.allocate(path.getBytes(StandardCharsets.UTF_8).length + 1)) {
            return ops.open(nb.putCString(0, path), flags, 0);
        }
    }
}
