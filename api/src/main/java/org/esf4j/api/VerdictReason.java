package org.esf4j.api;

/**
 * Why a verdict was given.
 *
 * @since 0.1
 */
public enum VerdictReason {
    /** The client's handler answered. */
    HANDLER,
    /** The handler did not answer by the deadline (late, threw, or never completed); the deadline verdict was sent. */
    DEADLINE,
    /** A cached verdict answered without calling the handler. */
    CACHE,
    /** The event matched the client's muting; allowed without calling the handler. */
    MUTED,
    /** The event came from the library's own process and was allowed at once. */
    SELF,
    /** A declarative policy rule decided (in the kernel or in the engine). */
    KERNEL_POLICY
}
