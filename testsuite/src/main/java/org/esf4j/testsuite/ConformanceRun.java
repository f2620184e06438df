package org.esf4j.testsuite;

/**
 * What the per-kind contracts need from the class that ran the workload: a comparison of its events
 * with the witness. Implemented by {@link BackendConformanceTest}.
 */
public interface ConformanceRun {

    /**
     * A fresh comparison of the run's events with the witness.
     *
     * @return it
     */
    Comparison comparison();
}
