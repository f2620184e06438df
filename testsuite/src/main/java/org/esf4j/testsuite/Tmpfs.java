package org.esf4j.testsuite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A tmpfs the test mounts on a fresh temporary directory, so that marks, rules and files of a
 * kernel test never touch the rest of the machine (never {@code /} or the checkout's mount).
 * Unmounted (lazily) on close.
 */
public final class Tmpfs implements AutoCloseable {

    /** The mount point. */
    public final Path dir;

    /**
     * Mounts a 256 MiB tmpfs.
     */
    public Tmpfs() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("esf4j-test");
        Kernel.run(List.of("mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "esf4j-test", dir.toString()));
    }

    /**
     * Writes a file (and its directories).
     *
     * @param name a path relative to the mount
     * @param content its text
     * @return the file
     */
    public Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content);
    }

    /**
     * Copies an executable into the mount.
     *
     * @param name a path relative to the mount
     * @param source the file to copy
     * @return the copy, executable by everyone
     */
    public Path executableCopy(String name, Path source) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.copy(source, p);
        p.toFile().setExecutable(true, false);
        return p;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Kernel.run(List.of("umount", "-l", dir.toString()));
        Files.deleteIfExists(dir);
    }
}
