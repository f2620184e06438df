package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.esf4j.api.LatencySummary;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void bucketsCoverValuesWithSmallRelativeError() {
        for (long v : new long[] {0, 1, 63, 64, 65, 1000, 12_345, 1_000_000, 123_456_789, 1L << 40}) {
            long ub = LatencyHistogram.upperBound(LatencyHistogram.index(v));
            assertTrue(ub >= v && ub - v <= Math.max(1, v / 60), v + " -> " + ub);
        }
    }

    @Test
    void percentiles() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(LatencySummary.EMPTY, h.summary());
        for (int i = 1; i <= 1000; i++) {
            h.record(i * 1000L); // 1 us .. 1 ms
        }
        LatencySummary s = h.summary();
        assertEquals(1000, s.count());
        assertEquals(1_000_000, s.maxNanos());
        assertTrue(Math.abs(s.p50Nanos() - 500_000) <= 500_000 / 60, s.toString());
        assertTrue(Math.abs(s.p99Nanos() - 990_000) <= 990_000 / 60, s.toString());
        assertTrue(s.p999Nanos() <= s.maxNanos());
    }
}
