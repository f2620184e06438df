package org.esf4j.api;

import java.util.Map;

/**
 * Counters of a client, per backend, and its latency histograms.
 *
 * @param backends counters per backend name
 * @param receiveToDecision time from reading the event to sending the verdict (AUTH events)
 * @param hookToDecision time from the kernel hook to the verdict, where the source gives a
 *                       kernel timestamp ({@link LatencySummary#EMPTY} otherwise)
 * @since 0.1
 */
public record ClientStats(Map<String, BackendCounters> backends, LatencySummary receiveToDecision,
                          LatencySummary hookToDecision) {

    /**
     * Counters of one backend.
     *
     * @param received events read from the kernel (including the library's own)
     * @param delivered events passed to a handler
     * @param self events of the library's own process, allowed at once
     * @param muted events suppressed by muting
     * @param cacheHits events answered from the engine's verdict cache
     * @param kernelCacheEntries verdicts stored in the kernel (ignore marks, maps)
     * @param policyDecisions events decided by policy rules
     * @param handlerVerdicts verdicts given by handlers in time
     * @param deadlineMisses events answered with the deadline verdict
     * @param handlerErrors handler invocations that threw
     * @param lateResponses answers that came after the request was decided (ignored)
     * @param denied events denied, whoever decided
     * @param dropped events lost (kernel queue, engine queue), as far as counted
     * @param errors kernel or decode errors on the reader
     * @param readerHandovers reader threads replaced because a handler running on them
     *                        ({@link ClientConfig.HandlerThread#READER}) was still running at its
     *                        deadline
     */
    public record BackendCounters(long received, long delivered, long self, long muted, long cacheHits,
                                  long kernelCacheEntries, long policyDecisions, long handlerVerdicts,
                                  long deadlineMisses, long handlerErrors, long lateResponses, long denied,
                                  long dropped, long errors, long readerHandovers) {

        /**
         * Counters without reader hand-overs (as of 0.1).
         *
         * @param received events read
         * @param delivered events passed to a handler
         * @param self events of the library's own process
         * @param muted events suppressed by muting
         * @param cacheHits events answered from the verdict cache
         * @param kernelCacheEntries verdicts stored in the kernel
         * @param policyDecisions events decided by policy rules
         * @param handlerVerdicts verdicts given by handlers in time
         * @param deadlineMisses events answered with the deadline verdict
         * @param handlerErrors handler invocations that threw
         * @param lateResponses answers after the decision
         * @param denied events denied
         * @param dropped events lost
         * @param errors reader errors
         */
        public BackendCounters(long received, long delivered, long self, long muted, long cacheHits,
                               long kernelCacheEntries, long policyDecisions, long handlerVerdicts,
                               long deadlineMisses, long handlerErrors, long lateResponses, long denied,
                               long dropped, long errors) {
            this(received, delivered, self, muted, cacheHits, kernelCacheEntries, policyDecisions, handlerVerdicts,
                    deadlineMisses, handlerErrors, lateResponses, denied, dropped, errors, 0);
        }
    }

    /**
     * Counters summed over all backends.
     *
     * @return the totals
     */
    public BackendCounters total() {
        long[] s = new long[15];
        for (BackendCounters c : backends.values()) {
            long[] v = {c.received, c.delivered, c.self, c.muted, c.cacheHits, c.kernelCacheEntries,
                c.policyDecisions, c.handlerVerdicts, c.deadlineMisses, c.handlerErrors, c.lateResponses,
                c.denied, c.dropped, c.errors, c.readerHandovers};
            for (int i = 0; i < s.length; i++) {
                s[i] += v[i];
            }
        }
        return new BackendCounters(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11],
                s[12], s[13], s[14]);
    }
}
