/**
 * esf4j's conformance suite: the behaviour every backend shares, proven once. Backend modules
 * subclass its abstract tests in their test sources (per native binding) and use its kernel-test
 * support (the one actor program, the one kernel-requirement rule, a tmpfs of the test's own).
 * Never deployed.
 */
module org.esf4j.testsuite {
    requires transitive org.esf4j.spi;
    requires transitive org.junit.jupiter.api;
    requires java.management;

    exports org.esf4j.testsuite;
}
