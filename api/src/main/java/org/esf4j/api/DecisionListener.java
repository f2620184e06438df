package org.esf4j.api;

/**
 * Observes every decided AUTH event with the verdict the kernel received, whoever gave it
 * (handler, deadline, cache, muting, policy). Runs on the client's dispatch thread after the
 * kernel was answered, so it never delays the decision. Events answered at once because they
 * came from the library's own process are not reported. It sees the four original kinds only;
 * {@link DecisionCallback} sees every kind.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface DecisionListener {
    /**
     * Called after each decision.
     *
     * @param event the event
     * @param verdict the verdict sent to the kernel
     */
    void onDecision(SecurityEvent event, Verdict verdict);
}
