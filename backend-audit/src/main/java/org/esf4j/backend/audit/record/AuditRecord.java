package org.esf4j.backend.audit.record;

import java.nio.charset.StandardCharsets;

/**
 * A flyweight view of one audit record's text, parsed in place: the header and an index of its
 * {@code key=value} fields into int arrays. Parsing and every accessor except {@link #string},
 * {@link #bytes}, {@link #key} and {@link #toString} allocate nothing.
 *
 * <pre>
 * audit(1795404281.065:3203): item=1 name=776974682073706163652E747874 inode=2146664 dev=fe:00 mode=0100644 ...
 * |-------- header --------|  |-------------------------- fields (key=value, blank-separated) ---------------
 * seconds() = 1795404281, millis() = 65, serial() = 3203 (u32)
 * </pre>
 *
 * <p>Value encodings (kernel/audit.c, kernel/auditsc.c):
 * <ul>
 * <li>{@code "..."} quoted strings; {@link #decode} returns the contents. A quoted value may contain
 * blanks; a single-quoted value ({@code msg='op=... res=success'} of user-space records) is one
 * value whatever it contains.
 * <li>Untrusted strings ({@code comm exe cwd name key path proctitle}, EXECVE {@code aN} and
 * {@code aN[i]}, ...) that contain a quote, a blank, a control or a non-ASCII byte are written as
 * upper-case hex without quotes; {@link #decode} returns the bytes. {@code saddr} (SOCKADDR) is
 * always hex.
 * <li>Numbers: decimal ({@code pid=}, {@code inode=}, {@code exit=-2}), hex without {@code 0x}
 * (SYSCALL {@code a0=}, {@code arch=c000003e}), octal ({@code mode=0100644}): see {@link #number}.
 * <li>{@code (null)} and {@code ?} for absent values: {@link #isNull}. {@code dev=fe:00} and
 * {@code subj=} contexts with {@code :} are plain raw values.
 * </ul>
 *
 * <p>A record stays valid until the next {@link #parse} and only as long as the parsed buffer is not
 * changed; the reassembler copies records, so views from {@link AuditEvent#record} are valid for the
 * duration of the listener call. At most {@link #MAX_FIELDS} fields are indexed; {@link #truncated}
 * tells when more were present. Not thread-safe.
 *
 * <p>Not API, may change without notice.
 */
public final class AuditRecord {
    /** Fields indexed per record; further fields are ignored and {@link #truncated} is set. */
    public static final int MAX_FIELDS = 512;

    private static final int S = RecordScanner.STRIDE;

    private final long[] hdr = new long[3];
    private int[] own;

    private int[] f;
    private int fBase;
    private int count;
    private boolean truncated;
    private byte[] buf;
    private int off;
    private int len;
    private int type;
    private long seconds;
    private int millis;
    private long serial;
    private boolean valid;

    /** Creates a record with its own field index, ready for {@link #parse}. */
    public AuditRecord() {
        this(new int[MAX_FIELDS * S]);
    }

    private AuditRecord(int[] own) {
        this.own = own;
    }

    /** A view for an event's records: it shares the event's field index (made by parse() if parsed). */
    static AuditRecord view() {
        return new AuditRecord(null);
    }

    /**
     * Parses one record's text ({@code audit(...): key=value ...}) in place. Trailing NULs and
     * newlines are ignored. Never throws; a malformed header (or a null buffer or a range outside
     * it) returns false and leaves the record unusable ({@link #fieldCount()} 0).
     *
     * @param type the audit message type ({@code nlmsg_type})
     * @param buf the buffer holding the text; not copied, must stay unchanged while the record is used
     * @param off offset of the text
     * @param len length of the text
     * @return whether the header was well-formed
     */
    public boolean parse(int type, byte[] buf, int off, int len) {
        this.valid = false;
        this.count = 0;
        this.truncated = false;
        this.type = type;
        this.buf = buf;
        this.off = off;
        this.len = 0;
        this.seconds = 0;
        this.millis = 0;
        this.serial = 0;
        if (own == null) {
            own = new int[MAX_FIELDS * S];
        }
        this.f = own;
        this.fBase = 0;
        if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
            return false;
        }
        int end = RecordScanner.trimEnd(buf, off, off + len);
        this.len = end - off;
        int p = RecordScanner.header(buf, off, end, hdr);
        if (p < 0) {
            return false;
        }
        this.seconds = hdr[0];
        this.millis = (int) hdr[1];
        this.serial = hdr[2];
        int r = RecordScanner.fields(buf, p, end, own, 0, MAX_FIELDS);
        this.count = r & RecordScanner.COUNT_MASK;
        this.truncated = (r & RecordScanner.TRUNCATED) != 0;
        this.valid = true;
        return true;
    }

    /** Points this view at a record already indexed by an event. */
    void wrap(int type, long seconds, int millis, long serial, byte[] buf, int off, int len, int[] f, int fBase,
            int count, boolean truncated) {
        this.type = type;
        this.seconds = seconds;
        this.millis = millis;
        this.serial = serial;
        this.buf = buf;
        this.off = off;
        this.len = len;
        this.f = f;
        this.fBase = fBase;
        this.count = count;
        this.truncated = truncated;
        this.valid = true;
    }

    /**
     * @return whether the last parse succeeded (always true for views of an event's records)
     */
    public boolean valid() {
        return valid;
    }

    /** @return the audit message type */
    public int type() {
        return type;
    }

    /** @return the event time, seconds since the epoch */
    public long seconds() {
        return seconds;
    }

    /** @return the milliseconds part of the event time (0..999) */
    public int millis() {
        return millis;
    }

    /** @return the event serial, an unsigned 32-bit counter */
    public long serial() {
        return serial;
    }

    /** @return the number of indexed fields */
    public int fieldCount() {
        return count;
    }

    /** @return whether the record had more than {@link #MAX_FIELDS} fields (the rest are ignored) */
    public boolean truncated() {
        return truncated;
    }

    /** @return the buffer holding the record text; offsets of this record index into it */
    public byte[] buffer() {
        return buf;
    }

    /** @return the offset of the record text ({@code audit(...}) in {@link #buffer()} */
    public int offset() {
        return off;
    }

    /** @return the length of the record text, without trailing NULs and newlines */
    public int length() {
        return len;
    }

    private boolean bad(int idx) {
        return idx < 0 || idx >= count;
    }

    /**
     * The index of the first field with this key, compared as ASCII against the record's bytes.
     *
     * @param key the key
     * @return the field index, or -1
     */
    public int indexOf(String key) {
        return indexOf(key, 0);
    }

    /**
     * The index of the first field at or after {@code from} with this key.
     *
     * @param key the key
     * @param from the first field index to look at
     * @return the field index, or -1
     */
    public int indexOf(String key, int from) {
        if (key == null) {
            return -1;
        }
        int kl = key.length();
        for (int i = Math.max(0, from), w = fBase + i * S; i < count; i++, w += S) {
            if (f[w + 1] == kl && keyMatches(f[w], key, kl)) {
                return i;
            }
        }
        return -1;
    }

    private boolean keyMatches(int ko, String key, int kl) {
        byte[] b = buf;
        for (int j = 0; j < kl; j++) {
            if ((b[ko + j] & 0xff) != key.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether field {@code idx} has this key.
     *
     * @param idx field index
     * @param key the key
     * @return true when the key matches
     */
    public boolean keyEquals(int idx, String key) {
        if (bad(idx) || key == null) {
            return false;
        }
        int w = fBase + idx * S;
        return f[w + 1] == key.length() && keyMatches(f[w], key, key.length());
    }

    /**
     * @param idx field index
     * @return the key's offset in {@link #buffer()}, or -1
     */
    public int keyOffset(int idx) {
        return bad(idx) ? -1 : f[fBase + idx * S];
    }

    /**
     * @param idx field index
     * @return the key's length, or -1
     */
    public int keyLength(int idx) {
        return bad(idx) ? -1 : f[fBase + idx * S + 1];
    }

    /**
     * @param idx field index
     * @return the raw value's offset in {@link #buffer()} (quotes included), or -1
     */
    public int valueOffset(int idx) {
        return bad(idx) ? -1 : f[fBase + idx * S + 2];
    }

    /**
     * @param idx field index
     * @return the raw value's length (quotes included), or -1
     */
    public int valueLength(int idx) {
        return bad(idx) ? -1 : f[fBase + idx * S + 3];
    }

    /**
     * The key of a field as a string (allocates).
     *
     * @param idx field index
     * @return the key, or null for a bad index
     */
    public String key(int idx) {
        if (bad(idx)) {
            return null;
        }
        int w = fBase + idx * S;
        return new String(buf, f[w], f[w + 1], StandardCharsets.ISO_8859_1);
    }

    /**
     * Parses the raw value as a number. Radix 10 accepts a leading '-' ({@code exit=-2}); other radixes
     * are unsigned 64-bit ({@code a0=ffffff9c}, {@code mode=0100644} with radix 8); radix 16 accepts
     * an optional {@code 0x}.
     *
     * @param idx field index
     * @param radix 2..36
     * @param dflt returned when the value is not such a number (or quoted, empty, too large)
     * @return the value or {@code dflt}
     */
    public long number(int idx, int radix, long dflt) {
        if (bad(idx)) {
            return dflt;
        }
        int w = fBase + idx * S;
        return RecordScanner.number(buf, f[w + 2], f[w + 3], radix, dflt);
    }

    /**
     * @param idx field index
     * @return whether the raw value is {@code (null)} or {@code ?} (false for a bad index)
     */
    public boolean isNull(int idx) {
        if (bad(idx)) {
            return false;
        }
        int w = fBase + idx * S;
        int vo = f[w + 2];
        int vl = f[w + 3];
        byte[] b = buf;
        if (vl == 1) {
            return b[vo] == '?';
        }
        return vl == 6 && b[vo] == '(' && b[vo + 1] == 'n' && b[vo + 2] == 'u' && b[vo + 3] == 'l' && b[vo + 4] == 'l'
                && b[vo + 5] == ')';
    }

    /**
     * @param idx field index
     * @return whether the raw value is in double or single quotes
     */
    public boolean isQuoted(int idx) {
        if (bad(idx) || f[fBase + idx * S + 3] == 0) {
            return false;
        }
        byte c = buf[f[fBase + idx * S + 2]];
        return c == '"' || c == '\'';
    }

    /**
     * The value's bytes: the contents of a quoted value; the decoded bytes of an upper-case hex value
     * of a field the kernel hex-encodes (untrusted strings such as {@code name}, {@code exe},
     * {@code proctitle}, EXECVE arguments, and {@code saddr}); otherwise the raw bytes. Writes at most
     * {@code dst.length - dstOff} bytes; never throws.
     *
     * @param idx field index
     * @param dst destination
     * @param dstOff offset in {@code dst}
     * @return the number of bytes written, or -1 for a bad index or destination
     */
    public int decode(int idx, byte[] dst, int dstOff) {
        if (bad(idx) || dst == null || dstOff < 0 || dstOff > dst.length) {
            return -1;
        }
        int w = fBase + idx * S;
        return RecordScanner.decode(type, buf, f[w], f[w + 1], f[w + 2], f[w + 3], dst, dstOff);
    }

    /**
     * The decoded value as a string (UTF-8, malformed input replaced). Allocates.
     *
     * @param idx field index
     * @return the value, or null for a bad index
     */
    public String string(int idx) {
        if (bad(idx)) {
            return null;
        }
        byte[] tmp = new byte[f[fBase + idx * S + 3]];
        int n = decode(idx, tmp, 0);
        return new String(tmp, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * The decoded value of the first field with this key (allocates).
     *
     * @param key the key
     * @return the value, or null when there is no such field
     */
    public String string(String key) {
        int i = indexOf(key);
        return i < 0 ? null : string(i);
    }

    /**
     * The decoded bytes of a value (allocates).
     *
     * @param idx field index
     * @return the bytes, or null for a bad index
     */
    public byte[] bytes(int idx) {
        if (bad(idx)) {
            return null;
        }
        byte[] tmp = new byte[f[fBase + idx * S + 3]];
        int n = decode(idx, tmp, 0);
        return n == tmp.length ? tmp : java.util.Arrays.copyOf(tmp, n);
    }

    /** @return the record text (allocates; for diagnostics) */
    @Override
    public String toString() {
        if (buf == null || len <= 0) {
            return AuditType.name(type) + " <empty>";
        }
        return AuditType.name(type) + " " + new String(buf, off, len, StandardCharsets.ISO_8859_1);
    }
}
