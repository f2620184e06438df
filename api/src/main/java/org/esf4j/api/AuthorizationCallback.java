package org.esf4j.api;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Decides AUTH events of any kind (the open counterpart of {@link AuthorizationHandler}). It
 * returns a verdict at once, returns {@code null} and answers later through
 * {@link Authorization#respond(Verdict)}, or is built with {@link #async(Function)}. Exceptions are
 * caught and counted; the deadline verdict then applies. Handle kinds you do not know with a
 * default branch: kinds are added over time.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface AuthorizationCallback {

    /**
     * Called for each AUTH event.
     *
     * @param request the request
     * @return the verdict, or {@code null} to answer later through the request
     * @throws Exception any failure; the deadline verdict then applies
     */
    Verdict onAuthorization(Authorization<? extends Event> request) throws Exception;

    /**
     * A callback that answers with a stage, e.g. a remote look-up.
     *
     * @param fn maps the event to a stage completing with the verdict
     * @return the callback
     */
    static AuthorizationCallback async(Function<Event, ? extends CompletionStage<Verdict>> fn) {
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
