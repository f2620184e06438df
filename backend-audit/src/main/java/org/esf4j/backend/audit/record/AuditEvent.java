package org.esf4j.backend.audit.record;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One reassembled audit event: the records that share an event id (seconds, milliseconds, serial),
 * in arrival order, copied into a per-event byte arena and indexed as they arrive, so that
 * {@link #record(int)} costs nothing and allocates nothing.
 *
 * <p>Events are pooled by the {@link Reassembler}: an event passed to
 * {@link Reassembler.Listener#onEvent} and the records it returns are valid only during that call.
 * The arena grows to the largest event seen; {@link #argv()}, {@link #proctitle()},
 * {@link #sockaddr()} and {@link AuditRecord#string} allocate and are meant for events being
 * materialized.
 *
 * <p>A syscall event, as the kernel emits it at syscall exit ({@code kernel/auditsc.c
 * audit_log_exit}): SYSCALL, then auxiliary records (EXECVE, BPRM_FCAPS, CWD, PATH per item,
 * SOCKADDR, OPENAT2, ...), then PROCTITLE, then EOE. An io_uring event run by an io_uring worker has
 * URINGOP, maybe PATH records, and EOE (no SYSCALL, no PROCTITLE); run inline in
 * {@code io_uring_enter} it shares the syscall's id (URINGOP, SYSCALL, PROCTITLE, EOE).
 *
 * <p>Not API, may change without notice.
 */
public final class AuditEvent {
    private static final int S = RecordScanner.STRIDE;
    private static final int INITIAL_ARENA = 4096;
    private static final int INITIAL_RECORDS = 8;
    private static final int INITIAL_FIELDS = 128;
    /** Arenas and indexes grown past these are dropped when the event is recycled. */
    private static final int RETAIN_ARENA = 1 << 20;
    private static final int RETAIN_FIELDS = 1 << 16;

    private final long[] hdr = new long[3];

    private long seconds;
    private int millis;
    private long serial;
    private boolean complete;
    private boolean dropped;

    private byte[] arena = new byte[INITIAL_ARENA];
    private int arenaLen;

    private int recordCount;
    private int[] recType = new int[INITIAL_RECORDS];
    private int[] recOff = new int[INITIAL_RECORDS];
    private int[] recLen = new int[INITIAL_RECORDS];
    private int[] recField = new int[INITIAL_RECORDS];
    /** field count, or-ed with {@link RecordScanner#TRUNCATED} */
    private int[] recCount = new int[INITIAL_RECORDS];
    private AuditRecord[] views = new AuditRecord[INITIAL_RECORDS];

    private int[] fields = new int[INITIAL_FIELDS * S];
    private int fieldsUsed;

    private boolean argvTruncated;

    // Reassembler bookkeeping: the in-flight list (oldest first) and the first arrival time.
    AuditEvent older;
    AuditEvent newer;
    long firstNanos;
    int bytesLimit = Integer.MAX_VALUE;
    int recordsLimit = Integer.MAX_VALUE;

    AuditEvent() {
    }

    /** Starts a new event with this id; keeps the grown buffers. */
    void reset(long seconds, int millis, long serial) {
        this.seconds = seconds;
        this.millis = millis;
        this.serial = serial;
        this.complete = false;
        this.dropped = false;
        this.arenaLen = 0;
        this.recordCount = 0;
        this.fieldsUsed = 0;
        this.argvTruncated = false;
        this.older = null;
        this.newer = null;
    }

    /** Drops buffers that one unusually large event grew, so that the pool does not keep them. */
    void trim() {
        if (arena.length > RETAIN_ARENA) {
            arena = new byte[INITIAL_ARENA];
        }
        if (fields.length > RETAIN_FIELDS * S) {
            fields = new int[INITIAL_FIELDS * S];
        }
    }

    void complete(boolean complete) {
        this.complete = complete && !dropped;
    }

    boolean matches(long seconds, int millis, long serial) {
        return this.serial == serial && this.seconds == seconds && this.millis == millis;
    }

    /**
     * Copies a record into the arena and indexes its fields.
     *
     * @param off start of the record text ({@code audit(})
     * @param end end of the trimmed text
     * @param fieldsAt offset of the first field, from the header parse
     * @return false when the record did not fit the event's limits (dropped; the event is then
     *         delivered as incomplete)
     */
    boolean append(int type, byte[] buf, int off, int end, int fieldsAt) {
        int len = end - off;
        if (recordCount >= recordsLimit || len > bytesLimit - arenaLen) {
            dropped = true;
            return false;
        }
        int at = arenaLen;
        if (len > arena.length - at) {
            arena = Arrays.copyOf(arena, grow(arena.length, at + len));
        }
        System.arraycopy(buf, off, arena, at, len);
        arenaLen = at + len;
        if (recordCount == recType.length) {
            int n = recordCount * 2;
            recType = Arrays.copyOf(recType, n);
            recOff = Arrays.copyOf(recOff, n);
            recLen = Arrays.copyOf(recLen, n);
            recField = Arrays.copyOf(recField, n);
            recCount = Arrays.copyOf(recCount, n);
            views = Arrays.copyOf(views, n);
        }
        // a field takes at least two bytes (one of its own and a blank after it), so this bounds
        // what the scan can store
        int maxFields = Math.min(AuditRecord.MAX_FIELDS, (end - fieldsAt + 2) >>> 1);
        int need = (fieldsUsed + maxFields) * S;
        if (need > fields.length) {
            fields = Arrays.copyOf(fields, grow(fields.length, need));
        }
        int r = RecordScanner.fields(arena, at + (fieldsAt - off), at + len, fields, fieldsUsed * S, maxFields);
        int n = r & RecordScanner.COUNT_MASK;
        int i = recordCount++;
        recType[i] = type;
        recOff[i] = at;
        recLen[i] = len;
        recField[i] = fieldsUsed;
        recCount[i] = r;
        fieldsUsed += n;
        return true;
    }

    private static int grow(int have, int need) {
        long n = Math.max((long) have * 2, need);
        return (int) Math.min(n, Integer.MAX_VALUE - 16);
    }

    /** @return the event serial (unsigned 32-bit) */
    public long serial() {
        return serial;
    }

    /** @return the event time, seconds since the epoch */
    public long seconds() {
        return seconds;
    }

    /** @return the milliseconds part of the event time (0..999) */
    public int millis() {
        return millis;
    }

    /**
     * @return true when the event ended with EOE or is a single-record event; false when it was
     *         delivered by timeout, by the in-flight limit, by {@link Reassembler#flush()}, or had
     *         records dropped for exceeding the event size limits
     */
    public boolean complete() {
        return complete;
    }

    /** @return the number of records, EOE included */
    public int recordCount() {
        return recordCount;
    }

    /**
     * @param i record index, 0 to {@link #recordCount()} - 1
     * @return the record's type, or -1 for a bad index
     */
    public int recordType(int i) {
        return i < 0 || i >= recordCount ? -1 : recType[i];
    }

    /**
     * A view of record {@code i}, already indexed; each index has its own view object, so several
     * records can be used at once. Valid while the event is.
     *
     * @param i record index
     * @return the record, or null for a bad index
     */
    public AuditRecord record(int i) {
        if (i < 0 || i >= recordCount) {
            return null;
        }
        AuditRecord v = views[i];
        if (v == null) {
            v = views[i] = AuditRecord.view();
        }
        int c = recCount[i];
        v.wrap(recType[i], seconds, millis, serial, arena, recOff[i], recLen[i], fields, recField[i] * S,
                c & RecordScanner.COUNT_MASK, (c & RecordScanner.TRUNCATED) != 0);
        return v;
    }

    /**
     * @param type a record type
     * @return the index of the first record of this type, or -1
     */
    public int indexOf(int type) {
        for (int i = 0; i < recordCount; i++) {
            if (recType[i] == type) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param type a record type
     * @return the first record of this type, or null
     */
    public AuditRecord first(int type) {
        int i = indexOf(type);
        return i < 0 ? null : record(i);
    }

    /** Whether record {@code i} had more than {@link AuditRecord#MAX_FIELDS} fields. */
    boolean recordTruncatedField(int i) {
        return i >= 0 && i < recordCount && (recCount[i] & RecordScanner.TRUNCATED) != 0;
    }

    /** @return the event's record bytes (the arena); records index into it */
    byte[] arena() {
        return arena;
    }

    /**
     * The executed command line from the EXECVE records (allocates): {@code argc} arguments from
     * {@code aN} fields (quoted or hex), or long arguments from {@code aN_len} plus {@code aN[i]}
     * chunks, which may span several EXECVE records, joined in order. Arguments are decoded as UTF-8.
     *
     * <p>When the records are inconsistent (an argument or a chunk missing or out of order, a chunk
     * total that differs from {@code aN_len}, fewer arguments than {@code argc}) the arguments up to
     * the inconsistency are returned (a long argument with the chunks that were in order) and
     * {@link #argvTruncated()} is set. Never throws.
     *
     * @return the arguments; empty when there is no EXECVE record
     */
    public List<String> argv() {
        List<String> out = new ArrayList<>();
        argvTruncated = false;
        long argc = -1;
        int next = 0; // the argument expected next
        int chunkArg = -1; // the long argument being assembled, or -1
        long chunkWant = 0;
        long chunkHave = 0;
        int chunkNext = 0;
        ByteArrayOutputStream chunk = null;
        byte[] tmp = null;
        boolean stop = false;
        boolean any = false;
        for (int r = 0; r < recordCount && !stop; r++) {
            if (recType[r] != AuditType.EXECVE) {
                continue;
            }
            any = true;
            int base = recField[r] * S;
            int n = recCount[r] & RecordScanner.COUNT_MASK;
            for (int i = 0, w = base; i < n && !stop; i++, w += S) {
                int ko = fields[w];
                int kl = fields[w + 1];
                int vo = fields[w + 2];
                int vl = fields[w + 3];
                if (kl == 4 && arena[ko] == 'a' && arena[ko + 1] == 'r' && arena[ko + 2] == 'g' && arena[ko + 3] == 'c') {
                    if (argc < 0) { // the kernel logs argc once, first; later ones are not trusted
                        argc = RecordScanner.number(arena, vo, vl, 10, -1);
                    }
                    continue;
                }
                // aN, aN_len, aN[k]
                if (kl < 2 || arena[ko] != 'a') {
                    continue;
                }
                int p = ko + 1;
                int e = ko + kl;
                long num = 0;
                int digits = p;
                while (p < e && arena[p] >= '0' && arena[p] <= '9' && p - digits < 9) {
                    num = num * 10 + (arena[p] - '0');
                    p++;
                }
                if (p == digits) {
                    continue;
                }
                int arg = (int) num;
                if (p == e) { // aN
                    if (chunkArg >= 0 || arg != next) {
                        stop = true;
                        break;
                    }
                    if (tmp == null || tmp.length < vl) {
                        tmp = new byte[Math.max(vl, 64)];
                    }
                    int m = RecordScanner.decode(AuditType.EXECVE, arena, ko, kl, vo, vl, tmp, 0);
                    out.add(new String(tmp, 0, m, StandardCharsets.UTF_8));
                    next++;
                } else if (e - p == 4 && arena[p] == '_' && arena[p + 1] == 'l' && arena[p + 2] == 'e'
                        && arena[p + 3] == 'n') { // aN_len
                    if (chunkArg >= 0 || arg != next) {
                        stop = true;
                        break;
                    }
                    chunkWant = RecordScanner.number(arena, vo, vl, 10, -1);
                    if (chunkWant < 0) {
                        stop = true;
                        break;
                    }
                    chunkArg = arg;
                    chunkHave = 0;
                    chunkNext = 0;
                    chunk = new ByteArrayOutputStream();
                } else if (arena[p] == '[' && arena[e - 1] == ']' && e - p >= 3) { // aN[k]
                    long k = RecordScanner.number(arena, p + 1, e - p - 2, 10, -1);
                    if (chunkArg < 0 || arg != chunkArg || k != chunkNext) {
                        stop = true;
                        break;
                    }
                    if (tmp == null || tmp.length < vl) {
                        tmp = new byte[Math.max(vl, 64)];
                    }
                    int m = RecordScanner.decode(AuditType.EXECVE, arena, ko, kl, vo, vl, tmp, 0);
                    chunk.write(tmp, 0, m);
                    chunkHave += RecordScanner.encodedLength(arena, vo, vl);
                    chunkNext++;
                    if (chunkHave >= chunkWant) {
                        out.add(chunk.toString(StandardCharsets.UTF_8));
                        chunk = null;
                        chunkArg = -1;
                        next++;
                        if (chunkHave != chunkWant) {
                            stop = true;
                        }
                    }
                }
            }
        }
        if (chunk != null) {
            out.add(chunk.toString(StandardCharsets.UTF_8)); // the chunks that were in order
            stop = true;
        }
        if (stop || (any && argc >= 0 && out.size() != argc)) {
            argvTruncated = true;
        }
        if (argc >= 0 && out.size() > argc) {
            out.subList((int) argc, out.size()).clear();
        }
        return out;
    }

    /** @return whether the last {@link #argv()} found the EXECVE records inconsistent or incomplete */
    public boolean argvTruncated() {
        return argvTruncated;
    }

    /**
     * The process title of the PROCTITLE record, hex-decoded (allocates). These are the raw bytes of
     * the command line as the kernel read it, arguments separated by NUL, truncated by the kernel to
     * 128 bytes.
     *
     * @return the bytes, or null when there is no PROCTITLE record or field
     */
    public byte[] proctitle() {
        return decodedField(AuditType.PROCTITLE, "proctitle");
    }

    /**
     * The raw socket address of the SOCKADDR record (allocates); see {@link SockAddr}.
     *
     * @return the bytes, or null when there is no SOCKADDR record or field
     */
    public byte[] sockaddr() {
        return decodedField(AuditType.SOCKADDR, "saddr");
    }

    private byte[] decodedField(int type, String key) {
        AuditRecord r = first(type);
        if (r == null) {
            return null;
        }
        int i = r.indexOf(key);
        return i < 0 ? null : r.bytes(i);
    }

    /** @return a short description (allocates; for diagnostics) */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("audit(").append(seconds).append('.');
        if (millis < 100) {
            sb.append(millis < 10 ? "00" : "0");
        }
        sb.append(millis).append(':').append(serial).append(")[");
        for (int i = 0; i < recordCount; i++) {
            sb.append(i == 0 ? "" : " ").append(AuditType.name(recType[i]));
        }
        return sb.append(complete ? "]" : "] incomplete").toString();
    }
}
