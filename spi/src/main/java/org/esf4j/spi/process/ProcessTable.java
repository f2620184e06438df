package org.esf4j.spi.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processes the model knows, keyed by pid: for each, its identity (start time), its parent's
 * identity, and a short history of its images (executable, comm, arguments, credentials), each
 * with the time it began, so that a notification read after the fact can be matched with the
 * image that was current when it happened, or found ambiguous. Exited processes are kept for a
 * grace period.
 *
 * <p>Written by the proc connector's thread (and by whoever adds an entry it did not know);
 * read by every backend's reader. Entries are safe to read from any thread; images are
 * immutable.
 */
final class ProcessTable {

    /** {@link Image#since()} of an image that was current before the model started. */
    static final long BEFORE = Long.MIN_VALUE;
    /** How many images an entry keeps. */
    static final int HISTORY = 8;
    /** {@link Image#readNanos()} of an image made from kernel events alone, not read from /proc. */
    static final long NOT_READ = Long.MIN_VALUE;
    /** {@link Entry#changedAt} fields: the executable. */
    static final int EXE = 1;
    /** The command name. */
    static final int COMM = 2;
    /** The arguments. */
    static final int ARGV = 4;
    /** Real and effective uid. */
    static final int UIDS = 8;
    /** Real and effective gid. */
    static final int GIDS = 16;
    /** Everything an exec may change. */
    static final int ALL = EXE | COMM | ARGV | UIDS | GIDS;

    /**
     * What a process was running and with which credentials from a point in time on.
     *
     * @param since {@link System#nanoTime()} (CLOCK_MONOTONIC) when it began, or {@link #BEFORE}
     * @param exec whether it began with an exec (otherwise with a fork, a credential or comm change)
     * @param exe executable path ("" when unknown)
     * @param comm command name ("" when unknown)
     * @param argv arguments (null when unknown)
     * @param uid real uid (-1 unknown)
     * @param euid effective uid
     * @param gid real gid
     * @param egid effective gid
     * @param readNanos when its fields were read from {@code /proc} (the read's end), or
     *        {@link #NOT_READ}; an image derived from another by a kernel event keeps the time of
     *        the read its other fields come from
     */
    record Image(long since, boolean exec, String exe, String comm, List<String> argv, int uid, int euid, int gid,
                 int egid, long readNanos) {

        /** An image made from kernel events alone. */
        Image(long since, boolean exec, String exe, String comm, List<String> argv, int uid, int euid, int gid,
              int egid) {
            this(since, exec, exe, comm, argv, uid, euid, gid, egid, NOT_READ);
        }

        /**
         * The image a child starts with at a fork: the parent's, as made from the fork event (a
         * late read of the parent's {@code /proc} says nothing of the child's later events).
         */
        Image forked(long when) {
            return new Image(when, false, exe, comm, argv, uid, euid, gid, egid, NOT_READ);
        }

        Image withUids(long when, int real, int effective) {
            return new Image(when, false, exe, comm, argv, real, effective, gid, egid, readNanos);
        }

        Image withGids(long when, int real, int effective) {
            return new Image(when, false, exe, comm, argv, uid, euid, real, effective, readNanos);
        }

        Image withComm(long when, String c) {
            return new Image(when, false, exe, c, argv, uid, euid, gid, egid, readNanos);
        }

        /**
         * This image with {@code fields} unknown when it was read from {@code /proc} at or after
         * {@code nanos}: a read that late may have seen what a kernel event at {@code nanos}
         * changed, which belongs to the next image, not this one.
         */
        Image readBefore(long nanos, int fields) {
            if (readNanos == NOT_READ || readNanos - nanos < 0) {
                return this;
            }
            return new Image(since, exec, (fields & EXE) != 0 ? "" : exe, (fields & COMM) != 0 ? "" : comm,
                    (fields & ARGV) != 0 ? null : argv, (fields & UIDS) != 0 ? -1 : uid,
                    (fields & UIDS) != 0 ? -1 : euid, (fields & GIDS) != 0 ? -1 : gid,
                    (fields & GIDS) != 0 ? -1 : egid, readNanos);
        }

        /** The fields two images agree on; the others unknown (null when {@code o} is null). */
        Image common(Image o) {
            if (o == null) {
                return null;
            }
            return new Image(since, exec, exe.equals(o.exe) ? exe : "", comm.equals(o.comm) ? comm : "",
                    java.util.Objects.equals(argv, o.argv) ? argv : null, uid == o.uid ? uid : -1,
                    euid == o.euid ? euid : -1, gid == o.gid ? gid : -1, egid == o.egid ? egid : -1, readNanos);
        }
    }

    /** One process (a thread group), alive or exited. */
    static final class Entry {
        final int pid;
        final long startTicks;
        final long forkNanos;
        volatile int ppid;
        volatile long parentStartTicks;
        /** When its leader exited (0 while alive); the process may live on in other threads. */
        volatile long exitNanos;
        volatile long cgroupId = -1;
        private final Image[] images = new Image[HISTORY];
        private int count;

        Entry(int pid, long startTicks, long forkNanos, int ppid, long parentStartTicks, Image first) {
            this.pid = pid;
            this.startTicks = startTicks;
            this.forkNanos = forkNanos;
            this.ppid = ppid;
            this.parentStartTicks = parentStartTicks;
            images[0] = first;
            count = 1;
        }

        synchronized void add(Image i) {
            if (count == HISTORY) {
                System.arraycopy(images, 1, images, 0, HISTORY - 1);
                images[HISTORY - 1] = i;
            } else {
                images[count++] = i;
            }
        }

        synchronized Image newest() {
            return images[count - 1];
        }

        /**
         * A kernel event at {@code nanos} (an exec, a comm or credential change) changed
         * {@code fields}: every image read from {@code /proc} at or after that time may show the
         * change already (the model reads {@code /proc} after the event that made the image, and
         * the process may have moved on by then), so those fields become unknown in it. Call
         * before adding the image the event makes.
         */
        synchronized void changedAt(long nanos, int fields) {
            for (int i = 0; i < count; i++) {
                images[i] = images[i].readBefore(nanos, fields);
            }
        }

        /**
         * The image that was current during the whole window {@code [lo, hi]}.
         *
         * @return it, or null when the image changed within the window or the history does not
         *         reach back to {@code lo}
         */
        synchronized Image during(long lo, long hi) {
            lo = clamp(lo);
            for (int i = count - 1; i >= 0; i--) {
                Image im = images[i];
                if (im.since() != BEFORE && im.since() - hi > 0) {
                    continue; // began after the window
                }
                if (im.since() != BEFORE && im.since() - lo > 0) {
                    return null; // began inside the window: the window saw two images
                }
                return im;
            }
            return null; // every image began after the window (or the one before it was dropped)
        }

        /** A process cannot act before it was forked: the window starts at the fork at the earliest. */
        private long clamp(long lo) {
            return forkNanos != BEFORE && forkNanos - lo > 0 ? forkNanos : lo;
        }

        /**
         * The image that called an exec of {@code target} which began within {@code [lo, hi]}.
         * Execs of one process never overlap, so: when no exec completed in the window, the caller
         * is the image current during it; when the last exec completed in the window ran another
         * program, the exec began after it, and the caller is the image since; when it ran
         * {@code target} (its path, or the interpreter a script names), it is this exec's own
         * completion when {@code completed} says the exec is known to have completed (a source that
         * reports execs after the fact), and otherwise either that or an exec of the same program
         * right after it: then only what the two candidates agree on is known (so too when the
         * last exec's executable is unknown).
         *
         * @param target the executed file's path ("" when unknown: then a completed exec is taken to
         *               be the last one in the window)
         * @param interpreter the binary that runs it when it is a script ("" otherwise)
         * @param completed whether the exec is known to have completed by {@code hi}
         * @return the caller, or null when the history cannot tell; fields that cannot be told are
         *         unknown
         */
        synchronized Image callerOfExec(long lo, long hi, String target, String interpreter, boolean completed) {
            lo = clamp(lo);
            int last = -1;
            int execs = 0;
            for (int i = 0; i < count; i++) {
                Image im = images[i];
                if (im.exec() && im.since() != BEFORE && im.since() - lo > 0 && im.since() - hi <= 0) {
                    last = i;
                    execs++;
                }
            }
            if (last < 0) {
                return during(lo, hi);
            }
            Image l = images[last];
            // an exec known to have completed in the window, the only one there, is this one
            boolean only = completed && execs == 1;
            // otherwise an exec image whose executable could not be read (the process had exited
            // when the model read /proc) cannot say which exec it was
            boolean unsure = !only && !target.isEmpty() && l.exe().isEmpty();
            boolean same = only || (target.isEmpty() ? completed : l.exe().equals(target)
                    || (!interpreter.isEmpty() && l.exe().equals(interpreter)));
            Image after = during(l.since(), hi);
            if (!same && !unsure) {
                return after;
            }
            Image before = last > 0 ? images[last - 1] : null;
            if (before == null) {
                return null;
            }
            return completed && !unsure ? before : before.common(after);
        }

        /** Whether the process may have been alive at some point of {@code [lo, hi]}. */
        boolean aliveDuring(long lo, long hi) {
            boolean forkedInTime = forkNanos == BEFORE || forkNanos - hi <= 0;
            long exit = exitNanos;
            return forkedInTime && (exit == 0 || exit - lo >= 0);
        }

        synchronized int images() {
            return count;
        }
    }

    private final Map<Integer, Entry> live = new ConcurrentHashMap<>();
    private final Map<Integer, List<Entry>> retired = new ConcurrentHashMap<>();
    private final AtomicLong retiredCount = new AtomicLong();
    private final int retiredLimit;
    private final long graceNanos;
    private final AtomicLong evicted = new AtomicLong();
    /** Lookups of windows that begin before this are ambiguous: events were lost until then. */
    private volatile long unsureUntil = BEFORE;

    ProcessTable(int retiredLimit, long graceNanos) {
        this.retiredLimit = retiredLimit;
        this.graceNanos = graceNanos;
    }

    Entry live(int pid) {
        return live.get(pid);
    }

    /** Puts a new entry for its pid; an entry it replaces is retired. */
    void put(Entry e) {
        Entry old = live.put(e.pid, e);
        if (old != null && old != e) {
            retire(old);
        }
    }

    /** Adds an entry unless one is there already (seeding races with the connector). */
    Entry putIfAbsent(Entry e) {
        Entry old = live.putIfAbsent(e.pid, e);
        return old != null ? old : e;
    }

    private void retire(Entry e) {
        retired.computeIfAbsent(e.pid, k -> new ArrayList<>(2));
        List<Entry> l = retired.get(e.pid);
        synchronized (l) {
            l.add(0, e);
        }
        if (retiredCount.incrementAndGet() > retiredLimit) {
            evictOldest();
        }
    }

    /**
     * The entry of {@code pid} that was alive during {@code [lo, hi]}.
     *
     * @return it, or null when none is known or two could have been (pid reuse in the window)
     */
    Entry during(int pid, long lo, long hi) {
        Entry found = null;
        Entry l = live.get(pid);
        if (l != null && l.aliveDuring(lo, hi)) {
            found = l;
        }
        List<Entry> r = retired.get(pid);
        if (r != null) {
            synchronized (r) {
                for (Entry e : r) {
                    if (e.aliveDuring(lo, hi)) {
                        if (found != null) {
                            return null;
                        }
                        found = e;
                    }
                }
            }
        }
        return found;
    }

    /** The entry with this identity, live or retired, or null. */
    Entry find(int pid, long startTicks) {
        Entry l = live.get(pid);
        if (l != null && l.startTicks == startTicks) {
            return l;
        }
        List<Entry> r = retired.get(pid);
        if (r != null) {
            synchronized (r) {
                for (Entry e : r) {
                    if (e.startTicks == startTicks) {
                        return e;
                    }
                }
            }
        }
        return null;
    }

    /** Marks every window that begins before {@code until} as unsure (events were lost). */
    void unsureUntil(long until) {
        unsureUntil = until;
    }

    boolean unsure(long lo) {
        long u = unsureUntil;
        return u != BEFORE && lo - u <= 0;
    }

    /**
     * Retires live entries whose leader exited more than the grace period ago and that
     * {@code stillAlive} does not confirm, and forgets retired entries older than the grace period.
     */
    void expire(long now, java.util.function.Predicate<Entry> stillAlive) {
        for (Entry e : live.values()) {
            long x = e.exitNanos;
            if (x != 0 && now - x > graceNanos && !stillAlive.test(e)) {
                if (live.remove(e.pid, e)) {
                    retire(e);
                }
            }
        }
        for (Map.Entry<Integer, List<Entry>> m : retired.entrySet()) {
            List<Entry> l = m.getValue();
            synchronized (l) {
                l.removeIf(e -> {
                    long x = e.exitNanos;
                    boolean old = x == 0 ? false : now - x > graceNanos;
                    if (old) {
                        retiredCount.decrementAndGet();
                    }
                    return old;
                });
                if (l.isEmpty()) {
                    retired.remove(m.getKey(), l);
                }
            }
        }
    }

    private void evictOldest() {
        Entry oldest = null;
        for (List<Entry> l : retired.values()) {
            synchronized (l) {
                for (Entry e : l) {
                    long x = e.exitNanos;
                    if (oldest == null || (x != 0 && (oldest.exitNanos == 0 || x - oldest.exitNanos < 0))) {
                        oldest = e;
                    }
                }
            }
        }
        if (oldest != null) {
            List<Entry> l = retired.get(oldest.pid);
            if (l != null) {
                synchronized (l) {
                    if (l.remove(oldest)) {
                        retiredCount.decrementAndGet();
                        evicted.incrementAndGet();
                    }
                }
            }
        }
    }

    Iterable<Entry> liveEntries() {
        return live.values();
    }

    int liveCount() {
        return live.size();
    }

    long retiredCount() {
        return retiredCount.get();
    }

    long evicted() {
        return evicted.get();
    }
}
