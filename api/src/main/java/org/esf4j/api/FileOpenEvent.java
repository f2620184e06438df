package org.esf4j.api;

/**
 * A file open.
 *
 * @param header common header
 * @param path path of the opened file
 * @param file identity of the file
 * @param openFlags the {@code O_*} flags of the open as far as the source reports them
 *                  ({@code -1} when unknown)
 * @since 0.1
 */
public record FileOpenEvent(EventHeader header, String path, FileId file, int openFlags) implements SecurityEvent {
    @Override
    public EventType type() {
        return EventType.FILE_OPEN;
    }
}
