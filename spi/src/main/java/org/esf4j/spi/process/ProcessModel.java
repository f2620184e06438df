package org.esf4j.spi.process;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.ReaderLoop;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.NetlinkSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process model for every backend (after Elastic quark's process cache and Tetragon's exec
 * ids): the identity of each process that survives pid reuse (boot id, pid, start time), its
 * parent's identity, and what it runs and with which credentials, with a short history. Seeded
 * from {@code /proc} when it starts, kept current from the kernel's proc connector (fork, exec,
 * exit, uid, gid and comm changes, delivered synchronously by the kernel), and bounded: exited
 * processes are kept for a grace period ({@value #GRACE_PROP_NAME}, default
 * {@value #GRACE_DEFAULT_MS} ms) and at most {@value #RETIRED_LIMIT} of them.
 *
 * <p>Backends ask it for the acting process of each event in the way their source allows:
 * <ul>
 *   <li>{@link #waiting}: the process waits in the kernel for a verdict, so what {@code /proc}
 *       shows now is exact;</li>
 *   <li>{@link #during} and {@link #callerOfExec}: a notification read after the fact, known to
 *       have happened within a time window; the fields that can change (executable, comm,
 *       arguments, credentials, parent) are given only when the model saw no change of them in
 *       the window, and are unknown otherwise;</li>
 *   <li>{@link #reported}: the kernel reported the fields at the hook (BPF LSM, audit); the
 *       model adds identity, parent identity and arguments.</li>
 * </ul>
 * Losses of the connector ({@code ENOBUFS}) are reported to every client as drops; the model then
 * rereads {@code /proc} and treats every window that began before as unsure.
 *
 * <p>One instance per JVM, shared by all clients ({@link #acquire}, {@link #release()}).
 * Thread-safe. Not API for applications; for backend implementations.
 *
 * @since 0.1
 */
public final class ProcessModel {

    /** System property: how long exited processes stay resolvable, in milliseconds. */
    public static final String GRACE_PROP_NAME = "esf4j.process.grace.ms";
    /** Default of {@value #GRACE_PROP_NAME}. */
    public static final long GRACE_DEFAULT_MS = 30_000;
    /** How many exited processes are kept at most. */
    public static final int RETIRED_LIMIT = 16_384;

    private static final Logger LOG = LoggerFactory.getLogger(ProcessModel.class);
    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_MONOTONIC = 1;
    private static final long TIMER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static ProcessModel shared;
    private static int users;

    private final NativeOps ops;
    private final ProcessTable table;
    private final String bootId;
    private final String cgroupRoot;
    private final Object lock = new Object();
    private final ProcFiles proc;
    private final List<Consumer<String>> lossListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong forks = new AtomicLong();
    private final AtomicLong execs = new AtomicLong();
    private final AtomicLong exits = new AtomicLong();
    private final AtomicLong losses = new AtomicLong();
    private ProcConnector connector;
    private ReaderLoop reader;
    private String unavailable = "";

    private ProcessModel(NativeOps ops) {
        this.ops = ops;
        this.proc = new ProcFiles(ops);
        long grace = Long.getLong(GRACE_PROP_NAME, GRACE_DEFAULT_MS);
        this.table = new ProcessTable(RETIRED_LIMIT, TimeUnit.MILLISECONDS.toNanos(Math.max(1, grace)));
        String b = proc.readText("/proc/sys/kernel/random/boot_id");
        this.bootId = b == null ? "" : b.trim();
        this.cgroupRoot = cgroupRoot(proc);
    }

    /**
     * The shared model, started by the first caller.
     *
     * @param ops the native layer
     * @return the model; {@link #release()} it when done
     */
    public static synchronized ProcessModel acquire(NativeOps ops) {
        if (shared == null) {
            ProcessModel m = new ProcessModel(ops);
            m.start();
            shared = m;
        }
        users++;
        return shared;
    }

    /** Gives back a model from {@link #acquire}; the last release stops it. */
    public void release() {
        synchronized (ProcessModel.class) {
            if (shared != this || --users > 0) {
                return;
            }
            shared = null;
        }
        stop();
    }

    private void start() {
        try {
            connector = ProcConnector.open(ops);
        } catch (NetlinkSocket.NativeException | RuntimeException e) {
            unavailable = "the proc connector is unavailable (" + e.getMessage() + "; it needs the initial user, pid and"
                    + " network namespaces, and CAP_NET_ADMIN before Linux 6.6)";
            LOG.warn("esf4j process model: {}: notifications read after the fact get fewer process fields", unavailable);
        }
        synchronized (lock) {
            seed();
        }
        if (connector != null) {
            reader = new ReaderLoop("esf4j-process-model", ClientConfig.ReaderMode.BLOCKING, ops, new Agent(),
                    connector.fd());
            reader.start();
            sync();
            if (connector.ackError() != 0) {
                unavailable = "the kernel refused the proc connector subscription (errno " + connector.ackError() + ")";
                LOG.warn("esf4j process model: {}", unavailable);
            }
        }
        LOG.debug("esf4j process model: {} processes seeded, boot id {}, cgroup2 at {}", table.liveCount(), bootId,
                cgroupRoot);
    }

    private void stop() {
        if (reader != null) {
            reader.stop(0, 5_000);
            reader.close();
        }
        synchronized (lock) {
            if (connector != null) {
                connector.close();
            }
            proc.close();
        }
    }

    /** The connector's reader. */
    private final class Agent implements ReaderLoop.Agent {
        @Override
        public int doWork() {
            synchronized (lock) {
                return connector.drain(listener);
            }
        }

        @Override
        public long timerPeriodNanos() {
            return TIMER_NANOS;
        }

        @Override
        public void onTimer(long now) {
            synchronized (lock) {
                table.expire(now, e -> proc.stat(e.pid) && proc.startTicks() == e.startTicks && proc.state() != 'Z');
            }
        }

        @Override
        public void onError(Throwable t) {
            LOG.warn("esf4j process model: the connector reader failed; going on", t);
        }
    }

    /** Applies connector events to the table; runs under {@link #lock}. */
    private final ProcConnector.Listener listener = new ProcConnector.Listener() {
        @Override
        public void fork(long nanos, int parentTgid, int childPid, int childTgid) {
            if (childPid != childTgid) {
                return; // a thread
            }
            forks.incrementAndGet();
            ProcessTable.Entry parent = table.live(parentTgid);
            long start = proc.stat(childTgid) ? proc.startTicks() : ProcFiles.UNKNOWN;
            ProcessTable.Image image = parent != null ? parent.newest().forked(nanos) : read(childTgid, nanos, false);
            ProcessTable.Entry e = new ProcessTable.Entry(childTgid, start, nanos, parentTgid,
                    parent != null ? parent.startTicks : ProcFiles.UNKNOWN, image);
            e.cgroupId = parent != null ? parent.cgroupId : -1;
            table.put(e);
        }

        @Override
        public void exec(long nanos, int pid, int tgid) {
            execs.incrementAndGet();
            ProcessTable.Entry e = table.live(tgid);
            if (e == null) {
                e = entryFromProc(tgid, nanos);
                if (e == null) {
                    return;
                }
                table.put(e);
            }
            e.exitNanos = 0; // an exec from a thread reported the old leader's exit first
            e.changedAt(nanos, ProcessTable.ALL);
            e.add(read(tgid, nanos, true));
        }

        @Override
        public void credentials(long nanos, int pid, int tgid, boolean uid, int real, int effective) {
            ProcessTable.Entry e = table.live(tgid);
            if (e != null) {
                e.changedAt(nanos, uid ? ProcessTable.UIDS : ProcessTable.GIDS);
                ProcessTable.Image n = e.newest();
                e.add(uid ? n.withUids(nanos, real, effective) : n.withGids(nanos, real, effective));
            }
        }

        @Override
        public void comm(long nanos, int pid, int tgid, byte[] comm, int length) {
            ProcessTable.Entry e = table.live(tgid);
            if (e != null && pid == tgid) {
                e.changedAt(nanos, ProcessTable.COMM);
                e.add(e.newest().withComm(nanos, ProcConnector.comm(comm, length)));
            }
        }

        @Override
        public void exit(long nanos, int pid, int tgid, int exitCode, int parentTgid) {
            if (pid != tgid) {
                return;
            }
            exits.incrementAndGet();
            ProcessTable.Entry e = table.live(tgid);
            if (e != null) {
                e.exitNanos = nanos;
            }
        }

        @Override
        public void lost() {
            losses.incrementAndGet();
            long now = System.nanoTime();
            resync(now);
            table.unsureUntil(System.nanoTime());
            for (Consumer<String> l : lossListeners) {
                l.accept("the kernel dropped process connector events (ENOBUFS); the process model reread /proc,"
                        + " and events that happened before that get no fields that may have changed");
            }
        }
    };

    // ------------------------------------------------------------------ seeding and /proc

    private void seed() {
        String[] names = new File("/proc").list();
        if (names == null) {
            return;
        }
        long now = System.nanoTime();
        for (String n : names) {
            int pid = pidOf(n);
            if (pid > 0) {
                ProcessTable.Entry e = entryFromProc(pid, ProcessTable.BEFORE);
                if (e != null) {
                    table.putIfAbsent(e);
                }
            }
        }
        for (ProcessTable.Entry e : table.liveEntries()) {
            ProcessTable.Entry p = table.live(e.ppid);
            if (p != null && e.parentStartTicks < 0) {
                e.parentStartTicks = p.startTicks;
            }
        }
        LOG.trace("seeded in {} us", (System.nanoTime() - now) / 1000);
    }

    private void resync(long now) {
        String[] names = new File("/proc").list();
        if (names == null) {
            return;
        }
        for (String n : names) {
            int pid = pidOf(n);
            if (pid <= 0) {
                continue;
            }
            ProcessTable.Entry e = table.live(pid);
            if (e != null && proc.stat(pid) && proc.startTicks() == e.startTicks) {
                e.add(read(pid, now, false));
            } else {
                ProcessTable.Entry fresh = entryFromProc(pid, now);
                if (fresh != null) {
                    table.put(fresh);
                }
            }
        }
    }

    private static int pidOf(String name) {
        int v = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9' || i > 9) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return name.isEmpty() ? -1 : v;
    }

    /** A new entry from /proc, first image since {@code since}; null when the process is gone. */
    private ProcessTable.Entry entryFromProc(int pid, long since) {
        if (!proc.stat(pid)) {
            return null;
        }
        long start = proc.startTicks();
        int ppid = proc.ppid();
        ProcessTable.Image image = read(pid, since, false);
        ProcessTable.Entry parent = table.live(ppid);
        ProcessTable.Entry e = new ProcessTable.Entry(pid, start, ProcessTable.BEFORE, ppid,
                parent != null ? parent.startTicks : ProcFiles.UNKNOWN, image);
        e.cgroupId = cgroupId(pid);
        return e;
    }

    /** What /proc shows for the process now. */
    private ProcessTable.Image read(int pid, long since, boolean exec) {
        String exe = exe(pid);
        String comm = proc.stat(pid) ? proc.commString() : "";
        // the ids from a pidfd (one ioctl, 6.13+) rather than /proc/PID/status (text the kernel
        // formats for every read)
        int pidfd = ops.pidfdOpen(pid, 0);
        boolean st = pidfd >= 0 && proc.pidfdInfo(pidfd);
        if (pidfd >= 0) {
            ops.close(pidfd);
        }
        st = st || proc.status(pid);
        List<String> argv = proc.cmdline(pid);
        // taken after every read: a kernel event stamped before this may show in what was read
        long readNanos = System.nanoTime();
        return new ProcessTable.Image(since, exec, exe, comm, argv, st ? proc.uid() : -1, st ? proc.euid() : -1,
                st ? proc.gid() : -1, st ? proc.egid() : -1, readNanos);
    }

    private String exe(int pid) {
        return proc.exeString(pid);
    }

    private long cgroupId(int pid) {
        return cgroupId(proc, pid);
    }

    private long cgroupId(ProcFiles p, int pid) {
        if (cgroupRoot == null) {
            return ProcessInfo.UNKNOWN;
        }
        String rel = p.cgroupPath(pid);
        if (rel == null) {
            return ProcessInfo.UNKNOWN;
        }
        byte[] b = (cgroupRoot + (rel.equals("/") ? "" : rel)).getBytes(StandardCharsets.UTF_8);
        return p.stat(b, b.length) == 0 ? p.statInode() : ProcessInfo.UNKNOWN;
    }

    /** Where the cgroup v2 hierarchy is mounted ({@code /sys/fs/cgroup} or {@code .../unified}). */
    private static String cgroupRoot(ProcFiles p) {
        String info = p.readText("/proc/self/mountinfo");
        if (info == null) {
            return null;
        }
        for (String line : info.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] after = line.substring(dash + 3).split(" ");
            String[] before = line.substring(0, dash).split(" ");
            if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4) {
                return before[4];
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ for backends

    /**
     * Whether the model is kept current by the proc connector; without it, notifications read
     * after the fact get no fields that may change.
     *
     * @return "" when it is, else why not
     */
    public String unavailabilityCause() {
        return unavailable;
    }

    /** @return the kernel's boot id */
    public String bootId() {
        return bootId;
    }

    /**
     * Reads the connector events the kernel has queued, so that every fork, exec and credential
     * change that completed before this call is in the model. Any thread.
     */
    public void sync() {
        if (connector == null) {
            return;
        }
        synchronized (lock) {
            connector.drain(listener);
        }
    }

    /**
     * Registers a listener for the model's losses (each client turns them into drop notices).
     *
     * @param l called with a description, on the model's thread
     * @return a handle that unregisters it
     */
    public Runnable onLoss(Consumer<String> l) {
        lossListeners.add(l);
        return () -> lossListeners.remove(l);
    }

    /**
     * The acting process of an event it waits on in the kernel: everything read now is exact.
     *
     * @param pid the process
     * @param tid the thread, or -1
     * @param p the caller's /proc reader
     * @return the process; fields it could not read are unknown
     */
    public ProcessInfo waiting(int pid, int tid, ProcFiles p) {
        return waiting(pid, tid, p, -1);
    }

    /**
     * {@link #waiting(int, int, ProcFiles)} with a pidfd of the process (fanotify gives one): its
     * ids and cgroup then come from one {@code PIDFD_GET_INFO} call where the kernel has it
     * (6.13+) instead of two /proc files.
     *
     * @param pid the process
     * @param tid the thread, or -1
     * @param p the caller's /proc reader
     * @param pidfd a pidfd of the process, or -1
     * @return the process; fields it could not read are unknown
     */
    public ProcessInfo waiting(int pid, int tid, ProcFiles p, int pidfd) {
        String exe = p.exeString(pid);
        boolean st = p.stat(pid);
        long start = st ? p.startTicks() : ProcessInfo.UNKNOWN;
        String comm = st ? p.commString() : "";
        boolean info = p.pidfdInfo(pidfd);
        int ppid = st || info ? p.ppid() : ProcessInfo.UNKNOWN;
        long cgroup = info && p.pidfdCgroupId() != ProcFiles.UNKNOWN ? p.pidfdCgroupId() : Long.MIN_VALUE;
        boolean status = info || p.status(pid);
        ProcessTable.Entry e = start >= 0 ? table.find(pid, start) : null;
        List<String> argv = null;
        if (e != null) {
            ProcessTable.Image im = e.newest();
            if (im.argv() != null && im.exe().equals(exe)) {
                argv = im.argv();
            }
        }
        if (argv == null) {
            argv = p.cmdline(pid);
        }
        return new ProcessSnapshot(this, pid, tid, ppid, status ? p.uid() : -1, status ? p.euid() : -1,
                status ? p.gid() : -1, status ? p.egid() : -1, exe, comm, start, parentStart(ppid),
                cgroup != Long.MIN_VALUE ? cgroup : cgroupId(p, pid), argv);
    }

    private long parentStart(int ppid) {
        ProcessTable.Entry pe = ppid > 0 ? table.live(ppid) : null;
        return pe != null && pe.exitNanos == 0 ? pe.startTicks : ProcessInfo.UNKNOWN;
    }

    /**
     * The acting process of a notification that happened within {@code [lo, hi]} and was read
     * after the fact.
     *
     * @param pid the process
     * @param tid the thread, or -1
     * @param lo the earliest time it can have happened ({@link System#nanoTime()})
     * @param hi the latest (usually when it was read)
     * @return the process; fields that may have changed in the window are unknown
     */
    public ProcessInfo during(int pid, int tid, long lo, long hi) {
        sync();
        ProcessTable.Entry e = table.during(pid, lo, hi);
        if (e == null) {
            return identityOnly(pid, tid, ProcessInfo.UNKNOWN);
        }
        ProcessTable.Image im = table.unsure(lo) ? null : e.during(lo, hi);
        return snapshot(e, im, tid, lo, hi);
    }

    /**
     * The process that called an exec which began within {@code [lo, hi]}, as it was before the
     * exec: a notification of an exec read after the fact. Execs of one process never overlap, so
     * the executed file tells whether the last exec the model saw in the window is this one or an
     * earlier one; what cannot be told is unknown.
     *
     * @param pid the process
     * @param tid the thread, or -1
     * @param lo the earliest time the exec can have begun
     * @param hi the latest
     * @param target the executed file's path
     * @param interpreter the binary that runs it, when it is a script (else "")
     * @return the process; fields that cannot be told apart are unknown
     */
    public ProcessInfo callerOfExec(int pid, int tid, long lo, long hi, String target, String interpreter) {
        sync();
        ProcessTable.Entry e = table.during(pid, lo, hi);
        if (e == null) {
            return identityOnly(pid, tid, ProcessInfo.UNKNOWN);
        }
        ProcessTable.Image im = table.unsure(lo) ? null : e.callerOfExec(lo, hi, target, interpreter, false);
        return snapshot(e, im, tid, lo, hi);
    }

    /**
     * The process that called an exec which completed within {@code [lo, hi]} (a source that
     * reports execs after they completed, such as audit's SYSCALL record, which shows the process
     * after the exec), with the fields an exec does not change as the source reported them (pid,
     * ppid, real uid and gid): those are kept even when the model cannot tell the caller's image.
     *
     * @param pid the process
     * @param tid the thread, or -1
     * @param lo the earliest time the exec can have completed
     * @param hi the latest
     * @param target the executed file's path
     * @param interpreter the binary that runs it, when it is a script (else "")
     * @param ppid the parent pid the source reported
     * @param uid the real uid the source reported
     * @param gid the real gid the source reported
     * @return the process
     */
    public ProcessInfo callerOfCompletedExec(int pid, int tid, long lo, long hi, String target, String interpreter,
                                             int ppid, int uid, int gid) {
        sync();
        ProcessTable.Entry e = table.during(pid, lo, hi);
        ProcessTable.Image im = e == null || table.unsure(lo) ? null
                : e.callerOfExec(lo, hi, target, interpreter, true);
        long start = e == null ? ProcessInfo.UNKNOWN : e.startTicks;
        long pstart = e != null && e.ppid == ppid ? e.parentStartTicks : ProcessInfo.UNKNOWN;
        if (im == null) {
            return new ProcessSnapshot(this, pid, tid, ppid, uid, -1, gid, -1, "", "", start, pstart,
                    ProcessInfo.UNKNOWN, null);
        }
        return new ProcessSnapshot(this, pid, tid, ppid, uid, im.euid(), gid, im.egid(), im.exe(), im.comm(), start,
                pstart, ProcessInfo.UNKNOWN, im.argv());
    }

    /**
     * {@link #callerOfCompletedExec} without the executed file: the last exec the model saw in the
     * window is taken to be this one.
     *
     * @param pid the process
     * @param tid the thread, or -1
     * @param lo the earliest time the exec can have completed
     * @param hi the latest
     * @param ppid the parent pid the source reported
     * @param uid the real uid the source reported
     * @param gid the real gid the source reported
     * @return the process
     */
    public ProcessInfo callerOfExec(int pid, int tid, long lo, long hi, int ppid, int uid, int gid) {
        return callerOfCompletedExec(pid, tid, lo, hi, "", "", ppid, uid, gid);
    }

    /**
     * Converts a {@code CLOCK_REALTIME} time (audit stamps records with it) to the
     * {@link System#nanoTime()} clock, with the offset between the two clocks now.
     *
     * @param realtimeNanos nanoseconds since the epoch
     * @return the same instant on the monotonic clock
     */
    public long monotonicFromRealtime(long realtimeNanos) {
        long mono1 = ops.clockGettimeNanos(CLOCK_MONOTONIC);
        long real = ops.clockGettimeNanos(CLOCK_REALTIME);
        long mono2 = ops.clockGettimeNanos(CLOCK_MONOTONIC);
        return realtimeNanos - real + (mono1 + (mono2 - mono1) / 2);
    }

    private ProcessInfo snapshot(ProcessTable.Entry e, ProcessTable.Image im, int tid, long lo, long hi) {
        int ppid = parentDuring(e, lo, hi);
        long parentStart = ppid == e.ppid ? e.parentStartTicks : ProcessInfo.UNKNOWN;
        if (im == null) {
            return new ProcessSnapshot(this, e.pid, tid, ppid, -1, -1, -1, -1, "", "", e.startTicks, parentStart,
                    ProcessInfo.UNKNOWN, null);
        }
        return new ProcessSnapshot(this, e.pid, tid, ppid, im.uid(), im.euid(), im.gid(), im.egid(), im.exe(), im.comm(),
                e.startTicks, parentStart, ProcessInfo.UNKNOWN, im.argv());
    }

    /** The parent during the window: the one it was forked by, unless that one exited before the window's end. */
    private int parentDuring(ProcessTable.Entry e, long lo, long hi) {
        ProcessTable.Entry p = e.parentStartTicks >= 0 ? table.find(e.ppid, e.parentStartTicks) : null;
        if (p == null) {
            return e.ppid <= 1 ? e.ppid : ProcessInfo.UNKNOWN; // init and the kernel never exit
        }
        long exit = p.exitNanos;
        return exit == 0 || exit - hi > 0 ? e.ppid : ProcessInfo.UNKNOWN;
    }

    private ProcessInfo identityOnly(int pid, int tid, long start) {
        return new ProcessSnapshot(this, pid, tid, ProcessInfo.UNKNOWN, -1, -1, -1, -1, "", "", start,
                ProcessInfo.UNKNOWN, ProcessInfo.UNKNOWN, null);
    }

    /**
     * The acting process of an event whose fields the kernel reported at the hook; the model adds
     * what the source does not give: the arguments, and the identities where the source lacks them.
     *
     * @param pid pid
     * @param tid tid or -1
     * @param startTicks start time in ticks since boot, or -1 to look it up
     * @param ppid parent pid
     * @param parentStartTicks the parent's start time, or -1 to look it up
     * @param uid real uid
     * @param euid effective uid
     * @param gid real gid
     * @param egid effective gid
     * @param exe executable path
     * @param comm command name
     * @param cgroupId cgroup id, or -1
     * @param lo the earliest time of the event ({@link System#nanoTime()} clock)
     * @param hi the latest
     * @return the process
     */
    public ProcessInfo reported(int pid, int tid, long startTicks, int ppid, long parentStartTicks, int uid, int euid,
                                int gid, int egid, String exe, String comm, long cgroupId, long lo, long hi) {
        ProcessTable.Entry e = startTicks >= 0 ? table.find(pid, startTicks) : null;
        if (e == null && startTicks < 0) {
            sync();
            e = table.during(pid, lo, hi);
        }
        long start = startTicks >= 0 ? startTicks : e != null ? e.startTicks : ProcessInfo.UNKNOWN;
        long pstart = parentStartTicks;
        if (pstart < 0 && e != null && e.ppid == ppid) {
            pstart = e.parentStartTicks;
        }
        List<String> argv = null;
        if (e != null && !table.unsure(lo)) {
            ProcessTable.Image im = e.during(lo, hi);
            argv = im == null ? null : im.argv();
        }
        return new ProcessSnapshot(this, pid, tid, ppid, uid, euid, gid, egid, exe, comm, start, pstart, cgroupId,
                argv);
    }

    /**
     * A process the model knows by identity, as it is now (or was when it exited).
     *
     * @param pid pid
     * @param startTicks start time
     * @return the process, or null when the model does not know it
     */
    public ProcessInfo known(int pid, long startTicks) {
        ProcessTable.Entry e = table.find(pid, startTicks);
        if (e == null) {
            return null;
        }
        ProcessTable.Image im = e.newest();
        return new ProcessSnapshot(this, pid, ProcessInfo.UNKNOWN, e.ppid, im.uid(), im.euid(), im.gid(), im.egid(),
                im.exe(), im.comm(), e.startTicks, e.parentStartTicks, e.cgroupId, im.argv());
    }

    /**
     * Counters.
     *
     * @return live and retired processes, forks, execs, exits and losses seen
     */
    public String describe() {
        return "live=" + table.liveCount() + " retired=" + table.retiredCount() + " evicted=" + table.evicted()
                + " forks=" + forks + " execs=" + execs + " exits=" + exits + " losses=" + losses;
    }

    /**
     * The model's counters.
     *
     * @param live processes alive (or whose exit is within the grace period)
     * @param retired exited processes kept for late events
     * @param evicted exited processes dropped to bound memory
     * @param forks process forks seen (threads not counted)
     * @param execs execs seen
     * @param exits process exits seen
     * @param losses times the kernel dropped connector events
     */
    public record Counters(long live, long retired, long evicted, long forks, long execs, long exits, long losses) {
    }

    /** @return the counters now */
    public Counters counters() {
        return new Counters(table.liveCount(), table.retiredCount(), table.evicted(), forks.get(), execs.get(),
                exits.get(), losses.get());
    }

    /** @return how many processes the model holds (alive and exited) */
    public long size() {
        return table.liveCount() + table.retiredCount();
    }

    /** @return connector losses so far */
    public long losses() {
        return losses.get();
    }
}
