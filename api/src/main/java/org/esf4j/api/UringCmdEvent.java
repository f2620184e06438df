package org.esf4j.api;

/**
 * An io_uring passthrough command ({@code IORING_OP_URING_CMD}).
 *
 * @param header common header
 * @param targetPath path of the file or socket the command targets, or the empty string
 * @param file identity of the target
 * @param commandOp the command op ({@code SOCKET_URING_OP_*}, driver ops)
 * @since 0.1
 */
public record UringCmdEvent(EventHeader header, String targetPath, FileId file, int commandOp)
        implements SecurityEvent {
    @Override
    public EventType type() {
        return EventType.URING_CMD;
    }
}
