package org.esf4j.api;

/**
 * How far a path in an event can be trusted. Sources report paths in different ways (resolved in
 * the kernel at the hook, rebuilt later from an open file, or as the string a system call was
 * given); this says which, so that no path is silently wrong.
 *
 * @since 0.1
 */
public enum PathState {
    /**
     * Absolute, with symbolic links resolved: the name the file had when the operation happened
     * (resolved in the kernel at the hook, while the operation waited, or checked afterwards
     * against the file's identity).
     */
    EXACT,
    /**
     * Exact, but the file had been unlinked when the path was resolved: the path is the name it
     * had at the operation (the kernel prints it with a {@code " (deleted)"} suffix, which esf4j
     * removes) and no longer names it. An {@code O_TMPFILE} file has a made-up name
     * ({@code /tmp/#123}). A notification read after the file was unlinked is
     * {@link #APPROXIMATE} instead: the last name it had may not be the one it was opened by.
     */
    DELETED,
    /**
     * Resolved from the file after the operation (an asynchronous notification): the file's
     * name when the event was read, which differs from the name the operation used if the file
     * or one of its directories was renamed in between (the last name it had, if it was unlinked).
     */
    APPROXIMATE,
    /**
     * Relative to a directory that could not be resolved (for example {@code openat(dirfd, ...)}
     * reported after the process closed {@code dirfd}): the path as the call named it.
     */
    RELATIVE,
    /** No path is known; the path is the empty string. */
    UNKNOWN;

    /**
     * Whether the path names the file as it was named at the operation.
     *
     * @return true for {@link #EXACT} and {@link #DELETED}
     */
    public boolean isExact() {
        return this == EXACT || this == DELETED;
    }
}
