package org.esf4j.api;

/**
 * A socket connects to a remote address (an outbound TCP connection, a connected UDP socket, a
 * unix socket). A kind added after the four original ones: it is an {@link Event}, not a
 * {@link SecurityEvent}, and reaches only clients that subscribe to
 * {@link EventKind#SOCKET_CONNECT} with an {@link EventCallback} or {@link AuthorizationCallback}.
 *
 * @param header common header
 * @param family address family ({@code AF_INET} 2, {@code AF_INET6} 10, {@code AF_UNIX} 1), or 0
 *               when the source lost the address
 * @param address the remote address as the call gave it, in the forms of
 *                {@link SocketBindEvent#address()}
 * @param port the remote port (0 for families without ports)
 * @param socketType {@code SOCK_STREAM} 1, {@code SOCK_DGRAM} 2, ..., or -1 when unknown
 * @since 0.1
 */
public record SocketConnectEvent(EventHeader header, int family, String address, int port, int socketType)
        implements Event {
    @Override
    public EventKind kind() {
        return EventKind.SOCKET_CONNECT;
    }
}
