package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parse + reassembly path allocates nothing per record once the pool and arenas have grown. */
class ReassemblerAllocationTest {
    private static final int RECORDS = 100_000;
    /** What one measurement may show without any allocation by the code measured. */
    private static final long MEASUREMENT_SLACK_BYTES = 512;

    /** Touches every field of every record, as a consumer of the events would, without allocating. */
    static final class Toucher implements Reassembler.Listener {
        long sum;
        long events;

        @Override
        public void onEvent(AuditEvent e) {
            events++;
            for (int i = 0; i < e.recordCount(); i++) {
                AuditRecord r = e.record(i);
                byte[] b = r.buffer();
                for (int f = 0; f < r.fieldCount(); f++) {
                    sum += r.keyLength(f) + r.valueLength(f);
                    if (r.valueLength(f) > 0) {
                        sum += b[r.valueOffset(f)];
                    }
                }
                sum += r.number(r.indexOf("pid"), 10, 0);
                if (r.isNull(0)) {
                    sum++;
                }
            }
        }

        @Override
        public void onLost(long events, String reason) {
            sum += events;
        }

        @Override
        public void onMalformed(int type, byte[] buf, int off, int len) {
            sum -= len;
        }
    }

    /** The workload capture, restamped with increasing serials, {@code n} records in all. */
    static List<AuditLog.Rec> stream(int n, long firstSerial) {
        List<AuditLog.Rec> base = AuditLog.resource("workload.log");
        List<AuditLog.Rec> out = new ArrayList<>(n);
        long offset = firstSerial - base.get(0).serial();
        long span = base.get(base.size() - 1).serial() - base.get(0).serial() + 1;
        for (int pass = 0; out.size() < n; pass++) {
            for (AuditLog.Rec r : base) {
                if (out.size() == n) {
                    break;
                }
                String t = r.text();
                int colon = t.indexOf(':');
                int close = t.indexOf(')');
                long s = Long.parseLong(t.substring(colon + 1, close)) + offset + pass * span;
                out.add(new AuditLog.Rec(r.type(), (t.substring(0, colon + 1) + s + t.substring(close))
                        .getBytes(StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    static volatile Object sink;

    @Test
    void zeroBytesPerRecordAfterWarmUp() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        List<AuditLog.Rec> warm = stream(RECORDS, 1000);
        List<AuditLog.Rec> measured = stream(RECORDS, 1000 + 2L * RECORDS);
        byte[][] bufs = measured.stream().map(AuditLog.Rec::payload).toArray(byte[][]::new);
        int[] types = measured.stream().mapToInt(AuditLog.Rec::type).toArray();
        Toucher t = new Toucher();
        Reassembler r = new Reassembler(256, 2_000_000_000L, t);
        long now = 0;
        for (AuditLog.Rec rec : warm) {
            r.add(rec.type(), rec.payload(), 0, rec.payload().length, now += 1000);
        }
        r.flush();
        long eventsBefore = t.events;
        // the measurement sees allocation: a control
        long c0 = mx.getThreadAllocatedBytes(tid);
        sink = new byte[4096];
        long c1 = mx.getThreadAllocatedBytes(tid);
        assertTrue(c1 - c0 >= 4096, "the allocation counter works: " + (c1 - c0));
        // an empty measurement, for what measuring itself costs
        long e0 = mx.getThreadAllocatedBytes(tid);
        long e1 = mx.getThreadAllocatedBytes(tid);
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < bufs.length; i++) {
            r.add(types[i], bufs[i], 0, bufs[i].length, now += 1000);
        }
        long after = mx.getThreadAllocatedBytes(tid);
        long allocated = after - before - (e1 - e0);
        assertTrue(t.events - eventsBefore > RECORDS / 10, "events were delivered");
        assertEquals(0, r.malformed());
        assertTrue(allocated <= MEASUREMENT_SLACK_BYTES,
                allocated + " bytes allocated for " + RECORDS + " records (" + (double) allocated / RECORDS + " B/record)");
    }
}
