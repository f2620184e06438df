package org.esf4j.api;

/**
 * Identity of a file: device and inode number, plus the change time the source observed
 * ({@code ctime} in nanoseconds, or 0 when unknown), which changes whenever the file is written.
 *
 * @param device device number ({@code st_dev})
 * @param inode inode number ({@code st_ino})
 * @param changeTimeNanos {@code st_ctime} in nanoseconds since the epoch, or 0
 * @since 0.1
 */
public record FileId(long device, long inode, long changeTimeNanos) {

    /** An unknown file. */
    public static final FileId UNKNOWN = new FileId(0, 0, 0);
}
