package org.esf4j.api;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Decides AUTH events. The handler either returns a verdict at once, returns {@code null} and
 * answers later through {@link AuthorizationRequest#respond(Verdict)}, or is built with
 * {@link #async(Function)} to return a {@link CompletionStage}. Exceptions are caught and
 * counted; the deadline verdict then applies.
 *
 * <p>Handlers run on the client's dispatch thread, one at a time in delivery order (Apple ES
 * semantics), unless the client is configured with {@link ClientConfig.HandlerThread#READER}.
 * It decides the four original kinds only; {@link AuthorizationCallback} decides every kind.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface AuthorizationHandler {

    /**
     * Called for each AUTH event.
     *
     * @param request the request
     * @return the verdict, or {@code null} to answer later through the request
     * @throws Exception any failure; the deadline verdict then applies
     */
    Verdict onAuthorization(AuthorizationRequest<? extends SecurityEvent> request) throws Exception;

    /**
     * A handler that answers with a stage, e.g. a remote look-up.
     *
     * @param fn maps the event to a stage completing with the verdict
     * @return the handler
     */
    static AuthorizationHandler async(Function<SecurityEvent, ? extends CompletionStage<Verdict>> fn) {
        return req -> {
            fn.apply(req.event()).whenComplete((v, err) -> {
                if (v != null && err == null) {
                    req.respond(v);
                }
            });
            return null;
        };
    }
}
