package org.esf4j.api;

import java.util.Objects;

/**
 * Deny connecting a socket to an address in a network ({@code AF_INET} or {@code AF_INET6}) and a
 * port range. Made by {@link Rule#denyConnect(String, int, int)}.
 *
 * @param cidr the network, an IP literal with an optional prefix length ({@code 10.0.0.0/8},
 *             {@code 2001:db8::/32}, {@code 192.0.2.7}); normalised to {@code address/prefix}
 * @param lowPort first port denied
 * @param highPort last port denied
 * @since 0.1
 */
public record DenyConnect(String cidr, int lowPort, int highPort) implements Rule {

    /**
     * Validates and normalises.
     *
     * @param cidr network
     * @param lowPort low port
     * @param highPort high port
     */
    public DenyConnect {
        Objects.requireNonNull(cidr, "cidr");
        if (lowPort < 0 || highPort > 65535 || lowPort > highPort) {
            throw new IllegalArgumentException("bad port range [" + lowPort + ", " + highPort + "]");
        }
        IpLiterals.Network n = IpLiterals.network(cidr);
        cidr = IpLiterals.format(n.address()) + "/" + n.prefixLength();
    }

    @Override
    public EventKind kind() {
        return EventKind.SOCKET_CONNECT;
    }

    /**
     * The address family.
     *
     * @return {@code AF_INET} (2) or {@code AF_INET6} (10)
     */
    public int family() {
        return addressBytes().length == 4 ? 2 : 10;
    }

    /**
     * The network address, with the host bits cleared.
     *
     * @return 4 or 16 bytes, in network order
     */
    public byte[] addressBytes() {
        return IpLiterals.network(cidr).address();
    }

    /**
     * The prefix length.
     *
     * @return 0 to 32 (IPv4) or 128 (IPv6)
     */
    public int prefixLength() {
        return IpLiterals.network(cidr).prefixLength();
    }

    /**
     * Whether an address lies in the network.
     *
     * @param address 4 or 16 bytes in network order
     * @return true when the family and the first {@link #prefixLength()} bits match
     */
    public boolean contains(byte[] address) {
        IpLiterals.Network n = IpLiterals.network(cidr);
        return IpLiterals.contains(n.address(), n.prefixLength(), address, address.length);
    }
}
