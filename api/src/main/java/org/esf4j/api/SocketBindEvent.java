package org.esf4j.api;

/**
 * A socket bound to a local address.
 *
 * @param header common header
 * @param family address family ({@code AF_INET} 2, {@code AF_INET6} 10, {@code AF_UNIX} 1), or 0
 *               when the source lost the address
 * @param address the address as the call gave it: an IPv4 literal ({@code 127.0.0.1}), an IPv6
 *                literal in the RFC 5952 form ({@code ::1}, {@code 2001:db8::1}), the path of a
 *                unix socket ({@code @name} for the abstract namespace), or the empty string
 * @param port the port the call asked for: 0 means "any free port", and the port the kernel then
 *             chose is not reported; 0 for families without ports
 * @param socketType {@code SOCK_STREAM} 1, {@code SOCK_DGRAM} 2, ..., or -1 when unknown
 * @since 0.1
 */
public record SocketBindEvent(EventHeader header, int family, String address, int port, int socketType)
        implements SecurityEvent {
    @Override
    public EventType type() {
        return EventType.SOCKET_BIND;
    }
}
