package org.esf4j.api;

/**
 * A failure to set up or run a client, with a message that says what to do.
 *
 * @since 0.1
 */
public class Esf4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * With a message.
     *
     * @param message the message
     */
    public Esf4jException(String message) {
        super(message);
    }

    /**
     * With a message and cause.
     *
     * @param message the message
     * @param cause the cause
     */
    public Esf4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
