package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.esf4j.spi.nativeio.Fanotify;
import org.junit.jupiter.api.Test;

/** The decoder against hand-built kernel records, malformed ones included. */
class EventMetadataTest {

    private static ByteBuffer buf(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes one event at {@code off}: metadata plus an optional PIDFD record. */
    private static int event(ByteBuffer b, int off, long mask, int fd, int pid, Integer pidfd) {
        int len = 24 + (pidfd == null ? 0 : 8);
        b.putInt(off, len).put(off + 4, (byte) 3).put(off + 5, (byte) 0).putShort(off + 6, (short) 24)
         .putLong(off + 8, mask).putInt(off + 16, fd).putInt(off + 20, pid);
        if (pidfd != null) {
            b.put(off + 24, (byte) Fanotify.FAN_EVENT_INFO_TYPE_PIDFD).put(off + 25, (byte) 0)
             .putShort(off + 26, (short) 8).putInt(off + 28, pidfd);
        }
        return off + len;
    }

    @Test
    void walksSeveralEventsWithAndWithoutPidfd() {
        ByteBuffer b = buf(256);
        int end = event(b, 0, Fanotify.FAN_OPEN_PERM, 7, 1234, 9);
        end = event(b, end, Fanotify.FAN_OPEN_EXEC_PERM | Fanotify.FAN_OPEN_PERM, 8, 99, null);
        end = event(b, end, Fanotify.FAN_Q_OVERFLOW, -1, 0, null);
        EventMetadata md = new EventMetadata().wrap(b, end);
        assertTrue(md.next());
        assertEquals(Fanotify.FAN_OPEN_PERM, md.mask());
        assertEquals(7, md.fd());
        assertEquals(1234, md.pid());
        assertEquals(9, md.pidfd());
        assertTrue(md.next());
        assertEquals(8, md.fd());
        assertEquals(Integer.MIN_VALUE, md.pidfd());
        assertTrue(md.next());
        assertEquals(Fanotify.FAN_Q_OVERFLOW, md.mask());
        assertFalse(md.next());
        assertNull(md.malformed());
    }

    @Test
    void pidfdRecordFoundAfterUnknownRecords() {
        ByteBuffer b = buf(128);
        b.putInt(0, 24 + 12 + 8).put(4, (byte) 3).putShort(6, (short) 24).putLong(8, Fanotify.FAN_OPEN_PERM)
         .putInt(16, 5).putInt(20, 42);
        b.put(24, (byte) 5).putShort(26, (short) 12); // an ERROR record first: the kernel promises no order
        b.put(36, (byte) Fanotify.FAN_EVENT_INFO_TYPE_PIDFD).putShort(38, (short) 8).putInt(40, -1);
        EventMetadata md = new EventMetadata().wrap(b, 44);
        assertTrue(md.next());
        assertEquals(Fanotify.FAN_NOPIDFD, md.pidfd());
    }

    @Test
    void rejectsWrongVersion() {
        ByteBuffer b = buf(64);
        event(b, 0, Fanotify.FAN_OPEN_PERM, 7, 1, null);
        b.put(4, (byte) 2);
        EventMetadata md = new EventMetadata().wrap(b, 24);
        assertFalse(md.next());
        assertNotNull(md.malformed());
    }

    @Test
    void rejectsLengthsThatRunPastTheData() {
        ByteBuffer b = buf(64);
        event(b, 0, Fanotify.FAN_OPEN_PERM, 7, 1, null);
        b.putInt(0, 4000);
        EventMetadata md = new EventMetadata().wrap(b, 24);
        assertFalse(md.next());
        assertTrue(md.malformed().contains("event_len"));
        b.putInt(0, 8); // shorter than the metadata: would loop for ever if accepted
        md.wrap(b, 24);
        assertFalse(md.next());
        assertNotNull(md.malformed());
    }

    @Test
    void truncatedTailIsIgnored() {
        ByteBuffer b = buf(64);
        int end = event(b, 0, Fanotify.FAN_OPEN_PERM, 7, 1, null);
        EventMetadata md = new EventMetadata().wrap(b, end + 10);
        assertTrue(md.next());
        assertFalse(md.next());
        assertNull(md.malformed());
    }

    @Test
    void randomBytesNeverThrowOrLoop() {
        Random r = new Random(42);
        ByteBuffer b = buf(512);
        EventMetadata md = new EventMetadata();
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[r.nextInt(512)];
            r.nextBytes(bytes);
            if (bytes.length > 5 && r.nextBoolean()) {
                bytes[4] = 3;
            }
            b.clear();
            b.put(bytes);
            md.wrap(b, bytes.length);
            int steps = 0;
            while (md.next()) {
                md.mask();
                md.fd();
                md.pid();
                md.pidfd();
                assertTrue(++steps <= bytes.length / 24, "walk did not advance");
            }
        }
    }
}
