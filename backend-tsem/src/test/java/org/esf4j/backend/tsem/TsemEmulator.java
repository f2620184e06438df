/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esf4j.testsuite.Kernel;
import org.esf4j.testsuite.Tmpfs;

/**
 * The TSEM emulator ({@code src/test/emulator}) for one test: built on first use, its files served
 * on a directory of a tmpfs the test mounts, the backend pointed at it (system property
 * {@value TsemBackend#ROOT_PROPERTY}). The emulator needs FUSE ({@code /dev/fuse}, libfuse3); where
 * CI requires {@code tsem-emulator} a missing piece fails the test.
 */
final class TsemEmulator implements AutoCloseable {

    private static final Path SOURCE = Path.of("src", "test", "emulator").toAbsolutePath();
    private static final Path BINARY = Path.of("target", "tsem-emulator", "tsem-emulator").toAbsolutePath();

    final Tmpfs tmpfs;
    final Path root;
    private final Process process;
    private final List<String> log = new ArrayList<>();

    private TsemEmulator(Tmpfs tmpfs, Path root, Process process) {
        this.tmpfs = tmpfs;
        this.root = root;
        this.process = process;
    }

    /** Builds the emulator once per JVM. */
    static synchronized Path binary() throws IOException, InterruptedException {
        Kernel.require("tsem-emulator", Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing");
        Kernel.require("tsem-emulator", Files.exists(Path.of("/usr/include/fuse3/fuse_lowlevel.h")),
                "libfuse3-dev is not installed");
        boolean stale = !Files.isExecutable(BINARY);
        if (!stale) {
            try (java.util.stream.Stream<Path> src = Files.list(SOURCE)) {
                java.nio.file.attribute.FileTime built = Files.getLastModifiedTime(BINARY);
                stale = src.anyMatch(f -> {
                    try {
                        return Files.getLastModifiedTime(f).compareTo(built) > 0;
                    } catch (IOException e) {
                        return true;
                    }
                });
            }
        }
        if (stale) {
            Kernel.run(List.of("bash", SOURCE.resolve("build").toString(), BINARY.getParent().toString()));
        }
        return BINARY;
    }

    /**
     * Starts an emulator speaking {@code syntax}.
     *
     * @param syntax {@code tnum} or {@code v4}
     * @param extra more arguments
     */
    static TsemEmulator start(String syntax, String... extra) throws IOException, InterruptedException {
        Path bin = binary();
        Tmpfs t = new Tmpfs();
        Path root = Files.createDirectories(t.dir.resolve("tsem"));
        Path trace = BINARY.getParent().resolve("trace-" + syntax + ".log");
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "--root", root.toString(), "--syntax", syntax,
                "--trace-log", trace.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (!"ready".equals(line)) {
            p.destroyForcibly();
            t.close();
            throw new AssertionError("the emulator did not start: " + line + " (exit " + (p.waitFor(5,
                    TimeUnit.SECONDS) ? p.exitValue() : -1) + ")");
        }
        System.setProperty(TsemBackend.ROOT_PROPERTY, root.toString());
        TsemProbe.forget();
        return new TsemEmulator(t, root, p);
    }

    @Override
    public void close() throws Exception {
        System.clearProperty(TsemBackend.ROOT_PROPERTY);
        TsemProbe.forget();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        Kernel.run(List.of("sh", "-c", "umount -l " + root + " 2>/dev/null; true"));
        tmpfs.close();
    }
}
