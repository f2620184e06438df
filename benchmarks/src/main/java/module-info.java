/**
 * esf4j benchmarks (never deployed): JMH suites and their C baselines. Runs from the shaded
 * {@code benchmarks.jar} on the class path; the descriptor documents what the suites use.
 */
module org.esf4j.benchmarks {
    requires org.esf4j.api;
    requires jmh.core;
    requires java.management;
    requires jdk.management;

    exports org.esf4j.benchmarks;
    exports org.esf4j.benchmarks.fanotify;
    exports org.esf4j.benchmarks.deadline;
}
