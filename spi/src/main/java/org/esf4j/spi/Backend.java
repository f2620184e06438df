package org.esf4j.spi;

/**
 * A backend running for one client. Created by {@link BackendProvider#open(BackendContext)}
 * with its kernel objects in place, then started by the engine.
 *
 * @since 0.1
 */
public interface Backend extends AutoCloseable {

    /** Starts reading events (e.g. starts the reader thread). Called once. */
    void start();

    /**
     * Answers an AUTH event. Called by the engine exactly once per AUTH event it was given, from
     * any thread (the reader thread for fast decisions, the dispatch or watchdog thread for
     * handler and deadline verdicts). Must not allocate on the fast path and must never block
     * for long.
     *
     * @param token the {@link RawEvent#token()} of the event
     * @param allow true to allow
     * @param cacheInKernel true when a cached allow verdict may be stored in the kernel (applies to
     *                      every process); the backend ignores it when it cannot
     * @return true when the kernel cache entry was stored
     */
    boolean respond(long token, boolean allow, boolean cacheInKernel);

    /**
     * Whether {@link #respond} can store a cached <em>deny</em> in the kernel (BPF maps can;
     * fanotify ignore marks only hold allows).
     *
     * @return true when cached denials go to the kernel
     */
    default boolean cachesDenials() {
        return false;
    }

    /**
     * Replaces the rules the backend evaluates in the kernel, without stopping it. The default
     * does nothing: the engine evaluates the rules.
     *
     * @param rules the client's new rules (of every kind; the backend takes those of its kinds)
     * @throws org.esf4j.api.Esf4jException when the rules cannot be applied; the old rules
     *         then stay in force
     */
    default void updateRules(java.util.List<org.esf4j.api.Rule> rules) {
    }

    /**
     * Replaces the reader thread, which is stuck in a handler that runs on it
     * ({@link org.esf4j.api.ClientConfig.HandlerThread#READER}) past its deadline: a new thread
     * reads the source from now on, starting with the events the stuck one had read but not
     * handled, and the stuck thread ends when the handler returns. A backend whose source makes
     * processes wait for the reader (permission events) must support it, or a handler that waits
     * on the source itself (opens a file the client watches) would wedge every process in scope.
     * Called by the engine's watchdog, never by the reader.
     *
     * @param stillStuck tells, before the new reader starts, whether the reader is still inside
     *                   the handler call it was found in; the backend hands over only then
     * @return true when a new thread reads; false when the backend cannot, or the reader moved on
     * @see ReaderLoop#handOver
     */
    default boolean replaceReader(java.util.function.BooleanSupplier stillStuck) {
        return false;
    }

    /**
     * Stops reading, answers every pending event the kernel still waits on, removes every kernel
     * object (marks, rules, programs) and releases native memory. Idempotent.
     */
    /**
     * An ability of this backend beyond events, reached by users through
     * {@link org.esf4j.api.Client#extension(Class)}.
     *
     * @param <T> the extension type
     * @param type the extension's interface
     * @return the extension, or null when the backend has none of that type
     */
    default <T> T extension(Class<T> type) {
        return null;
    }

    @Override
    void close();
}
