package org.esf4j.spi.engine;

import java.util.concurrent.atomic.AtomicLongArray;
import org.esf4j.api.LatencySummary;

/**
 * A lock-free log-linear histogram of nanosecond latencies: 64 sub-buckets per power of two
 * (relative error below 1.6 %), from 1 ns to 2^40 ns (about 18 minutes; larger values land in the
 * last bucket). Recording is one array increment, allocates nothing and may run on any thread.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXP = 40;
    private static final int BUCKETS = (MAX_EXP - SUB_BITS + 2) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLongArray max = new AtomicLongArray(1);

    /**
     * Records one value.
     *
     * @param nanos the latency; negative values count as 0
     */
    void record(long nanos) {
        long v = Math.max(nanos, 0);
        counts.incrementAndGet(index(v));
        long m;
        while (v > (m = max.get(0)) && !max.compareAndSet(0, m, v)) {
            Thread.onSpinWait();
        }
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exp = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
        if (exp > MAX_EXP) {
            return BUCKETS - 1;
        }
        int sub = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
        return (exp - SUB_BITS + 1) * SUB + sub;
    }

    /** The highest value that maps to bucket {@code i} (what percentiles report). */
    static long upperBound(int i) {
        if (i < SUB) {
            return i;
        }
        int exp = i / SUB - 1 + SUB_BITS;
        long sub = i % SUB;
        long low = (1L << exp) | (sub << (exp - SUB_BITS));
        return low + (1L << (exp - SUB_BITS)) - 1;
    }

    /**
     * Percentiles of everything recorded so far (allocates; not for the hot path).
     *
     * @return the summary
     */
    LatencySummary summary() {
        long[] c = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
            total += c[i];
        }
        if (total == 0) {
            return LatencySummary.EMPTY;
        }
        long mx = max.get(0);
        return new LatencySummary(total, Math.min(mx, percentile(c, total, 0.50)),
                Math.min(mx, percentile(c, total, 0.99)), Math.min(mx, percentile(c, total, 0.999)), mx);
    }

    private static long percentile(long[] c, long total, double q) {
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < c.length; i++) {
            seen += c[i];
            if (seen >= rank && c[i] > 0) {
                return upperBound(i);
            }
        }
        return upperBound(c.length - 1);
    }
}
