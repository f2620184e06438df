package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link Reassembler#add}, {@link Reassembler#expire} and {@link Reassembler#flush} with
 * sequences of records, and every view and helper of the events delivered. Property: nothing
 * throws, nothing loops, memory stays within the configured limits, and the counters add up.
 *
 * <p>Input: lines. {@code <type> <text>} adds a record ({@code 1300 audit(1.000:5): a=1}); {@code T<n>}
 * advances the clock by n; {@code X} calls expire; {@code F} calls flush. Seeds:
 * {@code ReassemblerFuzzTestInputs/add/} (the test resources in this form, interleaved).
 */
class ReassemblerFuzzTest {
    static final int MAX_IN_FLIGHT = 4;
    static final int MAX_EVENT_BYTES = 64 << 10;
    static final int MAX_EVENT_RECORDS = 64;

    /** Touches everything an event offers and checks what must hold. */
    static final class Checker implements Reassembler.Listener {
        long events;
        long lost;
        long malformed;

        @Override
        public void onEvent(AuditEvent e) {
            events++;
            assertTrue(e.recordCount() >= 1 && e.recordCount() <= MAX_EVENT_RECORDS);
            assertTrue(e.arena().length <= Math.max(4096, 2 * MAX_EVENT_BYTES), "arena bounded");
            for (int i = 0; i < e.recordCount(); i++) {
                AuditRecord r = e.record(i);
                assertEquals(e.recordType(i), r.type());
                assertEquals(e.serial(), r.serial());
                assertEquals(e.seconds(), r.seconds());
                for (int f = 0; f < r.fieldCount(); f++) {
                    assertTrue(r.valueOffset(f) + r.valueLength(f) <= r.offset() + r.length());
                    r.number(f, 10, 0);
                    r.string(f);
                    r.isNull(f);
                }
            }
            e.first(AuditType.SYSCALL);
            e.argv();
            e.argvTruncated();
            e.proctitle();
            byte[] sa = e.sockaddr();
            if (sa != null) {
                SockAddr.family(sa, sa.length);
                SockAddr.port(sa, sa.length);
                SockAddr.address(sa, sa.length);
            }
            e.toString();
        }

        @Override
        public void onLost(long n, String reason) {
            assertTrue(n > 0);
            assertEquals(Reassembler.LOST_SERIAL_GAP, reason);
            lost += n;
        }

        @Override
        public void onMalformed(int type, byte[] buf, int off, int len) {
            malformed++;
        }
    }

    @FuzzTest
    void add(byte[] data) {
        Checker c = new Checker();
        Reassembler r = new Reassembler(MAX_IN_FLIGHT, 1000, MAX_EVENT_BYTES, MAX_EVENT_RECORDS, c);
        long now = 0;
        int p = 0;
        while (p < data.length) {
            int nl = p;
            while (nl < data.length && data[nl] != '\n') {
                nl++;
            }
            now = line(r, data, p, nl, now);
            assertTrue(r.inFlight() <= MAX_IN_FLIGHT);
            p = nl + 1;
        }
        r.flush();
        assertEquals(0, r.inFlight());
        assertEquals(c.events, r.events());
        assertEquals(c.lost, r.lostBySerialGap());
        assertEquals(c.malformed, r.malformed());
        assertTrue(r.incomplete() <= r.events());
        assertTrue(r.events() + r.malformed() <= r.records());
    }

    private static long line(Reassembler r, byte[] d, int s, int e, long now) {
        if (s == e) {
            return now;
        }
        byte c = d[s];
        if (c == 'T') {
            return now + RecordScanner.number(d, s + 1, e - s - 1, 10, 1);
        }
        if (c == 'X' && e - s == 1) {
            r.expire(now);
            return now;
        }
        if (c == 'F' && e - s == 1) {
            r.flush();
            return now;
        }
        int sp = s;
        while (sp < e && d[sp] != ' ') {
            sp++;
        }
        int type = (int) RecordScanner.number(d, s, sp - s, 10, 1300);
        int off = Math.min(sp + 1, e);
        r.add(type, d, off, e - off, now);
        return now + 1;
    }
}
