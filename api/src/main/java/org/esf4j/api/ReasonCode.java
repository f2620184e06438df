package org.esf4j.api;

/**
 * Why a backend is unavailable.
 *
 * @since 0.1
 */
public enum ReasonCode {
    /** Available. */
    AVAILABLE,
    /** Not Linux, or an unsupported architecture. */
    UNSUPPORTED_PLATFORM,
    /** The kernel was built without the feature (e.g. {@code CONFIG_FANOTIFY_ACCESS_PERMISSIONS}). */
    KERNEL_FEATURE_MISSING,
    /** The kernel is older than the backend needs. */
    KERNEL_TOO_OLD,
    /** The process lacks a capability (e.g. {@code CAP_SYS_ADMIN}). */
    MISSING_CAPABILITY,
    /** Kernel lockdown refuses the operation. */
    LOCKDOWN,
    /** {@code bpf} is not in the active LSM list. */
    LSM_NOT_ACTIVE,
    /** The kernel has no BTF. */
    NO_BTF,
    /** securityfs is not mounted. */
    SECURITYFS_NOT_MOUNTED,
    /** The device node is absent. */
    DEVICE_ABSENT,
    /** A native library (e.g. {@code libbpf.so.1}) is missing. */
    LIBRARY_MISSING,
    /** Neither native binding (FFM, JNA) can be used. */
    NATIVE_ACCESS_UNAVAILABLE,
    /** The provider could not be loaded (e.g. compiled for a newer JDK). */
    PROVIDER_LOAD_FAILED,
    /** The probe itself failed unexpectedly; the message says how. */
    PROBE_FAILED,
    /** A resource limit was reached (e.g. {@code fs.fanotify.max_user_groups}). */
    RESOURCE_LIMIT,
    /**
     * The source's configuration is locked until reboot (audit {@code enabled=2}: rules cannot be
     * added or removed).
     */
    CONFIGURATION_LOCKED,
    /**
     * The source is disabled on this host and the backend may not enable it (e.g. the kernel was
     * booted with {@code audit=0}).
     */
    SOURCE_DISABLED,
    /** An exclusive resource is held by another program (e.g. the audit daemon's unicast slot). */
    IN_USE
}
