package org.esf4j.api;

import java.util.List;

/**
 * A program execution.
 *
 * @param header common header; {@code header().process()} is the process calling exec
 * @param executable path of the file being executed (for fanotify this may also be the ELF
 *                   interpreter, which the kernel opens for exec too)
 * @param argv the arguments, or an empty list when the source does not report them
 * @param interpreter the script or ELF interpreter when known, else the empty string
 * @param file identity of the executed file
 * @since 0.1
 */
public record ExecEvent(EventHeader header, String executable, List<String> argv, String interpreter, FileId file)
        implements SecurityEvent {

    /**
     * Copies {@code argv}.
     *
     * @param header header
     * @param executable executable
     * @param argv arguments
     * @param interpreter interpreter
     * @param file file identity
     */
    public ExecEvent {
        argv = List.copyOf(argv);
    }

    @Override
    public EventType type() {
        return EventType.EXEC;
    }
}
