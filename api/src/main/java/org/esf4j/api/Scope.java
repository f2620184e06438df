package org.esf4j.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What part of the file system a client watches (fanotify marks; path filters elsewhere).
 *
 * @param kind mount, filesystem or path
 * @param path the path
 * @since 0.1
 */
public record Scope(Kind kind, Path path) {

    /** Kind of scope. */
    public enum Kind {
        /** Everything opened through the mount containing the path. */
        MOUNT,
        /** Everything on the file system containing the path, through any mount. */
        FILESYSTEM,
        /** The file itself, or a directory and its direct children. */
        PATH
    }

    /**
     * Validates.
     *
     * @param kind kind
     * @param path path
     */
    public Scope {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
    }

    /**
     * Mount scope.
     *
     * @param path a path on the mount
     * @return the scope
     */
    public static Scope mount(Path path) {
        return new Scope(Kind.MOUNT, path);
    }

    /**
     * File-system scope.
     *
     * @param path a path on the file system
     * @return the scope
     */
    public static Scope filesystem(Path path) {
        return new Scope(Kind.FILESYSTEM, path);
    }

    /**
     * Path scope.
     *
     * @param path a file, or a directory (with its direct children)
     * @return the scope
     */
    public static Scope path(Path path) {
        return new Scope(Kind.PATH, path);
    }
}
