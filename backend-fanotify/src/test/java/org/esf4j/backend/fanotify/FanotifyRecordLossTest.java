package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.nativeio.Fanotify;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.Test;

/**
 * Records the kernel never sends to esf4j's groups, or should never send, still end in a drop
 * notice, not in silence: {@code FAN_Q_OVERFLOW} (the groups use {@code FAN_UNLIMITED_QUEUE}, so
 * the kernel has no reason to send it) and a record whose length cannot be walked past. They are
 * handed to the reader's own code through {@link FanotifyBackend#dispatchForTest}, on a real
 * group.
 */
class FanotifyRecordLossTest {

    private static final int SIZE = 24;

    /** What reaches the engine from the reader. */
    private static final class Recorder implements EventSink {
        final List<String> drops = new CopyOnWriteArrayList<>();
        final List<String> errors = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(RawEvent event) {
            throw new AssertionError("no event expected, got " + event.kind());
        }

        @Override
        public void onSelf() {
        }

        @Override
        public void onDrop(String layer, long count, String detail) {
            drops.add(layer + " " + count + " " + detail);
        }

        @Override
        public void onError(String operation, int errno) {
            errors.add(operation);
        }
    }

    private static FanotifyBackend backend(Recorder r) {
        Kernel.requireBackend(new FanotifyProvider());
        ClientConfig config = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                .onAuthorization(q -> null).build();
        return FanotifyBackend.open(new BackendContext(config, Map.of(EventKind.FILE_OPEN, Mode.AUTH), r, null),
                FanotifyProbe.ensureAvailable());
    }

    private static ByteBuffer record(int eventLen, long mask, int fd) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
        b.putInt(0, eventLen).put(4, (byte) 3).put(5, (byte) 0).putShort(6, (short) SIZE).putLong(8, mask)
                .putInt(16, fd).putInt(20, 4242);
        return b;
    }

    @Test
    void aQueueOverflowIsADropNotice() {
        Recorder r = new Recorder();
        FanotifyBackend b = backend(r);
        try {
            assertEquals(1, b.dispatchForTest(record(SIZE, Fanotify.FAN_Q_OVERFLOW, -1), SIZE));
            assertEquals(1, r.drops.size(), r.drops.toString());
            assertTrue(r.drops.get(0).startsWith("kernel-queue -1 FAN_Q_OVERFLOW"), r.drops.toString());
        } finally {
            b.close();
        }
    }

    @Test
    void aRecordThatCannotBeWalkedPastIsADropNoticeAndAnError() {
        Recorder r = new Recorder();
        FanotifyBackend b = backend(r);
        try {
            assertEquals(0, b.dispatchForTest(record(8, Fanotify.FAN_OPEN_PERM, -1), SIZE));
            assertEquals(1, r.drops.size(), r.drops.toString());
            assertTrue(r.drops.get(0).startsWith("malformed -1 a malformed fanotify record (event_len 8"),
                    r.drops.toString());
            assertEquals(1, r.errors.size(), r.errors.toString());
        } finally {
            b.close();
        }
    }
}
