package org.esf4j.api;

/**
 * Receives drop notices. Runs on the client's dispatch thread.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface DropHandler {
    /**
     * Called for each drop notice.
     *
     * @param notice the notice
     */
    void onDrop(DropNotice notice);
}
