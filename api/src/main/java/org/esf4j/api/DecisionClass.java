package org.esf4j.api;

/**
 * Where the decision on an event is taken, honestly per backend and event type.
 *
 * @since 0.1
 */
public enum DecisionClass {
    /** The kernel blocks the operation until the library answers (e.g. fanotify permission events). */
    USERSPACE(1),
    /** Decided inside the kernel from rules pushed beforehand (e.g. BPF LSM maps). */
    KERNEL_POLICY(2),
    /**
     * The kernel holds the process until the library answers, but no answer can stop the operation
     * being asked: a deny marks the process, and every child it creates later, untrusted for good,
     * and only its <em>later</em> operations fail ({@code EPERM}, when the source enforces). TSEM's
     * external modeling namespaces work this way. A handler still decides, and its deadline still
     * holds (the source itself would wait for ever).
     *
     * @since 0.2
     */
    TAINT(3),
    /** Observation only. */
    NOTIFY(4);

    private final int strength;

    DecisionClass(int strength) {
        this.strength = strength;
    }

    /**
     * How strongly the class can authorize, for choosing between sources: lower is stronger
     * (USERSPACE 1, KERNEL_POLICY 2, TAINT 3, NOTIFY 4). Explicit, never the ordinal, so that a class added
     * later can sit between two others.
     *
     * @return the rank
     */
    public int strength() {
        return strength;
    }

    /**
     * Whether this class can stand in for an AUTH subscription.
     *
     * @return false for {@link #NOTIFY}
     */
    public boolean authorizes() {
        return this != NOTIFY;
    }
}
