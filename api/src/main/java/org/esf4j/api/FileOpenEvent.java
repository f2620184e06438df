package org.esf4j.api;

import java.util.Objects;

/**
 * A file open.
 *
 * @param header common header
 * @param path absolute path of the opened file; see {@link #pathState()}
 * @param file identity of the file
 * @param openFlags the {@code O_*} flags of the open as far as the source reports them
 *                  ({@code -1} when unknown)
 * @param pathState how far {@link #path()} can be trusted
 * @since 0.1
 */
public record FileOpenEvent(EventHeader header, String path, FileId file, int openFlags, PathState pathState)
        implements SecurityEvent {

    /**
     * Validates.
     *
     * @param header header
     * @param path path
     * @param file file identity
     * @param openFlags flags
     * @param pathState path state
     */
    public FileOpenEvent {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(pathState, "pathState");
    }

    /**
     * An event with an exact path (or {@link PathState#UNKNOWN} when it is empty), the
     * constructor of the first release.
     *
     * @param header header
     * @param path path
     * @param file file identity
     * @param openFlags flags
     */
    public FileOpenEvent(EventHeader header, String path, FileId file, int openFlags) {
        this(header, path, file, openFlags, path.isEmpty() ? PathState.UNKNOWN : PathState.EXACT);
    }

    @Override
    public EventType type() {
        return EventType.FILE_OPEN;
    }
}
