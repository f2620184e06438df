package org.esf4j.backend.audit.record;

/**
 * Groups audit records into events and counts lost events from serial gaps. Records are handed in
 * as they arrive from the netlink socket; completed events go to a {@link Listener}.
 *
 * <h2>Grouping</h2>
 * <ul>
 * <li>An event is identified by its header's (seconds, milliseconds, serial). Records of different
 * events interleave, so records are grouped by id, not by arrival.
 * <li>Kernel event records (types 1300&ndash;1399, {@link AuditType#isKernelEvent}) accumulate until
 * the event's {@link AuditType#EOE} record, which completes it ({@link AuditEvent#complete()}).
 * An EOE whose event is not in flight is dropped and counted in {@link #orphans()} when its event
 * was delivered before (by timeout or eviction); when no record with its serial arrived before,
 * the event's other records were lost, and the EOE is delivered as an event of its own (complete,
 * one record), so the listener sees the loss.
 * <li>Records of any other type are events by themselves and are delivered at once, complete;
 * except that such a record joins a kernel event in flight with the same id (an AVC record logged
 * during a syscall shares the syscall's id).
 * <li>An event whose first record arrived {@code timeoutNanos} or more ago is delivered incomplete
 * (checked on every {@link #add} and by {@link #expire}). When a record would open event number
 * {@code maxInFlight + 1}, the oldest event in flight is delivered incomplete first.
 * {@link #flush()} delivers every event in flight, incomplete. A record that arrives after its
 * event was delivered starts a new event with that id, which lacks the records delivered before.
 * <li>An event is limited to {@link #MAX_EVENT_BYTES_DEFAULT} bytes and
 * {@link #MAX_EVENT_RECORDS_DEFAULT} records (configurable); further records are dropped
 * ({@link #droppedRecords()}) and the event is delivered incomplete.
 * </ul>
 *
 * <h2>Lost events from serial gaps</h2>
 * The serial is a global u32 counter the kernel stamps on every record it logs, of any type; all
 * records of one event share it. A multicast listener sees every serial unless copies were dropped
 * (its receive buffer overflowed), so a serial that never arrives is a lost event. Events complete
 * out of order, so serials are tracked in a sliding window, a bitmap of the last
 * {@link #SERIAL_WINDOW} serials:
 * <ul>
 * <li>The first serial seen starts the window; serials before it are not loss.
 * <li>A missing serial is counted lost once it falls out of the window (the highest serial seen
 * minus {@link #SERIAL_WINDOW}), or once a higher serial has been seen for at least
 * {@code timeoutNanos} (checked on {@link #add} and {@link #expire}), or on {@link #flush()} (every
 * serial below the highest seen).
 * <li>Each serial is counted at most once: a record whose serial was already counted lost (it came
 * late) is not counted again, and does not undo the count.
 * <li>A jump of more than 2<sup>24</sup> serials in either direction from the highest seen is a
 * discontinuity: the counter wrapped (a backwards jump), or a late record from before a wrap arrived
 * (a forwards jump). The window restarts at that serial and no loss is counted.
 * <li>Each count is reported with {@code listener.onLost(n, "serial-gap")} and added to
 * {@link #lostBySerialGap()}.
 * </ul>
 * Records the kernel drops before stamping (backlog limit, rate limit) leave no gap; they show only
 * in the kernel's {@code audit_status.lost}.
 *
 * <h2>Cost and threading</h2>
 * {@link #add} allocates nothing in the steady state: events come from a pool that grows to
 * {@code maxInFlight} (plus one for single-record events), and each event's arena and index grow to
 * the largest event it has held (buffers grown past 1 MiB are dropped when the event is recycled).
 * Memory is bounded by {@code maxInFlight + 1} events of at most {@code maxEventBytes} of record
 * text each, plus their field indexes (16 bytes per field, at most one field per two bytes of
 * text), and a 2 KiB serial bitmap. The caller's buffer may be reused as soon as {@link #add} returns. Not thread-safe: one thread
 * (the netlink reader) calls {@link #add}, {@link #expire} and {@link #flush}. The listener is called
 * on that thread, from within these methods, and must not call back into the reassembler. The event
 * it receives is valid only during the call.
 *
 * <p>Not API, may change without notice.
 */
public final class Reassembler {

    /** Receives events, loss counts and malformed records, on the thread that calls {@link #add}. */
    public interface Listener {
        /**
         * An event, complete or not ({@link AuditEvent#complete()}). Valid only during the call.
         *
         * @param e the event
         */
        void onEvent(AuditEvent e);

        /**
         * Events were found lost.
         *
         * @param events how many
         * @param reason {@code "serial-gap"}
         */
        void onLost(long events, String reason);

        /**
         * A record whose header could not be parsed; it is not part of any event. The buffer is the
         * caller's, valid only during the call.
         *
         * @param type the record type
         * @param buf the buffer
         * @param off offset of the record text
         * @param len its length
         */
        void onMalformed(int type, byte[] buf, int off, int len);
    }

    /** Serials tracked by the loss window. */
    public static final int SERIAL_WINDOW = SerialWindow.SIZE;
    /** Default limit of an event's record bytes. */
    public static final int MAX_EVENT_BYTES_DEFAULT = 8 << 20;
    /** Default limit of an event's records. */
    public static final int MAX_EVENT_RECORDS_DEFAULT = 16384;
    /** Largest {@code maxInFlight} accepted. */
    public static final int MAX_IN_FLIGHT_LIMIT = 1 << 20;
    /** The reason given to {@link Listener#onLost} for serial gaps. */
    public static final String LOST_SERIAL_GAP = "serial-gap";

    private static final byte[] EMPTY = new byte[0];

    private final int maxInFlight;
    private final long timeoutNanos;
    private final long tickNanos;
    private final Listener listener;
    private final int maxEventBytes;
    private final int maxEventRecords;

    private final long[] hdr = new long[3];
    private final AuditEvent[] table;
    private final int mask;
    private final AuditEvent[] pool;
    private int pooled;
    private final AuditEvent single;
    private AuditEvent oldest;
    private AuditEvent newest;
    private int inFlight;
    private final SerialWindow window = new SerialWindow();
    private long lastTick;
    private boolean ticked;

    private long records;
    private long events;
    private long incomplete;
    private long malformed;
    private long lostBySerialGap;
    private long orphans;
    private long droppedRecords;
    private long truncatedRecords;

    /**
     * @param maxInFlight events open at once, 1 to {@link #MAX_IN_FLIGHT_LIMIT}
     * @param timeoutNanos how long an event may stay open, and a missing serial may stay missing,
     *        after its first record; positive
     * @param listener receives events and counts
     */
    public Reassembler(int maxInFlight, long timeoutNanos, Listener listener) {
        this(maxInFlight, timeoutNanos, MAX_EVENT_BYTES_DEFAULT, MAX_EVENT_RECORDS_DEFAULT, listener);
    }

    /**
     * @param maxInFlight events open at once, 1 to {@link #MAX_IN_FLIGHT_LIMIT}
     * @param timeoutNanos how long an event may stay open, and a missing serial may stay missing;
     *        positive
     * @param maxEventBytes limit of one event's record bytes, at least 1 KiB
     * @param maxEventRecords limit of one event's records, at least 1
     * @param listener receives events and counts
     */
    public Reassembler(int maxInFlight, long timeoutNanos, int maxEventBytes, int maxEventRecords,
            Listener listener) {
        if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
            throw new IllegalArgumentException("maxInFlight must be 1.." + MAX_IN_FLIGHT_LIMIT + ": " + maxInFlight);
        }
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("timeoutNanos must be positive: " + timeoutNanos);
        }
        if (maxEventBytes < 1024 || maxEventRecords < 1) {
            throw new IllegalArgumentException("maxEventBytes must be >= 1024 and maxEventRecords >= 1");
        }
        if (listener == null) {
            throw new NullPointerException("listener");
        }
        this.maxInFlight = maxInFlight;
        this.timeoutNanos = timeoutNanos;
        this.tickNanos = Math.max(1, timeoutNanos / 8);
        this.listener = listener;
        this.maxEventBytes = maxEventBytes;
        this.maxEventRecords = maxEventRecords;
        int cap = Integer.highestOneBit(Math.max(16, maxInFlight * 2 - 1)) << 1;
        this.table = new AuditEvent[cap];
        this.mask = cap - 1;
        this.pool = new AuditEvent[maxInFlight];
        this.single = newEvent();
    }

    private AuditEvent newEvent() {
        AuditEvent e = new AuditEvent();
        e.bytesLimit = maxEventBytes;
        e.recordsLimit = maxEventRecords;
        return e;
    }

    /**
     * Adds one record. Never throws on any record content (a throwing listener's exception passes
     * through, with the reassembler left consistent).
     *
     * @param type the audit message type ({@code nlmsg_type})
     * @param buf buffer holding the record text {@code audit(...): ...}; copied, may be reused after
     *        the call
     * @param off offset of the text
     * @param len length of the text (trailing NULs and newlines are ignored)
     * @param nowNanos the current time ({@link System#nanoTime()})
     */
    public void add(int type, byte[] buf, int off, int len, long nowNanos) {
        records++;
        if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
            malformed++;
            listener.onMalformed(type, buf == null ? EMPTY : buf, 0, 0);
            return;
        }
        int end = RecordScanner.trimEnd(buf, off, off + len);
        int p = RecordScanner.header(buf, off, end, hdr);
        if (p < 0) {
            malformed++;
            listener.onMalformed(type, buf, off, len);
            return;
        }
        long seconds = hdr[0];
        int millis = (int) hdr[1];
        long serial = hdr[2];
        // a lone EOE (its other records were lost) is told apart from a late one by the window
        boolean seenBefore = type == AuditType.EOE && window.seen(serial);
        long lost = window.observe(serial);
        if (lost > 0) {
            lost(lost);
        }
        AuditEvent e = find(seconds, millis, serial);
        if (!AuditType.isKernelEvent(type)) {
            if (e != null) {
                append(e, type, buf, off, end, p);
            } else {
                AuditEvent s = single;
                s.reset(seconds, millis, serial);
                append(s, type, buf, off, end, p);
                deliver(s, true);
            }
        } else if (type == AuditType.EOE) {
            if (e == null && seenBefore) {
                orphans++;
            } else if (e == null) {
                AuditEvent s = single;
                s.reset(seconds, millis, serial);
                append(s, type, buf, off, end, p);
                deliver(s, true);
            } else {
                append(e, type, buf, off, end, p);
                unlink(e);
                try {
                    deliver(e, true);
                } finally {
                    release(e);
                }
            }
        } else {
            if (e == null) {
                if (inFlight >= maxInFlight) {
                    evict(oldest);
                }
                e = pooled > 0 ? pool[--pooled] : newEvent();
                e.reset(seconds, millis, serial);
                e.firstNanos = nowNanos;
                link(e);
            }
            append(e, type, buf, off, end, p);
        }
        expireEvents(nowNanos);
        if (!ticked || nowNanos - lastTick >= tickNanos) {
            tick(nowNanos);
        }
    }

    private void append(AuditEvent e, int type, byte[] buf, int off, int end, int fieldsAt) {
        if (!e.append(type, buf, off, end, fieldsAt)) {
            droppedRecords++;
            return;
        }
        int last = e.recordCount() - 1;
        if (e.recordTruncatedField(last)) {
            truncatedRecords++;
        }
    }

    /**
     * Delivers events in flight for {@code timeoutNanos} or more, incomplete, and counts serials
     * missing for that long as lost. Call it periodically when records may stop arriving.
     *
     * @param nowNanos the current time ({@link System#nanoTime()})
     */
    public void expire(long nowNanos) {
        expireEvents(nowNanos);
        tick(nowNanos);
    }

    /**
     * Delivers every event in flight, oldest first, incomplete, and counts every missing serial below
     * the highest seen as lost (for example on close).
     */
    public void flush() {
        while (oldest != null) {
            evict(oldest);
        }
        long lost = window.flush();
        if (lost > 0) {
            lost(lost);
        }
    }

    private void tick(long nowNanos) {
        ticked = true;
        lastTick = nowNanos;
        long lost = window.tick(nowNanos, timeoutNanos, tickNanos);
        if (lost > 0) {
            lost(lost);
        }
    }

    private void lost(long n) {
        lostBySerialGap += n;
        listener.onLost(n, LOST_SERIAL_GAP);
    }

    private void expireEvents(long nowNanos) {
        while (oldest != null && nowNanos - oldest.firstNanos >= timeoutNanos) {
            evict(oldest);
        }
    }

    private void evict(AuditEvent e) {
        unlink(e);
        try {
            deliver(e, false);
        } finally {
            release(e);
        }
    }

    private void deliver(AuditEvent e, boolean complete) {
        e.complete(complete);
        events++;
        if (!e.complete()) {
            incomplete++;
        }
        listener.onEvent(e);
    }

    private void release(AuditEvent e) {
        e.trim();
        pool[pooled++] = e;
    }

    // ---- the in-flight table: open addressing by serial, and a list from oldest to newest --------

    private int home(long serial) {
        return (int) ((serial * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    private AuditEvent find(long seconds, int millis, long serial) {
        AuditEvent[] t = table;
        for (int i = home(serial);; i = (i + 1) & mask) {
            AuditEvent e = t[i];
            if (e == null || e.matches(seconds, millis, serial)) {
                return e;
            }
        }
    }

    private void link(AuditEvent e) {
        AuditEvent[] t = table;
        int i = home(e.serial());
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        t[i] = e;
        e.older = newest;
        e.newer = null;
        if (newest != null) {
            newest.newer = e;
        } else {
            oldest = e;
        }
        newest = e;
        inFlight++;
    }

    private void unlink(AuditEvent e) {
        AuditEvent[] t = table;
        int i = home(e.serial());
        while (t[i] != e) {
            i = (i + 1) & mask;
        }
        t[i] = null;
        // backward-shift deletion keeps every probe chain unbroken
        for (int j = (i + 1) & mask; t[j] != null; j = (j + 1) & mask) {
            int k = home(t[j].serial());
            boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays) {
                t[i] = t[j];
                t[j] = null;
                i = j;
            }
        }
        if (e.older != null) {
            e.older.newer = e.newer;
        } else {
            oldest = e.newer;
        }
        if (e.newer != null) {
            e.newer.older = e.older;
        } else {
            newest = e.older;
        }
        e.older = null;
        e.newer = null;
        inFlight--;
    }

    // ---- counters ------------------------------------------------------------------------------

    /** @return records passed to {@link #add} */
    public long records() {
        return records;
    }

    /** @return events delivered, complete or not */
    public long events() {
        return events;
    }

    /** @return events delivered incomplete (timeout, eviction, flush, size limits) */
    public long incomplete() {
        return incomplete;
    }

    /** @return records with a malformed header */
    public long malformed() {
        return malformed;
    }

    /** @return events (serials) counted lost from serial gaps */
    public long lostBySerialGap() {
        return lostBySerialGap;
    }

    /** @return EOE records whose event was delivered before they arrived (by timeout or eviction) */
    public long orphans() {
        return orphans;
    }

    /** @return records dropped because their event exceeded its size limits */
    public long droppedRecords() {
        return droppedRecords;
    }

    /** @return records with more than {@link AuditRecord#MAX_FIELDS} fields (the rest ignored) */
    public long truncatedRecords() {
        return truncatedRecords;
    }

    /** @return events in flight now */
    public int inFlight() {
        return inFlight;
    }
}
