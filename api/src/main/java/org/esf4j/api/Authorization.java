package org.esf4j.api;

import java.util.concurrent.CompletableFuture;

/**
 * An AUTH event of any kind waiting for a verdict. The first {@link #respond(Verdict)} wins;
 * later answers are ignored and counted. Whatever the handler does, the library answers the
 * kernel exactly once, by {@link #deadlineNanos()}: a late, throwing or silent handler gets the
 * client's deadline verdict (reason {@link VerdictReason#DEADLINE}), counted in
 * {@link ClientStats}.
 *
 * <p>Thread-safe: respond from any thread, e.g. when a remote reputation look-up completes.
 * {@link AuthorizationRequest} is the same for the four kinds of {@link SecurityEvent}.
 *
 * @param <E> the event type
 * @since 0.1
 */
public interface Authorization<E extends Event> {

    /**
     * The event to decide on.
     *
     * @return the event
     */
    E event();

    /**
     * Deadline on the {@link System#nanoTime()} clock.
     *
     * @return deadline in nanoseconds
     */
    long deadlineNanos();

    /**
     * Answers the request.
     *
     * @param verdict allow or deny; {@link Verdict#cached()} asks the library to remember it
     * @return true if this answer was the one sent, false if the request was already answered
     */
    boolean respond(Verdict verdict);

    /**
     * The file the event is about, to read while deciding — <em>the</em> way to hash or scan it.
     * The channel reads through the descriptor the kernel opened for this event (fanotify hands
     * one over with every permission event), so reading raises no event of its own and never waits
     * on this client: a handler that instead opens the file by its path makes a new open, which
     * the kernel holds for this same client, and with {@code handlerThread(READER)} nobody reads
     * it. The channel is read-only and stays valid after the verdict until it is closed; close it.
     *
     * @return the channel, or empty where the source gives no descriptor (audit, BPF LSM: open the
     *         file by its path there) or the request is already answered
     * @since 0.2
     */
    default java.util.Optional<java.nio.channels.SeekableByteChannel> file() {
        return java.util.Optional.empty();
    }

    /**
     * Completes with the verdict the kernel received, whoever gave it.
     *
     * @return the verdict future
     */
    CompletableFuture<Verdict> verdict();
}
