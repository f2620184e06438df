package org.esf4j.api;

import java.util.Objects;

/**
 * The fields every event carries.
 *
 * @param sequence per-client sequence number, gap-free unless events were dropped (a
 *                 {@link DropNotice} then reports the gap)
 * @param kernelTimeNanos {@code CLOCK_MONOTONIC} at the hook when the source gives it, else 0
 * @param receivedNanos {@link System#nanoTime()} when the library read the event (same clock
 *                      as {@code CLOCK_MONOTONIC} on Linux)
 * @param source name of the backend that produced the event, e.g. {@code "fanotify"}
 * @param mode whether the event is an authorization (AUTH) or a notification (NOTIFY)
 * @param process the acting process
 * @since 0.1
 */
public record EventHeader(long sequence, long kernelTimeNanos, long receivedNanos, String source,
                          Mode mode, ProcessInfo process) {

    /**
     * Validates the header.
     *
     * @param sequence sequence
     * @param kernelTimeNanos kernel time
     * @param receivedNanos receive time
     * @param source backend name
     * @param mode AUTH or NOTIFY
     * @param process process
     */
    public EventHeader {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(process, "process");
    }
}
