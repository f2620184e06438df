package org.esf4j.backend.audit.record;

/**
 * Counts audit serials that never arrived, with a sliding bitmap over the last {@link #SIZE}
 * serials; the rules are documented on {@link Reassembler}. Allocation-free after construction.
 */
final class SerialWindow {
    /** Serials tracked; a missing serial is counted lost at the latest when it leaves the window. */
    static final int SIZE = 1 << 14;
    /** A jump of more than this many serials, either way, restarts the window without counting. */
    static final long DISCONTINUITY = 1L << 24;

    private static final int CHECKPOINTS = 64;

    private final long[] bits = new long[SIZE / 64];
    private boolean started;
    /** The lowest serial not yet settled: everything below was seen or counted lost. */
    private long base;
    /** The highest serial seen. */
    private long high;

    // (time, high + 1) pairs, oldest first, to settle serials missing for longer than the timeout
    private final long[] cpTime = new long[CHECKPOINTS];
    private final long[] cpMark = new long[CHECKPOINTS];
    private int cpFirst;
    private int cpCount;

    private void start(long s) {
        java.util.Arrays.fill(bits, 0L);
        started = true;
        base = s;
        high = s;
        cpCount = 0;
        cpFirst = 0;
        set(s);
    }

    private void set(long s) {
        int i = (int) (s & (SIZE - 1));
        bits[i >>> 6] |= 1L << i;
    }

    /**
     * Records a serial seen (any number of times).
     *
     * @return the serials newly counted lost because the window moved past them
     */
    long observe(long s) {
        if (!started) {
            start(s);
            return 0;
        }
        long d = s - high;
        if (d > DISCONTINUITY || d < -DISCONTINUITY) {
            start(s); // a wrap, or a late record from before one: no loss counted
            return 0;
        }
        if (s < base) {
            return 0; // already settled: seen before, or counted lost and late now
        }
        long lost = 0;
        if (s - base >= SIZE) {
            lost = settle(s - SIZE + 1);
        }
        set(s);
        if (s > high) {
            high = s;
        }
        return lost;
    }

    /**
     * Whether serial {@code s} is accounted for: a record with it arrived before, or it was already
     * settled (seen, or counted lost), or nothing was seen yet (records of events that began before
     * the reader joined are not loss). Allocation-free; does not change the window.
     */
    boolean seen(long s) {
        if (!started) {
            return true;
        }
        if (s > high) {
            return false;
        }
        if (high - s > DISCONTINUITY) {
            return false; // observe() restarts the window at such a serial
        }
        if (s < base) {
            return true;
        }
        int i = (int) (s & (SIZE - 1));
        return (bits[i >>> 6] & (1L << i)) != 0;
    }

    /**
     * Settles serials missing since a checkpoint at least {@code timeoutNanos} old, and records a new
     * checkpoint every {@code intervalNanos}.
     *
     * @return the serials newly counted lost
     */
    long tick(long nowNanos, long timeoutNanos, long intervalNanos) {
        if (!started) {
            return 0;
        }
        if (cpCount == 0 || nowNanos - cpTime[(cpFirst + cpCount - 1) % CHECKPOINTS] >= intervalNanos) {
            if (cpCount == CHECKPOINTS) {
                cpFirst = (cpFirst + 1) % CHECKPOINTS;
                cpCount--;
            }
            int at = (cpFirst + cpCount) % CHECKPOINTS;
            cpTime[at] = nowNanos;
            cpMark[at] = high + 1;
            cpCount++;
        }
        long mark = -1;
        while (cpCount > 0 && nowNanos - cpTime[cpFirst] >= timeoutNanos) {
            mark = cpMark[cpFirst];
            cpFirst = (cpFirst + 1) % CHECKPOINTS;
            cpCount--;
        }
        return mark > base ? settle(mark) : 0;
    }

    /**
     * Settles every serial below the highest one seen (end of stream).
     *
     * @return the serials newly counted lost
     */
    long flush() {
        return started && high + 1 > base ? settle(high + 1) : 0;
    }

    /** Counts and clears the serials in [base, to) that were not seen; base becomes {@code to}. */
    private long settle(long to) {
        long span = to - base;
        long inWindow = Math.min(span, SIZE);
        long seen = 0;
        long pos = base;
        long left = inWindow;
        while (left > 0) {
            int i = (int) (pos & (SIZE - 1));
            int bit = i & 63;
            int n = (int) Math.min(64 - bit, left);
            long mask = n == 64 ? -1L : ((1L << n) - 1) << bit;
            long w = bits[i >>> 6];
            seen += Long.bitCount(w & mask);
            bits[i >>> 6] = w & ~mask;
            pos += n;
            left -= n;
        }
        base = to;
        return span - seen;
    }

    long base() {
        return base;
    }

    long high() {
        return high;
    }
}
