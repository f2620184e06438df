package org.esf4j.backend.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.ReasonCode;
import org.esf4j.backend.audit.record.AuditEvent;
import org.esf4j.backend.audit.record.AuditType;
import org.esf4j.backend.audit.record.Reassembler;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendOptions;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.ReaderLoop;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.spi.process.ProcFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit backend for one client: rules installed under the client's key, a reader socket (the
 * multicast group by default, or the unicast daemon slot on request), and a reader
 * ({@link ReaderLoop}, {@code esf4j-audit-reader-N}) that reassembles records into events and
 * hands them to the engine as NOTIFY events.
 *
 * <h2>Start and close</h2>
 * {@link #open} joins the multicast group (or registers as the daemon) and starts the reader
 * before it adds the rules, so that every record of every rule reaches the reader; the reader runs
 * when {@code open} returns. {@link #close} deletes the rules first, then stops the reader, then
 * unregisters and releases the rest.
 *
 * <p>{@code close} delivers the events of every call that returned before it was called. A call's
 * records are queued in the kernel (one queue, {@code audit_queue}) before the call returns, and the
 * kernel thread {@code kauditd} passes them on to the sockets in that order, when it gets to it (a
 * slow audit daemon makes it wait). So close waits, at most {@value #CLOSE_MARKER_WAIT_MS} ms, until
 * the reader has read the kernel's CONFIG_CHANGE record of the deletion of the client's last rule
 * ({@code op=remove_rule} with its key), queued after every record of those calls; then the reader
 * stops, reading what is still in its socket. When the record does not come in time (kauditd still
 * held up, the record dropped, or excluded by an {@code exclude} rule), a drop notice
 * ({@code close}, count unknown) says that events of the last moments may be missing.
 *
 * <h2>Loss</h2>
 * Each signal is reported to the engine as a drop notice:
 * <ul>
 *   <li>{@code socket}: {@code recv} returned {@code ENOBUFS}, the receive buffer overflowed and
 *       the kernel dropped copies for this socket. The count is unknown (-1); the serial gaps
 *       that follow count the events.</li>
 *   <li>{@code serial-gap}: serials that never arrived (see {@link Reassembler}), in events.</li>
 *   <li>{@code partial-event}: an event whose SYSCALL (or URINGOP) record was lost but whose
 *       later records arrived, so its serial is no gap; one per event.</li>
 *   <li>{@code kernel}: growth of {@code audit_status.lost}, polled every
 *       {@value #DEFAULT_LOST_POLL_MS} ms by default, in records: the kernel dropped them before
 *       they got a serial (backlog limit, rate limit). The counter is global: it also counts
 *       records of other rules.</li>
 * </ul>
 * Events that arrive without their end (EOE), after the reassembly timeout or because too many
 * are open, are still delivered when their SYSCALL or URINGOP record is there, and counted as
 * incomplete.
 */
final class AuditBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(AuditBackend.class);

    private static final String MODE = "mode";
    private static final String RECEIVE_BUFFER = "receive-buffer-bytes";
    private static final String TIMEOUT_MS = "reassembly-timeout-ms";
    private static final String MAX_IN_FLIGHT = "max-in-flight";
    private static final String LOST_POLL_MS = "lost-poll-ms";
    private static final String FAILED_CALLS = "failed-calls";

    static final String OPT_MODE = AuditProvider.NAME + "." + MODE;
    static final String OPT_RECEIVE_BUFFER = AuditProvider.NAME + "." + RECEIVE_BUFFER;
    static final String OPT_TIMEOUT_MS = AuditProvider.NAME + "." + TIMEOUT_MS;
    static final String OPT_MAX_IN_FLIGHT = AuditProvider.NAME + "." + MAX_IN_FLIGHT;
    static final String OPT_LOST_POLL_MS = AuditProvider.NAME + "." + LOST_POLL_MS;
    static final String OPT_FAILED_CALLS = AuditProvider.NAME + "." + FAILED_CALLS;

    static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;
    static final int DEFAULT_TIMEOUT_MS = 2000;
    static final int DEFAULT_MAX_IN_FLIGHT = 4096;
    static final int DEFAULT_LOST_POLL_MS = 1000;

    /** How long the final read of what the kernel queued may take at close. */
    private static final long DRAIN_BUDGET_MS = 2000;
    /** How long close waits for the records queued before it to reach the reader. */
    static final long CLOSE_MARKER_WAIT_MS = 3000;
    private static final byte[] REMOVE_RULE = "op=remove_rule".getBytes(StandardCharsets.US_ASCII);
    /** How long close waits for the reader. */
    private static final long JOIN_MS = TimeUnit.SECONDS.toMillis(10);
    /** Datagrams read per {@link ReaderLoop.Agent#doWork()}, so that timers run during a flood. */
    private static final int BATCH = 64;
    private static final int RECORD_TYPE_MIN = 1100;
    private static final int RECORD_TYPE_MAX = 2999;
    /** How many malformed records are logged with their text; later ones are only counted. */
    private static final int MALFORMED_LOGGED = 3;
    private static final AtomicInteger SERIAL = new AtomicInteger();

    private final NativeOps ops;
    private final EventSink sink;
    private final AuditNetlink ctl;
    private final AuditNetlink reader;
    private final AuditRules rules;
    private final boolean unicast;
    private final AuditStatus before;
    private final NativeBuffer rx;
    private final byte[] record = new byte[AuditNetlink.MAX_MESSAGE];
    private final Reassembler reassembler;
    private final ProcFiles proc;
    private final AuditRawEvent raw;
    private final long lostPollNanos;
    private final long expireNanos;
    private final int selfPid;
    private final ReaderLoop loop;
    private long lastLost;
    private long nextLostPoll;
    private int malformedLogged;
    private boolean closed;

    // counters, read by tests and logs
    volatile long recvEnobufs;
    volatile long kernelLost;
    volatile long delivered;
    volatile long ignored;
    volatile long partial;
    /** CONFIG_CHANGE records of this client's own rules: proof that the reader joined before they were added. */
    volatile long ownRuleChanges;
    /** CONFIG_CHANGE records of the deletion of this client's own rules, as they were read. */
    private volatile long ownRuleRemovals;
    /** {@code key="<owner>}: how the kernel writes the key of this client's rules in its records. */
    private final byte[] ownKey;

    /** Parsed options. */
    record Settings(boolean unicast, int receiveBuffer, int timeoutMs, int maxInFlight, int lostPollMs,
                    boolean failedCalls) {

        static Settings of(BackendContext context) {
            BackendOptions o = context.options(AuditProvider.NAME, MODE, RECEIVE_BUFFER, TIMEOUT_MS, MAX_IN_FLIGHT,
                    LOST_POLL_MS, FAILED_CALLS);
            return new Settings(o.choice(MODE, "multicast", "multicast", "unicast").equals("unicast"),
                    o.integer(RECEIVE_BUFFER, DEFAULT_RECEIVE_BUFFER, 64 * 1024, Integer.MAX_VALUE / 2),
                    o.integer(TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 10, 600_000),
                    o.integer(MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT, 16, 1 << 20),
                    o.integer(LOST_POLL_MS, DEFAULT_LOST_POLL_MS, 10, 3_600_000),
                    o.bool(FAILED_CALLS, false));
        }
    }

    private AuditBackend(NativeOps ops, BackendContext context, AuditNetlink ctl, AuditNetlink reader,
                         AuditRules rules, boolean unicast, AuditStatus before, Settings s) {
        this.ops = ops;
        this.sink = context.sink();
        this.ctl = ctl;
        this.reader = reader;
        this.rules = rules;
        this.ownKey = ("key=\"" + rules.owner()).getBytes(StandardCharsets.US_ASCII);
        this.unicast = unicast;
        this.before = before;
        this.selfPid = ops.getpid();
        this.lostPollNanos = TimeUnit.MILLISECONDS.toNanos(s.lostPollMs);
        this.expireNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, Math.min(s.timeoutMs / 4, 250)));
        this.lastLost = before.lost();
        this.nextLostPoll = System.nanoTime() + lostPollNanos;
        this.reassembler = new Reassembler(s.maxInFlight, TimeUnit.MILLISECONDS.toNanos(s.timeoutMs), new Listener());
        NativeBuffer buf = null;
        ProcFiles p = null;
        try {
            buf = ops.allocate(AuditNetlink.MAX_MESSAGE);
            p = new ProcFiles(ops);
            this.raw = new AuditRawEvent(ops, p, context.processes(), context.events(), !s.failedCalls);
            this.loop = new ReaderLoop("esf4j-audit-reader-" + SERIAL.incrementAndGet(), context.config().readerMode(),
                    ops, new Agent(), reader.fd());
        } catch (RuntimeException e) {
            if (buf != null) {
                buf.close();
            }
            if (p != null) {
                p.close();
            }
            throw e;
        }
        this.rx = buf;
        this.proc = p;
    }

    /**
     * Starts the backend for a client: audit on, the reader joined and running, the rules in place.
     *
     * @param context the client's context
     * @return the running backend
     * @throws Esf4jException when it cannot start; nothing is left behind
     */
    static AuditBackend open(BackendContext context) {
        Settings s = Settings.of(context);
        NativeOps ops = Natives.get();
        int pid = ops.getpid();
        AuditNetlink ctl = null;
        AuditNetlink reader = null;
        AuditBackend backend = null;
        boolean switched = false;
        boolean registered = false;
        AuditRules rules = null;
        AuditStatus before = null;
        try {
            ctl = AuditNetlink.open(ops, 0);
            rules = AuditRules.compile(pid, context.config(), context.events().keySet(), !s.failedCalls);
            before = AuditSwitch.acquire(ctl, rules.owner());
            switched = true;
            if (before.enabled() == AuditStatus.ENABLED_LOCKED) { // locked after the probe ran
                throw new Esf4jException("audit backend: audit is locked (enabled=2) and rules cannot be added until"
                        + " reboot (" + ReasonCode.CONFIGURATION_LOCKED + ")");
            }
            if (s.unicast && before.pid() != 0 && before.pid() != pid && alive(ops, before.pid())) {
                throw new Esf4jException("audit backend: unicast mode refused, an audit daemon (pid " + before.pid()
                        + ") holds the unicast slot and esf4j never displaces it (" + ReasonCode.IN_USE
                        + "); use the default multicast mode, which reads beside it");
            }
            removeLeftovers(ctl);
            AuditRules.logRules(rules);
            // The reader joins before any rule exists: every record of every rule reaches it.
            reader = AuditNetlink.open(ops, s.unicast ? 0 : AuditNetlink.GROUP_READLOG);
            int granted = reader.receiveBuffer(s.receiveBuffer);
            if (granted < s.receiveBuffer) {
                LOG.warn("audit receive buffer is {} bytes, below the {} asked (SO_RCVBUFFORCE needs CAP_NET_ADMIN):"
                        + " bursts may overflow it (reported as drops)", granted, s.receiveBuffer);
            }
            if (s.unicast) {
                // backlog_wait_time 0: when the kernel queue is full, records are dropped (and counted
                // in audit_status.lost) instead of making audited processes wait for this reader.
                try {
                    reader.set(AuditStatus.MASK_PID | AuditStatus.MASK_BACKLOG_WAIT_TIME, AuditStatus.of(0, pid, 0));
                } catch (AuditNetlink.NetlinkException e) {
                    if (e.errno == Errno.EEXIST) {
                        throw new Esf4jException("audit backend: unicast mode refused, another audit daemon registered"
                                + " first (" + ReasonCode.IN_USE + "): " + e.getMessage(), e);
                    }
                    throw e;
                }
                registered = true;
                LOG.info("audit backend registered as the unicast audit daemon (pid {}), backlog_wait_time 0 (was {})",
                        pid, before.backlogWaitTime());
            }
            backend = new AuditBackend(ops, context, ctl, reader, rules, s.unicast, before, s);
            backend.loop.start();
            for (int i = 0; i < rules.rules().size(); i++) {
                byte[] r = rules.rules().get(i);
                try {
                    ctl.addRule(r);
                } catch (AuditNetlink.NetlinkException e) {
                    throw new Esf4jException("audit backend: the kernel refused the rule '" + rules.descriptions().get(i)
                            + "': " + e.getMessage(), e);
                }
            }
            LOG.info("audit backend: {} rules under key {}*, {} mode, receive buffer {} bytes", rules.rules().size(),
                    rules.owner(), s.unicast ? "unicast" : "multicast", granted);
            return backend;
        } catch (AuditNetlink.NetlinkException | RuntimeException e) {
            if (backend != null) {
                backend.close();
                throw e instanceof Esf4jException x ? x : new Esf4jException("audit backend: " + e.getMessage(), e);
            }
            if (ctl != null && rules != null && switched) {
                try {
                    deleteOwned(ctl, rules);
                } catch (AuditNetlink.NetlinkException x) {
                    e.addSuppressed(x);
                }
            }
            if (registered) {
                unregister(reader, before.backlogWaitTime());
            }
            if (switched) {
                AuditSwitch.release(ctl, rules.owner());
            }
            if (ctl != null) {
                ctl.close();
            }
            if (reader != null) {
                reader.close();
            }
            if (e instanceof Esf4jException x) {
                throw x;
            }
            throw new Esf4jException("audit backend: " + e.getMessage(), e);
        }
    }

    static boolean alive(NativeOps ops, int pid) {
        int rc = ops.kill(pid, 0);
        return rc == 0 || rc == -Errno.EPERM;
    }

    /**
     * Deletes the rules of esf4j processes that no longer exist (a JVM killed before it closed
     * its client). Rules of other tools and of live esf4j processes are left alone.
     *
     * @return how many were removed
     */
    static int removeLeftovers(AuditNetlink ctl) throws AuditNetlink.NetlinkException {
        int n = 0;
        for (byte[] r : ctl.listRules()) {
            String key = AuditRule.key(r);
            if (AuditRules.isLeftover(key)) {
                try {
                    ctl.deleteRule(r);
                    n++;
                } catch (AuditNetlink.NetlinkException e) {
                    if (e.errno != Errno.ENOENT) { // another process cleaned it up first
                        throw e;
                    }
                }
            }
        }
        if (n > 0) {
            LOG.info("removed {} audit rules left by esf4j processes that no longer exist", n);
        }
        return n;
    }

    /**
     * Deletes a client's rules as the kernel lists them: the kernel stores a prepended rule
     * without {@code AUDIT_FILTER_PREPEND}, so the bytes that added it would not match.
     *
     * @return how many were deleted
     */
    private static int deleteOwned(AuditNetlink ctl, AuditRules rules) throws AuditNetlink.NetlinkException {
        int n = 0;
        for (byte[] r : ctl.listRules()) {
            if (rules.owns(AuditRule.key(r))) {
                ctl.deleteRule(r);
                n++;
            }
        }
        return n;
    }

    AuditRules rules() {
        return rules;
    }

    Reassembler reassembler() {
        return reassembler;
    }

    /** @return whether the reader thread runs */
    boolean readerRunning() {
        return loop.thread().isAlive();
    }

    /** Nothing to do: the reader already runs ({@link #open} started it before adding the rules). */
    @Override
    public void start() {
    }

    @Override
    public boolean respond(long token, boolean allow, boolean cacheInKernel) {
        return false; // NOTIFY only: nothing waits for an answer
    }

    // ------------------------------------------------------------------ reader thread

    /** The reader's work: reads what the socket holds, expires open events, polls the lost counter. */
    private final class Agent implements ReaderLoop.Agent {
        @Override
        public int doWork() {
            return read();
        }

        @Override
        public long timerPeriodNanos() {
            return Math.min(expireNanos, lostPollNanos);
        }

        @Override
        public void onTimer(long now) {
            reassembler.expire(now);
            if (now - nextLostPoll >= 0) {
                pollLost();
                nextLostPoll = now + lostPollNanos;
            }
        }

        @Override
        public void onStop() {
            try {
                reassembler.flush();
                pollLost();
            } finally {
                raw.close();
                proc.close();
                rx.close();
            }
        }

        @Override
        public void onError(Throwable t) {
            LOG.warn("audit reader: unexpected error; going on", t);
            sink.onError("reader: " + t, 0);
        }
    }

    /** Reads up to {@link #BATCH} datagrams; returns how many (0 when nothing was queued). */
    private int read() {
        ByteBuffer b = rx.buffer();
        int done = 0;
        while (done < BATCH) {
            long n = reader.receive(rx.address(), rx.size());
            if (n == -Errno.EAGAIN) {
                return done;
            }
            if (n == -Errno.EINTR) {
                continue;
            }
            done++;
            if (n == -Errno.ENOBUFS) {
                recvEnobufs++;
                sink.onDrop("socket", -1, "the audit socket's receive buffer overflowed (ENOBUFS): the kernel dropped"
                        + " records for it; serial-gap notices count the events");
                continue;
            }
            if (n < 0) {
                sink.onError("recv", (int) -n);
                return done;
            }
            // The kernel sends each audit record as a datagram of its own, and the header's length
            // cannot be trusted: a unicast record's nlmsg_len leaves the 16-byte header out
            // (__audit_log_end), while the multicast copy's is the full length
            // (kauditd_send_multicast_skb). So the record is the rest of the datagram.
            int total = (int) n;
            if (total >= AuditNetlink.NLMSG_HDRLEN) {
                int type = b.getShort(4) & 0xffff;
                // AUDIT_REPLACE is no record: the kernel asks a unicast daemon whether it is alive
                // (the payload is the pid that wants the slot); an open socket is the answer
                if (type >= RECORD_TYPE_MIN && type <= RECORD_TYPE_MAX && type != AuditType.REPLACE) {
                    int plen = Math.min(total - AuditNetlink.NLMSG_HDRLEN, record.length);
                    b.get(AuditNetlink.NLMSG_HDRLEN, record, 0, plen);
                    reassembler.add(type, record, 0, plen, System.nanoTime());
                    if (type == AuditType.CONFIG_CHANGE && contains(record, plen, REMOVE_RULE)
                            && contains(record, plen, ownKey)) {
                        ownRuleRemovals++; // the reader thread alone writes it
                    }
                }
            }
        }
        return done;
    }

    private void pollLost() {
        try {
            long lost = ctl.status().lost();
            long delta = (lost - lastLost) & 0xffff_ffffL;
            if (lost != lastLost) {
                lastLost = lost;
                kernelLost += delta;
                sink.onDrop("kernel", delta, "the kernel dropped audit records (audit_status.lost grew by " + delta
                        + "): backlog or rate limit reached; counts records of every audit rule, not only esf4j's");
            }
        } catch (AuditNetlink.NetlinkException e) {
            sink.onError("audit-status", e.errno);
        }
    }

    /** Receives reassembled events on the reader thread. */
    private final class Listener implements Reassembler.Listener {
        @Override
        public void onEvent(AuditEvent e) {
            if (e.indexOf(AuditType.CONFIG_CHANGE) >= 0) {
                countOwnRuleChange(e);
            }
            long now = System.nanoTime();
            boolean uring = false;
            for (int i = 0; i < e.recordCount(); i++) {
                if (e.recordType(i) == AuditType.URINGOP) {
                    uring = true;
                    if (raw.loadUring(e, i, now)) {
                        deliver();
                    }
                }
            }
            if (raw.loadSyscall(e, now)) {
                deliver();
            } else if (raw.partial()) {
                partial++;
                sink.onDrop("partial-event", 1, "an audit event arrived without its SYSCALL/URINGOP record"
                        + " (serial " + e.serial() + "): its first records were lost");
            } else if (!uring) {
                ignored++;
            }
        }

        private void countOwnRuleChange(AuditEvent e) {
            String key = e.first(AuditType.CONFIG_CHANGE).string("key");
            if (rules.owns(key)) {
                ownRuleChanges++;
            }
        }

        private void deliver() {
            if (raw.pid() == selfPid) {
                sink.onSelf();
                return;
            }
            delivered++;
            sink.onEvent(raw);
        }

        @Override
        public void onLost(long events, String reason) {
            sink.onDrop(reason, events, "audit serials never arrived: " + events + " events lost between the kernel"
                    + " and this socket");
        }

        @Override
        public void onMalformed(int type, byte[] buf, int off, int len) {
            if (malformedLogged < MALFORMED_LOGGED) {
                malformedLogged++;
                LOG.warn("audit record of type {} without an audit(time:serial) header, ignored{}: {}", type,
                        malformedLogged == MALFORMED_LOGGED ? " (further ones are only counted)" : "",
                        printable(buf, off, Math.min(len, 160)));
            }
            sink.onError("malformed-record", 0);
        }
    }

    /** Whether {@code b[0, n)} contains {@code part}. */
    private static boolean contains(byte[] b, int n, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= n; i++) {
            for (int j = 0; j < part.length; j++) {
                if (b[i + j] != part[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Waits until the reader has read the kernel's records of the deletion of {@code deleted}
     * rules: kauditd passed on every record queued before them.
     *
     * @return whether they came within {@value #CLOSE_MARKER_WAIT_MS} ms
     */
    private boolean awaitOwnRemovals(int deleted) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_MARKER_WAIT_MS);
        while (ownRuleRemovals < deleted) {
            if (System.nanoTime() - end >= 0 || !loop.thread().isAlive() || loop.isReaderThread()) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    /** The bytes as text for a log line: printable ASCII kept, others as {@code \\xNN}. */
    private static String printable(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    private static void unregister(AuditNetlink socket, int backlogWaitTime) {
        try {
            socket.set(AuditStatus.MASK_PID | AuditStatus.MASK_BACKLOG_WAIT_TIME, AuditStatus.of(0, 0, backlogWaitTime));
        } catch (AuditNetlink.NetlinkException e) {
            LOG.warn("could not unregister as the audit daemon: {}", e.getMessage());
        }
    }

    /**
     * Deletes the rules, waits until the records queued before reached the reader (see the class
     * comment), then stops the reader (it reads what is still in its socket), then unregisters
     * (unicast) and releases audit and the sockets.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int deleted = deleteOwned(ctl, rules);
            if (deleted > 0 && !awaitOwnRemovals(deleted)) {
                sink.onDrop("close", -1, "the kernel had not passed on the records queued before close() within "
                        + CLOSE_MARKER_WAIT_MS + " ms (kauditd held up, e.g. by a slow audit daemon, or the record of"
                        + " the rules' removal dropped or excluded): events of the last moments may be missing");
            }
        } catch (AuditNetlink.NetlinkException e) {
            LOG.warn("could not remove every audit rule under key {}*: {}; the next esf4j start removes them",
                    rules.owner(), e.getMessage());
        }
        boolean stopped = loop.stop(DRAIN_BUDGET_MS, JOIN_MS);
        if (!stopped) {
            LOG.warn("audit reader did not stop within {} ms; closing its socket anyway", JOIN_MS);
        }
        loop.close();
        if (unicast) {
            unregister(reader, before.backlogWaitTime());
        }
        AuditSwitch.release(ctl, rules.owner());
        if (stopped) {
            reader.close();
            ctl.close();
        }
        LOG.info("audit backend closed: {} events delivered, {} ignored, {} ENOBUFS, {} serial-gap events lost,"
                + " {} kernel records lost, {} incomplete, {} malformed", delivered, ignored, recvEnobufs,
                reassembler.lostBySerialGap(), kernelLost, reassembler.incomplete(), reassembler.malformed());
    }
}
