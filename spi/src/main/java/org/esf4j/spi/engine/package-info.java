/**
 * The engine: discovery and routing ({@link org.esf4j.spi.engine.EsfEngine}), and per client the
 * reader-thread fast path (policy, muting, verdict cache), the dispatch thread that runs
 * handlers, and the deadline watchdog that guarantees exactly one answer per AUTH event by its
 * deadline. Not API: nothing here is exported.
 *
 * <h2>Threads of a client</h2>
 * <ul>
 *   <li>one reader thread per backend (owned by the backend) calls
 *       {@link org.esf4j.spi.EventSink#onEvent}; policy, muting and cache decisions happen there
 *       and allocate nothing;</li>
 *   <li>{@code esf4j-dispatch-N} runs authorization handlers in delivery order, then event
 *       handlers, decision listeners and drop handlers;</li>
 *   <li>{@code esf4j-watchdog-N} answers what is undecided at its deadline.</li>
 * </ul>
 */
package org.esf4j.spi.engine;
