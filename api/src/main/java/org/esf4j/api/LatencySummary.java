package org.esf4j.api;

/**
 * Percentiles of a latency histogram, in nanoseconds.
 *
 * @param count number of samples
 * @param p50Nanos median
 * @param p99Nanos 99th percentile
 * @param p999Nanos 99.9th percentile
 * @param maxNanos maximum
 * @since 0.1
 */
public record LatencySummary(long count, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {

    /** No samples. */
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0);

    @Override
    public String toString() {
        return String.format("n=%d p50=%.1fus p99=%.1fus p99.9=%.1fus max=%.1fus",
                count, p50Nanos / 1e3, p99Nanos / 1e3, p999Nanos / 1e3, maxNanos / 1e3);
    }
}
