package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Tmpfs;

/** Self-exclusion (the JVM's own opens never wait) and the verdict cache (never stale). */
class FanotifySelfAndCacheTest {

    @RegisterExtension
    final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new FanotifyProvider());



    /** A class file of this test suite copied under the marked mount. */
    private Path classesUnderMount() throws Exception {
        String name = SelfLoaded.class.getName().replace('.', '/') + ".class";
        Path src = Path.of(SelfLoaded.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve(name);
        Path root = tmpfs.dir().resolve("classes");
        Path dst = root.resolve(name);
        Files.createDirectories(dst.getParent());
        Files.copy(src, dst);
        return root;
    }

    @Test
    void jvmLoadsClassesAndReadsFilesUnderMarkedMountWhileDenyingEverything() throws Exception {
        Path root = classesUnderMount();
        Path data = tmpfs.file("data.txt", "hello");
        ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .subscribe(EventType.EXEC, Mode.AUTH).scope(Scope.mount(tmpfs.dir()))
                .deadline(Duration.ofSeconds(30)).deadlineVerdict(false)
                .authorizationHandler(req -> Verdict.deny()).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                try (URLClassLoader cl = new URLClassLoader(new URL[] {root.toUri().toURL()}, null)) {
                    Class<?> c = cl.loadClass(SelfLoaded.class.getName());
                    assertEquals(cl, c.getClassLoader());
                }
                for (int i = 0; i < 100; i++) {
                    assertEquals("hello", Files.readString(data));
                }
            });
            assertTrue(client.stats().total().self() >= 100, client.stats().toString());
            // Everyone else is still denied.
            assertEquals("EPERM", Actor.act("open", data.toString()));
        }
    }

    @Test
    void cachedAllowInTheKernelStopsHandlerCallsUntilTheFileChanges() throws Exception {
        Path file = tmpfs.file("cached.txt", "v1");
        AtomicInteger calls = new AtomicInteger();
        ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .scope(Scope.mount(tmpfs.dir())).authorizationHandler(req -> {
                    calls.incrementAndGet();
                    return Verdict.allow().cached();
                }).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            for (int i = 0; i < 5; i++) {
                assertEquals("OK", Actor.act("open", file.toString()));
            }
            assertEquals(1, calls.get(), "a cached allow must stop handler calls");
            assertEquals(1, client.stats().total().kernelCacheEntries(), client.stats().toString());
            long received = client.stats().total().received();
            assertEquals("OK", Actor.act("open", file.toString()));
            assertEquals(received, client.stats().total().received(), "a kernel cache hit reaches no user space");

            assertEquals("OK", Actor.act("write", file.toString())); // the write's own open asks again
            int afterWrite = calls.get();
            assertEquals("OK", Actor.act("open", file.toString()));
            assertEquals(afterWrite + 1, calls.get(), "a modified file must not hit the cache");
        }
    }

    @Test
    void engineCacheWhenKernelCacheIsOff() throws Exception {
        Path file = tmpfs.file("cached2.txt", "v1");
        AtomicInteger calls = new AtomicInteger();
        ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .scope(Scope.mount(tmpfs.dir())).kernelCache(false).authorizationHandler(req -> {
                    calls.incrementAndGet();
                    return Verdict.deny().cached();
                }).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            for (int i = 0; i < 4; i++) {
                assertEquals("EPERM", Actor.act("open", file.toString()));
            }
            assertEquals(1, calls.get());
            assertTrue(client.stats().total().cacheHits() >= 3, client.stats().toString());
            Files.writeString(file, "v2"); // our own write: allowed as SELF, changes ctime
            assertEquals("EPERM", Actor.act("open", file.toString()));
            assertEquals(2, calls.get(), "the modified file must ask the handler again");
        }
    }

    /** Loaded from the marked mount by the self-exclusion test. */
    static final class SelfLoaded {
    }
}
