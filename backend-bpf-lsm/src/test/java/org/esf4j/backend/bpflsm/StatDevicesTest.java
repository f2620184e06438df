package org.esf4j.backend.bpflsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a device is learned: from a regular file still under its name (no kernel feature needed). */
class StatDevicesTest {

    @TempDir
    Path dir;
    private StatDevices devices;

    @BeforeEach
    void setUp() {
        devices = new StatDevices(Natives.get());
    }

    @AfterEach
    void tearDown() {
        devices.close();
    }

    private boolean learn(long dev, long ino, Path p) {
        byte[] b = p.toString().getBytes(StandardCharsets.UTF_8);
        return devices.learn(dev, ino, b, b.length);
    }

    private static long attr(Path p, String name) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:" + name)).longValue();
    }

    @Test
    void aDeviceWhoseFilesStatWithItIsTheSame() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        long dev = attr(f, "dev");
        assertEquals(StatDevices.UNKNOWN, devices.known(dev));
        assertTrue(learn(dev, attr(f, "ino"), f));
        assertEquals(StatDevices.SAME, devices.known(dev));
    }

    @Test
    void aDeviceWhoseFilesStatWithAnotherIsDifferent() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        long hooked = attr(f, "dev") + 1; // as an overlay's superblock would be
        assertFalse(learn(hooked, attr(f, "ino"), f));
        assertEquals(StatDevices.DIFFERENT, devices.known(hooked));
    }

    @Test
    void directoriesOtherFilesAndRelativeNamesTeachNothing() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        long dev = attr(f, "dev");
        assertFalse(learn(dev, attr(dir, "ino"), dir), "a directory");
        assertFalse(learn(dev, attr(f, "ino") + 1, f), "another inode under the name");
        byte[] relative = "f".getBytes(StandardCharsets.US_ASCII);
        assertFalse(devices.learn(dev, attr(f, "ino"), relative, relative.length));
        assertFalse(devices.learn(dev, attr(f, "ino"), new byte[0], 0), "no exact path");
        assertEquals(StatDevices.UNKNOWN, devices.known(dev));
        for (int i = 0; i < 16; i++) {
            devices.learn(dev, 0, new byte[0], 0);
        }
        assertEquals(StatDevices.DIFFERENT, devices.known(dev), "given up on");
    }

    @Test
    void manyDevices() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        for (long d = 1; d <= 100; d++) {
            assertFalse(learn(attr(f, "dev") + d, attr(f, "ino"), f));
        }
        assertTrue(learn(attr(f, "dev"), attr(f, "ino"), f));
        assertEquals(StatDevices.DIFFERENT, devices.known(attr(f, "dev") + 50));
    }
}
