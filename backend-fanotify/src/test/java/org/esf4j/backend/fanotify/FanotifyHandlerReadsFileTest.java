package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Events;
import org.esf4j.testsuite.Tmpfs;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an EDR does first with a file it authorizes: hash it. Through {@code Authorization.file()}
 * the handler reads the event's own descriptor, so even on the reader thread its reads raise no
 * event of the client's own group: every open and exec is answered by the handler, none by the
 * deadline, and the hash is the file's.
 */
class FanotifyHandlerReadsFileTest {

    @RegisterExtension
    final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new FanotifyProvider());



    private static byte[] sha256(SeekableByteChannel ch) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (ch.read(b) > 0) {
            b.flip();
            md.update(b);
            b.clear();
        }
        return md.digest();
    }

    @ParameterizedTest
    @EnumSource(ClientConfig.HandlerThread.class)
    void aHandlerHashesTheFileThroughTheEventsDescriptor(ClientConfig.HandlerThread thread) throws Exception {
        Path data = tmpfs.file("data.bin", "x".repeat(200_000));
        Path program = tmpfs.executableCopy("tool", Path.of("/bin/true").toRealPath());
        Map<String, byte[]> hashes = new ConcurrentHashMap<>();
        Map<String, Long> sizes = new ConcurrentHashMap<>();
        ClientConfig.Builder b = ClientConfig.builder().scope(Scope.mount(tmpfs.dir())).handlerThread(thread)
                .deadline(Duration.ofSeconds(2));
        for (EventKind k : List.of(EventKind.EXEC, EventKind.FILE_OPEN)) {
            b.subscribe(k, Mode.AUTH).pinBackend(k, FanotifyProvider.NAME);
        }
        Events.muteAncestors().forEach(b::mute);
        b.onAuthorization(req -> {
            String path = req.event() instanceof ExecEvent x ? x.executable() : ((FileOpenEvent) req.event()).path();
            try (SeekableByteChannel ch = req.file().orElseThrow()) {
                sizes.put(path, ch.size());
                hashes.put(path, sha256(ch));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Verdict.allow();
        });
        try (Client c = EndpointSecurity.newClient(b.build())) {
            for (int i = 0; i < 10; i++) {
                assertEquals("OK", Actor.act("open", data.toString()));
            }
            assertEquals("exit=0", Actor.act("exec", program.toString()));
            assertEquals(0, c.stats().total().deadlineMisses(), "every answer came from the handler: " + c.stats());
            assertEquals(0, c.stats().total().handlerErrors(), c.stats().toString());
        }
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        assertArrayEquals(md.digest(Files.readAllBytes(data)), hashes.get(data.toString()));
        assertEquals(Files.size(data), sizes.get(data.toString()));
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(program)),
                hashes.get(program.toString()));
        assertTrue(hashes.size() >= 2, hashes.keySet().toString());
    }
}
