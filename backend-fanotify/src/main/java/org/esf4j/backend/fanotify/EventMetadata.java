package org.esf4j.backend.fanotify;

import java.nio.ByteBuffer;
import org.esf4j.spi.nativeio.Fanotify;

/**
 * Flyweight over the events of one {@code read()} from a fanotify group: metadata plus info
 * records. Wrap the buffer once, then step with {@link #next()}; nothing is copied or allocated.
 *
 * <pre>
 * struct fanotify_event_metadata (24 bytes, version 3)
 *  0               4      5      6              8
 *  +---------------+------+------+--------------+
 *  | event_len u32 | vers | rsvd | metadata_len |
 *  +---------------+------+------+--------------+
 *  8                               16            20            24
 *  +-------------------------------+-------------+-------------+
 *  | mask u64                      | fd s32      | pid s32     |
 *  +-------------------------------+-------------+-------------+
 * then info records: { info_type u8 | pad u8 | len u16 | ... } aligned to 4 bytes;
 * FAN_EVENT_INFO_TYPE_PIDFD (4): pidfd s32 at +4.
 * </pre>
 *
 * A malformed event (wrong version, a length that runs past the data or is shorter than the
 * metadata) ends the walk: {@link #next()} returns false and {@link #malformed()} tells why.
 */
final class EventMetadata {

    static final int EVENT_LEN = 0;
    static final int VERS = 4;
    static final int METADATA_LEN = 6;
    static final int MASK = 8;
    static final int FD = 16;
    static final int PID = 20;
    static final int SIZE = 24;

    private ByteBuffer buffer;
    private int limit;
    private int offset;
    private int length;
    private String malformed;

    /**
     * Starts a walk over {@code [0, limit)} of {@code buffer} (little-endian).
     *
     * @param buffer the read buffer
     * @param limit bytes returned by read()
     * @return this
     */
    EventMetadata wrap(ByteBuffer buffer, int limit) {
        this.buffer = buffer;
        this.limit = limit;
        this.offset = 0;
        this.length = 0;
        this.malformed = null;
        return this;
    }

    /** @return where the events after the current one begin (the rest of the read) */
    int end() {
        return offset + length;
    }

    /** @return the bytes the read returned */
    int limit() {
        return limit;
    }

    /**
     * Advances to the next event.
     *
     * @return false at the end or on malformed data
     */
    boolean next() {
        offset += length;
        length = 0;
        if (malformed != null || limit - offset < SIZE) {
            return false;
        }
        int len = buffer.getInt(offset + EVENT_LEN);
        int vers = buffer.get(offset + VERS) & 0xff;
        int metaLen = buffer.getShort(offset + METADATA_LEN) & 0xffff;
        if (vers != Fanotify.FANOTIFY_METADATA_VERSION) {
            malformed = "metadata version " + vers + " (expected " + Fanotify.FANOTIFY_METADATA_VERSION + ")";
            return false;
        }
        if (len < SIZE || metaLen < SIZE || metaLen > len || len > limit - offset) {
            malformed = "event_len " + len + " / metadata_len " + metaLen + " at offset " + offset + " of " + limit;
            return false;
        }
        length = len;
        return true;
    }

    /** @return why the walk stopped early, or null */
    String malformed() {
        return malformed;
    }

    /** @return the event mask */
    long mask() {
        return buffer.getLong(offset + MASK);
    }

    /** @return the event fd, or a negative value (FAN_NOFD, -errno) */
    int fd() {
        return buffer.getInt(offset + FD);
    }

    /** @return the pid (tgid) */
    int pid() {
        return buffer.getInt(offset + PID);
    }

    /**
     * The pidfd from the PIDFD info record.
     *
     * @return the pidfd, or {@link Integer#MIN_VALUE} when the event has no PIDFD record
     */
    int pidfd() {
        int metaLen = buffer.getShort(offset + METADATA_LEN) & 0xffff;
        int p = offset + metaLen;
        int end = offset + length;
        while (end - p >= 4) {
            int type = buffer.get(p) & 0xff;
            int len = buffer.getShort(p + 2) & 0xffff;
            if (len < 4 || len > end - p) {
                return Integer.MIN_VALUE;
            }
            if (type == Fanotify.FAN_EVENT_INFO_TYPE_PIDFD && len >= 8) {
                return buffer.getInt(p + 4);
            }
            p += len;
        }
        return Integer.MIN_VALUE;
    }
}
