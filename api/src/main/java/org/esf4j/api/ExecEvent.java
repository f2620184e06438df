package org.esf4j.api;

import java.util.List;
import java.util.Objects;

/**
 * A program execution: one event per {@code execve}/{@code execveat}, whichever source reports it
 * (an exec of a script and of its interpreters is one event).
 *
 * <p>{@code header().process()} is the process that calls exec, as it was before the exec (its
 * executable is the program that called exec); {@link #executable()}, {@link #argv()} and
 * {@link #interpreter()} describe the program being started.
 *
 * @param header common header
 * @param executable absolute path of the file being executed (a script, not its interpreter);
 *                   see {@link #executableState()}
 * @param argv the arguments as {@code execve} received them; see {@link #argvAccuracy()}
 * @param interpreter the interpreter the executable names, as it names it: the path of a
 *                    script's {@code #!} line, or an ELF file's {@code PT_INTERP}
 *                    ({@code /lib64/ld-linux-x86-64.so.2}); the empty string for a static ELF
 *                    file or when unknown
 * @param file identity of the executed file
 * @param executableState how far {@link #executable()} can be trusted
 * @param argvAccuracy {@link Accuracy#EXACT} when {@code argv} is exactly what {@code execve}
 *                     received; {@link Accuracy#APPROXIMATE} when the source saw the arguments only
 *                     after the kernel rewrote them for a script's interpreter, so that
 *                     {@code argv[0]} is the script's path rather than what the caller passed;
 *                     {@link Accuracy#UNKNOWN} (and an empty list) when the source does not report
 *                     arguments
 * @since 0.1
 */
public record ExecEvent(EventHeader header, String executable, List<String> argv, String interpreter, FileId file,
                        PathState executableState, Accuracy argvAccuracy)
        implements SecurityEvent {

    /**
     * Validates and copies {@code argv}.
     *
     * @param header header
     * @param executable executable
     * @param argv arguments
     * @param interpreter interpreter
     * @param file file identity
     * @param executableState path state
     * @param argvAccuracy argument accuracy
     */
    public ExecEvent {
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(interpreter, "interpreter");
        Objects.requireNonNull(executableState, "executableState");
        Objects.requireNonNull(argvAccuracy, "argvAccuracy");
        argv = List.copyOf(argv);
    }

    /**
     * An event with an exact executable path (or {@link PathState#UNKNOWN} when it is empty) and
     * arguments that are exact when given, unknown when empty (the constructor of the first
     * release).
     *
     * @param header header
     * @param executable executable
     * @param argv arguments
     * @param interpreter interpreter
     * @param file file identity
     */
    public ExecEvent(EventHeader header, String executable, List<String> argv, String interpreter, FileId file) {
        this(header, executable, argv, interpreter, file, executable.isEmpty() ? PathState.UNKNOWN : PathState.EXACT,
                argv.isEmpty() ? Accuracy.UNKNOWN : Accuracy.EXACT);
    }

    @Override
    public EventType type() {
        return EventType.EXEC;
    }
}
