package org.esf4j.api;

/**
 * Where the decision on an event is taken, honestly per backend and event type.
 *
 * @since 0.1
 */
public enum DecisionClass {
    /** The kernel blocks the operation until the library answers (e.g. fanotify permission events). */
    USERSPACE,
    /** Decided inside the kernel from rules pushed beforehand (e.g. BPF LSM maps). */
    KERNEL_POLICY,
    /** Observation only. */
    NOTIFY
}
