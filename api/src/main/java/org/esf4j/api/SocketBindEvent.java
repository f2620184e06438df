package org.esf4j.api;

/**
 * A socket bound to a local address.
 *
 * @param header common header
 * @param family address family ({@code AF_INET} 2, {@code AF_INET6} 10, {@code AF_UNIX} 1)
 * @param address textual address (IP literal, or the unix socket path)
 * @param port port number, or 0 for families without ports
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
