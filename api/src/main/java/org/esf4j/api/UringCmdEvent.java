package org.esf4j.api;

import java.util.Objects;

/**
 * An io_uring passthrough command ({@code IORING_OP_URING_CMD}).
 *
 * @param header common header
 * @param targetPath path of the file or socket the command targets, or the empty string; see
 *                   {@link #targetPathState()}
 * @param file identity of the target
 * @param commandOp the command op ({@code SOCKET_URING_OP_*}, driver ops), or -1 when unknown
 * @param targetPathState how far {@link #targetPath()} can be trusted ({@link PathState#RELATIVE}
 *                        when only the file's own name is known)
 * @since 0.1
 */
public record UringCmdEvent(EventHeader header, String targetPath, FileId file, int commandOp,
                            PathState targetPathState) implements SecurityEvent {

    /**
     * Validates.
     *
     * @param header header
     * @param targetPath path
     * @param file file identity
     * @param commandOp op
     * @param targetPathState path state
     */
    public UringCmdEvent {
        Objects.requireNonNull(targetPath, "targetPath");
        Objects.requireNonNull(targetPathState, "targetPathState");
    }

    /**
     * An event with an exact path (or {@link PathState#UNKNOWN} when it is empty), the
     * constructor of the first release.
     *
     * @param header header
     * @param targetPath path
     * @param file file identity
     * @param commandOp op
     */
    public UringCmdEvent(EventHeader header, String targetPath, FileId file, int commandOp) {
        this(header, targetPath, file, commandOp, targetPath.isEmpty() ? PathState.UNKNOWN : PathState.EXACT);
    }

    @Override
    public EventType type() {
        return EventType.URING_CMD;
    }
}
