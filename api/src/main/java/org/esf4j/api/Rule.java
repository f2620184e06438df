package org.esf4j.api;

/**
 * A declarative deny rule of any kind: the open counterpart of {@link PolicyRule}, which holds the
 * rules of the four original kinds. Evaluated in the kernel where the source can (BPF LSM maps),
 * in the engine otherwise, always before any handler is called; a matching AUTH event is denied
 * with reason {@link VerdictReason#KERNEL_POLICY}. New kinds of rule are added over time: code that
 * inspects rules handles unknown ones with a default branch.
 *
 * @since 0.1
 */
public interface Rule {

    /**
     * The kind of event the rule applies to; the client must subscribe to it in AUTH mode.
     *
     * @return the kind
     */
    EventKind kind();

    /**
     * Deny connecting to an address in a network and a port range:
     * {@code denyConnect("203.0.113.0/24", 0, 65535)}, {@code denyConnect("::1", 22, 22)}.
     *
     * @param cidr an IPv4 or IPv6 literal, optionally with a prefix length ({@code /N}); no host names
     * @param lowPort first port
     * @param highPort last port
     * @return the rule
     * @throws IllegalArgumentException for a malformed network or port range
     */
    static DenyConnect denyConnect(String cidr, int lowPort, int highPort) {
        return new DenyConnect(cidr, lowPort, highPort);
    }
}
