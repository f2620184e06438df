package org.esf4j.backend.bpflsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Witness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec event's ELF interpreter against binutils' readelf, and nothing where the file is not the
 * event's (no kernel feature needed).
 */
class ElfInterpreterTest {

    @TempDir
    Path dir;
    private ElfInterpreter elf;

    @BeforeEach
    void setUp() {
        elf = new ElfInterpreter(Natives.get());
    }

    @AfterEach
    void tearDown() {
        elf.close();
    }

    private String of(Path p) throws Exception {
        byte[] b = p.toString().getBytes(StandardCharsets.UTF_8);
        return elf.of(b, b.length, (Long) Files.getAttribute(p, "unix:dev"), (Long) Files.getAttribute(p, "unix:ino"));
    }

    @Test
    void dynamicExecutableNamesItsLoader() throws Exception {
        Path bin = Path.of("/bin/true").toRealPath();
        String expected = Witness.interpreter(bin);
        assertFalse(expected.isEmpty(), "/bin/true is expected to be dynamically linked");
        assertEquals(expected, of(bin));
    }

    @Test
    void staticExecutableScriptAndOtherFilesHaveNone() throws Exception {
        Path bin = Actor.staticPath();
        assertEquals("", Witness.interpreter(bin));
        assertEquals("", of(bin));
        assertEquals("", of(Files.writeString(dir.resolve("script"), "#!/bin/sh\nexit 0\n")));
        assertEquals("", of(Files.write(dir.resolve("short"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1})));
    }

    @Test
    void anotherFileUnderThePathIsNotRead() throws Exception {
        Path bin = Path.of("/bin/true").toRealPath();
        byte[] b = bin.toString().getBytes(StandardCharsets.UTF_8);
        long dev = (Long) Files.getAttribute(bin, "unix:dev");
        long ino = (Long) Files.getAttribute(bin, "unix:ino");
        assertEquals("", elf.of(b, b.length, dev, ino + 1), "another inode");
        assertEquals("", elf.of(b, b.length, dev + 1, ino), "another device");
        byte[] missing = dir.resolve("missing").toString().getBytes(StandardCharsets.UTF_8);
        assertEquals("", elf.of(missing, missing.length, dev, ino));
    }
}
