package org.esf4j.backend.bpflsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The committed BPF object ships in the jar and matches its sources. */
class BpfObjectTest {

    @Test
    void objectIsOnTheClassPathAndIsAnElfBpfObject() throws Exception {
        try (InputStream in = EventRecord.class.getResourceAsStream("esf4j.bpf.o")) {
            assertNotNull(in, "esf4j.bpf.o is not packaged next to the backend's classes");
            byte[] head = in.readNBytes(20);
            assertEquals(0x7f, head[0]);
            assertEquals("ELF", new String(head, 1, 3, StandardCharsets.US_ASCII));
            assertEquals(247, (head[18] & 0xff) | (head[19] & 0xff) << 8, "e_machine EM_BPF");
        }
    }

    /** Fails when esf4j.bpf.c or esf4j.h changed without a rebuild (and, with clang, on any byte). */
    @Test
    void committedObjectIsNotStale() throws Exception {
        Process p = new ProcessBuilder("src/main/bpf/build", "--check").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "build --check hung");
        assertEquals(0, p.exitValue(), out);
    }
}
