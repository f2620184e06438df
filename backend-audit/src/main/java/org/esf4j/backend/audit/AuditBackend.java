package org.esf4j.backend.audit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.backend.audit.record.AuditEvent;
import org.esf4j.backend.audit.record.AuditType;
import org.esf4j.backend.audit.record.Reassembler;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.nativeio.EpollEvent;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.Fanotify;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit backend for one client: rules installed under the client's key, a reader socket (the
 * multicast group by default, or the unicast daemon slot on request), and a reader thread that
 * reassembles records into events and hands them to the engine as NOTIFY events.
 *
 * <h2>Loss</h2>
 * Three signals, each reported to the engine as a drop notice:
 * <ul>
 *   <li>{@code socket}: {@code recv} returned {@code ENOBUFS}, the receive buffer overflowed and
 *       the kernel dropped copies for this socket. The count is unknown (-1); the serial gaps
 *       that follow count the events.</li>
 *   <li>{@code serial-gap}: serials that never arrived (see {@link Reassembler}), in events.</li>
 *   <li>{@code kernel}: growth of {@code audit_status.lost}, polled every
 *       {@value #DEFAULT_LOST_POLL_MS} ms by default, in records: the kernel dropped them before
 *       they got a serial (backlog limit, rate limit). The counter is global: it also counts
 *       records of other rules.</li>
 * </ul>
 * <ul>
 *   <li>{@code partial-event}: an event whose SYSCALL (or URINGOP) record was lost but whose
 *       later records arrived, so its serial is no gap; one per event.</li>
 * </ul>
 * Events that arrive without their end (EOE), after the reassembly timeout or because too many
 * are open, are still delivered when their SYSCALL or URINGOP record is there, and counted as
 * incomplete.
 */
final class AuditBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(AuditBackend.class);

    static final String OPT_MODE = "audit.mode";
    static final String OPT_RECEIVE_BUFFER = "audit.receive-buffer-bytes";
    static final String OPT_TIMEOUT_MS = "audit.reassembly-timeout-ms";
    static final String OPT_MAX_IN_FLIGHT = "audit.max-in-flight";
    static final String OPT_LOST_POLL_MS = "audit.lost-poll-ms";
    static final String OPT_FAILED_CALLS = "audit.failed-calls";
    private static final Set<String> OPTIONS = Set.of(OPT_MODE, OPT_RECEIVE_BUFFER, OPT_TIMEOUT_MS, OPT_MAX_IN_FLIGHT,
            OPT_LOST_POLL_MS, OPT_FAILED_CALLS);

    static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;
    static final int DEFAULT_TIMEOUT_MS = 2000;
    static final int DEFAULT_MAX_IN_FLIGHT = 4096;
    static final int DEFAULT_LOST_POLL_MS = 1000;

    private static final long STOP_TOKEN = 1;
    private static final long SOCKET_TOKEN = 2;
    private static final int RECORD_TYPE_MIN = 1100;
    private static final int RECORD_TYPE_MAX = 2999;
    /** How many malformed records are logged with their text; later ones are only counted. */
    private static final int MALFORMED_LOGGED = 3;

    private final NativeOps ops;
    private final EventSink sink;
    private final AuditNetlink ctl;
    private final AuditNetlink reader;
    private final AuditRules rules;
    private final boolean unicast;
    private final AuditStatus before;
    private final int epfd;
    private final int stopFd;
    private final NativeBuffer rx;
    private final NativeBuffer epollEvents;
    private final byte[] record = new byte[AuditNetlink.MAX_MESSAGE];
    private final Reassembler reassembler;
    private final AuditRawEvent raw;
    private final long lostPollNanos;
    private final long expireNanos;
    private final int selfPid;
    private long lastLost;
    private int malformedLogged;
    private volatile boolean running = true;
    private Thread thread;
    private boolean closed;

    // counters, read by tests and logs
    volatile long recvEnobufs;
    volatile long kernelLost;
    volatile long delivered;
    volatile long ignored;
    volatile long partial;

    private AuditBackend(NativeOps ops, EventSink sink, AuditNetlink ctl, AuditNetlink reader, AuditRules rules,
                         boolean unicast, AuditStatus before, int epfd, int stopFd, NativeBuffer rx,
                         NativeBuffer epollEvents, Settings s, Map<EventType, Mode> events) {
        this.ops = ops;
        this.sink = sink;
        this.ctl = ctl;
        this.reader = reader;
        this.rules = rules;
        this.unicast = unicast;
        this.before = before;
        this.epfd = epfd;
        this.stopFd = stopFd;
        this.rx = rx;
        this.epollEvents = epollEvents;
        this.selfPid = ops.getpid();
        this.raw = new AuditRawEvent(ops, events, !s.failedCalls);
        this.lostPollNanos = TimeUnit.MILLISECONDS.toNanos(s.lostPollMs);
        this.expireNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, Math.min(s.timeoutMs / 4, 250)));
        this.lastLost = before.lost();
        this.reassembler = new Reassembler(s.maxInFlight, TimeUnit.MILLISECONDS.toNanos(s.timeoutMs), new Listener());
    }

    /** Parsed options. */
    record Settings(boolean unicast, int receiveBuffer, int timeoutMs, int maxInFlight, int lostPollMs,
                    boolean failedCalls) {

        static Settings of(ClientConfig config) {
            Map<String, String> o = config.backendOptions();
            for (String k : o.keySet()) {
                if (k.startsWith("audit.") && !OPTIONS.contains(k)) {
                    throw new Esf4jException("unknown audit option '" + k + "' (known: " + String.join(", ",
                            new java.util.TreeSet<>(OPTIONS)) + ")");
                }
            }
            String mode = o.getOrDefault(OPT_MODE, "multicast").trim();
            if (!mode.equals("multicast") && !mode.equals("unicast")) {
                throw new Esf4jException(OPT_MODE + " must be 'multicast' or 'unicast', got '" + mode + "'");
            }
            String failed = o.getOrDefault(OPT_FAILED_CALLS, "false").trim();
            if (!failed.equals("true") && !failed.equals("false")) {
                throw new Esf4jException(OPT_FAILED_CALLS + " must be true or false, got '" + failed + "'");
            }
            return new Settings(mode.equals("unicast"),
                    number(o, OPT_RECEIVE_BUFFER, DEFAULT_RECEIVE_BUFFER, 64 * 1024, Integer.MAX_VALUE / 2),
                    number(o, OPT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 10, 600_000),
                    number(o, OPT_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT, 16, 1 << 20),
                    number(o, OPT_LOST_POLL_MS, DEFAULT_LOST_POLL_MS, 10, 3_600_000),
                    failed.equals("true"));
        }

        private static int number(Map<String, String> o, String key, int dflt, int min, int max) {
            String v = o.get(key);
            if (v == null) {
                return dflt;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n < min || n > max) {
                    throw new Esf4jException(key + " must be between " + min + " and " + max + ", got " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new Esf4jException(key + " must be a number, got '" + v + "'");
            }
        }
    }

    static AuditBackend open(BackendContext context) {
        Settings s = Settings.of(context.config());
        NativeOps ops = Natives.get();
        int pid = ops.getpid();
        AuditNetlink ctl = null;
        AuditNetlink reader = null;
        boolean switched = false;
        boolean registered = false;
        int epfd = -1;
        int stopFd = -1;
        NativeBuffer rx = null;
        NativeBuffer ev = null;
        AuditRules rules = null;
        AuditStatus before = null;
        try {
            ctl = AuditNetlink.open(ops, 0);
            before = AuditSwitch.acquire(ctl);
            switched = true;
            if (before.enabled() == AuditStatus.ENABLED_LOCKED) { // locked after the probe ran
                throw new Esf4jException("audit backend: audit is locked (enabled=2) and rules cannot be added until"
                        + " reboot (" + org.esf4j.api.ReasonCode.CONFIGURATION_LOCKED + ")");
            }
            if (s.unicast && before.pid() != 0 && before.pid() != pid && alive(ops, before.pid())) {
                throw new Esf4jException("audit backend: unicast mode refused, an audit daemon (pid " + before.pid()
                        + ") holds the unicast slot and esf4j never displaces it (" + org.esf4j.api.ReasonCode.IN_USE
                        + "); use the default multicast mode, which reads beside it");
            }
            removeLeftovers(ctl);
            rules = AuditRules.compile(pid, context.config(), context.events().keySet(), !s.failedCalls);
            AuditRules.logRules(rules);
            for (int i = 0; i < rules.rules().size(); i++) {
                byte[] r = rules.rules().get(i);
                try {
                    ctl.addRule(r);
                } catch (AuditNetlink.NetlinkException e) {
                    throw new Esf4jException("audit backend: the kernel refused the rule '" + rules.descriptions().get(i)
                            + "': " + e.getMessage(), e);
                }
            }
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
                    reader.set(AuditStatus.MASK_PID | AuditStatus.MASK_BACKLOG_WAIT_TIME,
                            AuditStatus.of(0, pid, 0));
                } catch (AuditNetlink.NetlinkException e) {
                    if (e.errno == Errno.EEXIST) {
                        throw new Esf4jException("audit backend: unicast mode refused, another audit daemon registered"
                                + " first (" + org.esf4j.api.ReasonCode.IN_USE + "): " + e.getMessage(), e);
                    }
                    throw e;
                }
                registered = true;
                LOG.info("audit backend registered as the unicast audit daemon (pid {}), backlog_wait_time 0 (was {})",
                        pid, before.backlogWaitTime());
            }
            epfd = check(ops.epollCreate1(Fanotify.EPOLL_CLOEXEC), "epoll_create1");
            stopFd = check(ops.eventfd(0, Fanotify.EFD_CLOEXEC | Fanotify.EFD_NONBLOCK), "eventfd");
            check(ops.epollCtl(epfd, Fanotify.EPOLL_CTL_ADD, stopFd, Fanotify.EPOLLIN, STOP_TOKEN), "epoll_ctl");
            check(ops.epollCtl(epfd, Fanotify.EPOLL_CTL_ADD, reader.fd(), Fanotify.EPOLLIN, SOCKET_TOKEN), "epoll_ctl");
            rx = ops.allocate(AuditNetlink.MAX_MESSAGE * 4);
            ev = ops.allocate(EpollEvent.SIZE * 4);
            LOG.info("audit backend: {} rules under key {}*, {} mode, receive buffer {} bytes", rules.rules().size(),
                    rules.owner(), s.unicast ? "unicast" : "multicast", granted);
            return new AuditBackend(ops, context.sink(), ctl, reader, rules, s.unicast, before, epfd, stopFd, rx, ev,
                    s, context.events());
        } catch (AuditNetlink.NetlinkException | RuntimeException e) {
            if (registered) {
                unregister(reader, before);
            }
            if (ctl != null) {
                if (rules != null) {
                    try {
                        deleteOwned(ctl, rules);
                    } catch (AuditNetlink.NetlinkException x) {
                        e.addSuppressed(x);
                    }
                }
                if (switched) {
                    AuditSwitch.release(ctl);
                }
                ctl.close();
            }
            if (reader != null) {
                reader.close();
            }
            if (epfd >= 0) {
                ops.close(epfd);
            }
            if (stopFd >= 0) {
                ops.close(stopFd);
            }
            if (rx != null) {
                rx.close();
            }
            if (ev != null) {
                ev.close();
            }
            if (e instanceof Esf4jException x) {
                throw x;
            }
            throw new Esf4jException("audit backend: " + e.getMessage(), e);
        }
    }

    private static int check(int rc, String what) throws AuditNetlink.NetlinkException {
        if (rc < 0) {
            throw new AuditNetlink.NetlinkException(what, -rc);
        }
        return rc;
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
     */
    private static void deleteOwned(AuditNetlink ctl, AuditRules rules) throws AuditNetlink.NetlinkException {
        for (byte[] r : ctl.listRules()) {
            if (rules.owns(AuditRule.key(r))) {
                ctl.deleteRule(r);
            }
        }
    }

    AuditRules rules() {
        return rules;
    }

    Reassembler reassembler() {
        return reassembler;
    }

    @Override
    public void start() {
        thread = new Thread(this::run, "esf4j-audit-reader");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean respond(long token, boolean allow, boolean cacheInKernel) {
        return false; // NOTIFY only: nothing waits for an answer
    }

    private void run() {
        long nextExpire = System.nanoTime() + expireNanos;
        long nextLostPoll = System.nanoTime() + lostPollNanos;
        int waitMs = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(expireNanos, lostPollNanos)));
        try {
            while (running) {
                int n = ops.epollWait(epfd, epollEvents.address(), 4, waitMs);
                if (n < 0 && n != -Errno.EINTR) {
                    sink.onError("epoll_wait", -n);
                    sleepQuietly();
                }
                drain();
                long now = System.nanoTime();
                if (now - nextExpire >= 0) {
                    reassembler.expire(now);
                    nextExpire = now + expireNanos;
                }
                if (now - nextLostPoll >= 0) {
                    pollLost();
                    nextLostPoll = now + lostPollNanos;
                }
            }
            drain();
            reassembler.flush();
            pollLost();
        } catch (Throwable t) {
            LOG.error("audit reader stopped by an unexpected error", t);
            sink.onError("reader", 0);
        }
    }

    /** Reads every datagram queued on the socket. */
    private void drain() {
        ByteBuffer b = rx.buffer();
        while (true) {
            long n = ops.recvfrom(reader.fd(), rx.address(), rx.size(), AuditNetlink.MSG_DONTWAIT, 0, 0);
            if (n == -Errno.EAGAIN) {
                return;
            }
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n == -Errno.ENOBUFS) {
                recvEnobufs++;
                sink.onDrop("socket", -1, "the audit socket's receive buffer overflowed (ENOBUFS): the kernel dropped"
                        + " records for it; serial-gap notices count the events");
                continue;
            }
            if (n < 0) {
                sink.onError("recv", (int) -n);
                return;
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
                }
            }
        }
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

    private static void sleepQuietly() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Receives reassembled events on the reader thread. */
    private final class Listener implements Reassembler.Listener {
        @Override
        public void onEvent(AuditEvent e) {
            if (!raw.load(e, System.nanoTime())) {
                if (raw.partial()) {
                    partial++;
                    sink.onDrop("partial-event", 1, "an audit event arrived without its SYSCALL/URINGOP record"
                            + " (serial " + e.serial() + "): its first records were lost");
                } else {
                    ignored++;
                }
                return;
            }
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

    private static void unregister(AuditNetlink socket, AuditStatus before) {
        try {
            socket.set(AuditStatus.MASK_PID | AuditStatus.MASK_BACKLOG_WAIT_TIME,
                    AuditStatus.of(0, 0, before.backlogWaitTime()));
        } catch (AuditNetlink.NetlinkException e) {
            LOG.warn("could not unregister as the audit daemon: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        try (NativeBuffer one = ops.allocate(8)) {
            one.buffer().putLong(0, 1);
            ops.write(stopFd, one.address(), 8);
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("audit reader did not stop within 10 s; closing its socket anyway");
            }
        }
        if (unicast) {
            unregister(reader, before);
        }
        try {
            deleteOwned(ctl, rules);
        } catch (AuditNetlink.NetlinkException e) {
            LOG.warn("could not remove every audit rule under key {}*: {}; the next esf4j start removes them",
                    rules.owner(), e.getMessage());
        }
        AuditSwitch.release(ctl);
        reader.close();
        ctl.close();
        ops.close(epfd);
        ops.close(stopFd);
        if (thread == null || !thread.isAlive()) {
            rx.close();
            epollEvents.close();
            raw.close();
        }
        LOG.info("audit backend closed: {} events delivered, {} ignored, {} ENOBUFS, {} serial-gap events lost,"
                + " {} kernel records lost, {} incomplete, {} malformed", delivered, ignored, recvEnobufs,
                reassembler.lostBySerialGap(), kernelLost, reassembler.incomplete(), reassembler.malformed());
    }
}
