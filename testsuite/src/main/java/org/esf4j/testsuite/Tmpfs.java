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

    /**
     * A tmpfs for each test of a class, on a backend the test needs: register it with
     * {@code @RegisterExtension final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new SomeProvider());}.
     * Before each test it applies {@link Kernel#requireBackend} (fail where the backend is
     * required, skip otherwise) and mounts; after each test (after the class's own
     * {@code @AfterEach}) it unmounts.
     *
     * @param backend the backend the tests need
     * @return the extension
     */
    public static PerTest perTest(org.esf4j.spi.BackendProvider backend) {
        return new PerTest(backend);
    }

    /** See {@link #perTest}. */
    public static final class PerTest implements org.junit.jupiter.api.extension.BeforeEachCallback,
            org.junit.jupiter.api.extension.AfterEachCallback {
        private final org.esf4j.spi.BackendProvider backend;
        private Tmpfs mounted;

        private PerTest(org.esf4j.spi.BackendProvider backend) {
            this.backend = backend;
        }

        @Override
        public void beforeEach(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
            Kernel.requireBackend(backend);
            mounted = new Tmpfs();
        }

        @Override
        public void afterEach(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
            if (mounted != null) {
                mounted.close();
                mounted = null;
            }
        }

        /** @return the mount point of this test's tmpfs */
        public Path dir() {
            return mounted.dir;
        }

        /** @see Tmpfs#file */
        public Path file(String name, String content) throws IOException {
            return mounted.file(name, content);
        }

        /** @see Tmpfs#executableCopy */
        public Path executableCopy(String name, Path source) throws IOException {
            return mounted.executableCopy(name, source);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Kernel.run(List.of("umount", "-l", dir.toString()));
        Files.deleteIfExists(dir);
    }
}
