package org.esf4j.spi.engine;

import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.ClientStats;

/** The counters of one backend within one client; incremented from any thread without allocation. */
final class Counters {
    final AtomicLong received = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong self = new AtomicLong();
    final AtomicLong muted = new AtomicLong();
    final AtomicLong cacheHits = new AtomicLong();
    final AtomicLong kernelCacheEntries = new AtomicLong();
    final AtomicLong policyDecisions = new AtomicLong();
    final AtomicLong handlerVerdicts = new AtomicLong();
    final AtomicLong deadlineMisses = new AtomicLong();
    final AtomicLong handlerErrors = new AtomicLong();
    final AtomicLong lateResponses = new AtomicLong();
    final AtomicLong denied = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong readerHandovers = new AtomicLong();
    /** Events folded into the exec an earlier event reported (interpreter opens); not in the API's counters. */
    final AtomicLong joined = new AtomicLong();

    ClientStats.BackendCounters snapshot() {
        return new ClientStats.BackendCounters(received.get(), delivered.get(), self.get(), muted.get(),
                cacheHits.get(), kernelCacheEntries.get(), policyDecisions.get(), handlerVerdicts.get(),
                deadlineMisses.get(), handlerErrors.get(), lateResponses.get(), denied.get(), dropped.get(),
                errors.get(), readerHandovers.get());
    }
}
