package org.esf4j.spi;

/**
 * The engine's side of a backend: the backend's reader thread hands every kernel event here.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Events of the library's own process are answered by the backend itself, before calling
 *       the sink, and only counted with {@link #onSelf()}.</li>
 *   <li>{@link #onEvent(RawEvent)} is called on the reader thread with a reusable
 *       {@link RawEvent} that is valid only during the call. For AUTH events the engine takes
 *       over the answer: it calls {@link Backend#respond} exactly once, either before
 *       {@code onEvent} returns (policy, muting, cache) or later from another thread (handler,
 *       deadline). The backend must keep whatever {@link RawEvent#token()} refers to (e.g. the
 *       fanotify event fd) alive until then.</li>
 *   <li>The fast path (self, muting, policy, cache) allocates nothing.</li>
 * </ul>
 *
 * @since 0.1
 */
public interface EventSink {

    /**
     * Handles one event.
     *
     * @param event the event, valid only during the call
     */
    void onEvent(RawEvent event);

    /** Counts an event of the library's own process that the backend allowed at once. */
    void onSelf();

    /**
     * Reports lost events.
     *
     * @param layer where, e.g. {@code kernel-queue}
     * @param count how many, or -1 when unknown
     * @param detail what happened
     */
    void onDrop(String layer, long count, String detail);

    /**
     * Reports a reader error that did not stop the backend (counted, rate-limited logging).
     *
     * @param operation what failed, e.g. {@code read}
     * @param errno the errno, or 0
     */
    void onError(String operation, int errno);
}
