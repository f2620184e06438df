package org.esf4j.api;

import java.util.Objects;

/**
 * An answer to an authorization request: allow or deny, why it was given, and whether it may
 * be cached for later occurrences (Apple ES {@code cache} flag). Immutable; the common
 * instances are shared constants, so answering allocates nothing.
 *
 * @since 0.1
 */
public final class Verdict {

    private static final Verdict[] SHARED = new Verdict[VerdictReason.values().length * 4];

    static {
        for (VerdictReason r : VerdictReason.values()) {
            for (int i = 0; i < 4; i++) {
                SHARED[r.ordinal() * 4 + i] = new Verdict((i & 1) != 0, r, (i & 2) != 0);
            }
        }
    }

    private final boolean allowed;
    private final VerdictReason reason;
    private final boolean cached;

    private Verdict(boolean allowed, VerdictReason reason, boolean cached) {
        this.allowed = allowed;
        this.reason = reason;
        this.cached = cached;
    }

    /**
     * Returns the verdict with the given parts.
     *
     * @param allowed true to allow
     * @param reason why
     * @param cached whether the verdict may be cached
     * @return a shared instance
     */
    public static Verdict of(boolean allowed, VerdictReason reason, boolean cached) {
        Objects.requireNonNull(reason, "reason");
        return SHARED[reason.ordinal() * 4 + (allowed ? 1 : 0) + (cached ? 2 : 0)];
    }

    /**
     * Allow, given by a handler, not cached.
     *
     * @return the verdict
     */
    public static Verdict allow() {
        return of(true, VerdictReason.HANDLER, false);
    }

    /**
     * Deny, given by a handler, not cached.
     *
     * @return the verdict
     */
    public static Verdict deny() {
        return of(false, VerdictReason.HANDLER, false);
    }

    /**
     * This verdict with the cache hint set: the library may answer later occurrences of the same
     * (event type, file) without calling the handler, until the file changes.
     *
     * @return the cached variant
     */
    public Verdict cached() {
        return of(allowed, reason, true);
    }

    /**
     * This verdict with another reason (used by the engine).
     *
     * @param newReason the reason
     * @return the verdict
     */
    public Verdict withReason(VerdictReason newReason) {
        return of(allowed, newReason, cached);
    }

    /**
     * Whether the operation is allowed.
     *
     * @return true to allow
     */
    public boolean isAllowed() {
        return allowed;
    }

    /**
     * Why this verdict was given.
     *
     * @return the reason
     */
    public VerdictReason reason() {
        return reason;
    }

    /**
     * Whether the verdict may be cached.
     *
     * @return the cache hint
     */
    public boolean isCached() {
        return cached;
    }

    @Override
    public String toString() {
        return (allowed ? "ALLOW" : "DENY") + "(" + reason + (cached ? ",cached" : "") + ")";
    }
}
