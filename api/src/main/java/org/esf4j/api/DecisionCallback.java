package org.esf4j.api;

/**
 * Sees every decided AUTH event of any kind with its verdict (the open counterpart of
 * {@link DecisionListener}). Runs on the client's dispatch thread.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface DecisionCallback {
    /**
     * Called once per decided AUTH event, after the kernel received the verdict.
     *
     * @param event the event
     * @param verdict the verdict sent
     */
    void onDecision(Event event, Verdict verdict);
}
