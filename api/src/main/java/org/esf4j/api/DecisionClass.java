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
    /** Observation only. */
    NOTIFY(3);

    private final int strength;

    DecisionClass(int strength) {
        this.strength = strength;
    }

    /**
     * How strongly the class can authorize, for choosing between sources: lower is stronger
     * (USERSPACE 1, KERNEL_POLICY 2, NOTIFY 3). Explicit, never the ordinal, so that a class added
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
