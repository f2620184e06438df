package org.esf4j.api;

/**
 * An AUTH event of one of the four original kinds waiting for a verdict, as an
 * {@link AuthorizationHandler} receives it; see {@link Authorization} for the contract.
 *
 * @param <E> the event type
 * @since 0.1
 */
public interface AuthorizationRequest<E extends SecurityEvent> extends Authorization<E> {

    /**
     * The event to decide on.
     *
     * @return the event
     */
    @Override
    E event();
}
