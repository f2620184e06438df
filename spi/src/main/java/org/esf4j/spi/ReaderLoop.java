package org.esf4j.spi;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Esf4jException;
import org.esf4j.spi.nativeio.Epoll;
import org.esf4j.spi.nativeio.EpollEvent;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * The one reader thread skeleton every backend uses (Agrona's agent runner, on epoll). A backend
 * supplies only what is its own, an {@link Agent} whose {@link Agent#doWork()} reads what is ready,
 * decodes it and hands it to the engine; this class owns the thread, turns the public
 * {@link ClientConfig.ReaderMode} into blocking ({@code epoll_wait} on the backend's descriptors
 * and a wake-up eventfd) or spinning, runs periodic work, and stops: {@link #stop} first lets the
 * agent read what the kernel had queued ({@link Agent#doWork()} until it returns 0, within a time
 * budget), then calls {@link Agent#onStop()} on the reader thread, then joins.
 *
 * <p>The reader must never die silently: whatever {@code doWork} throws goes to
 * {@link Agent#onError(Throwable)} and the loop goes on after a millisecond.
 *
 * <p>A reader stuck in user code (a handler that runs on the reader thread and blocks) can be
 * replaced: {@link #handOver} starts a new thread with a successor agent, which takes over the
 * descriptors and the events the stuck thread had read but not handled. The agent decides, with
 * one compare-and-set on each side, whether the rest of its batch went to the successor (the
 * stuck thread then returns from {@link Agent#doWork()} without touching it); the stuck thread
 * ends once its user code returns, running its agent's {@link Agent#onStop()} without reading any
 * more.
 *
 * <p>Not API for applications; for backend implementations.
 *
 * @since 0.1
 */
public final class ReaderLoop implements AutoCloseable {

    /** What a backend's reader does; every method runs on the reader thread. */
    public interface Agent {

        /**
         * Reads and handles what is ready, without blocking.
         *
         * @return how much was done; 0 when nothing was ready
         */
        int doWork();

        /**
         * How often {@link #onTimer(long)} runs.
         *
         * @return the period in nanoseconds, or 0 for none
         */
        default long timerPeriodNanos() {
            return 0;
        }

        /**
         * Periodic work (expiry, counters), at least every {@link #timerPeriodNanos()}.
         *
         * @param nowNanos {@link System#nanoTime()}
         */
        default void onTimer(long nowNanos) {
        }

        /** Runs once on the reader thread after the final drain, before the thread ends. */
        default void onStop() {
        }

        /**
         * Reports what {@link #doWork()} or {@link #onTimer(long)} threw.
         *
         * @param t the failure
         */
        void onError(Throwable t);
    }

    private static final int MAX_EVENTS = 8;
    private static final long DATA_WAKE = -1;
    /** How many replaced threads may still be stuck in user code before no more are replaced. */
    public static final int MAX_STRANDED = 16;

    private final String name;
    private final NativeOps ops;
    private final boolean spin;
    private final int epfd;
    private final int wakeFd;
    private final NativeBuffer events;
    private final Thread thread;
    /** The thread that reads now: {@link #thread}, or the last successor. Written under {@link #batchLock}. */
    private volatile Thread owner;
    private final Object batchLock = new Object();
    /** Replaced threads whose user code has not returned yet. */
    private final java.util.concurrent.atomic.AtomicInteger stranded = new java.util.concurrent.atomic.AtomicInteger();
    private int generation;
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile long drainBudgetNanos;
    private volatile long lastEmptyNanos;
    private volatile boolean closed;

    /**
     * A reader that waits on {@code fds} (in blocking mode).
     *
     * @param name the thread's name, e.g. {@code esf4j-fanotify-reader-1}
     * @param mode blocking or spinning
     * @param ops the native layer
     * @param agent the backend's work
     * @param fds the descriptors whose readiness means work for the agent
     * @throws Esf4jException when epoll or the eventfd cannot be created
     */
    public ReaderLoop(String name, ClientConfig.ReaderMode mode, NativeOps ops, Agent agent, int... fds) {
        this.name = name;
        this.ops = ops;
        this.spin = mode == ClientConfig.ReaderMode.SPINNING;
        int ep = ops.epollCreate1(Epoll.EPOLL_CLOEXEC);
        if (ep < 0) {
            throw new Esf4jException(name + ": epoll_create1 failed: " + Errno.describe(-ep));
        }
        int wake = ops.eventfd(0, Epoll.EFD_CLOEXEC | Epoll.EFD_NONBLOCK);
        if (wake < 0) {
            ops.close(ep);
            throw new Esf4jException(name + ": eventfd failed: " + Errno.describe(-wake));
        }
        int rc = ops.epollCtl(ep, Epoll.EPOLL_CTL_ADD, wake, Epoll.EPOLLIN, DATA_WAKE);
        for (int i = 0; rc >= 0 && i < fds.length; i++) {
            rc = ops.epollCtl(ep, Epoll.EPOLL_CTL_ADD, fds[i], Epoll.EPOLLIN, i);
        }
        if (rc < 0) {
            ops.close(ep);
            ops.close(wake);
            throw new Esf4jException(name + ": epoll_ctl failed: " + Errno.describe(-rc));
        }
        this.epfd = ep;
        this.wakeFd = wake;
        this.events = ops.allocate(EpollEvent.SIZE * MAX_EVENTS + 8);
        Thread t = new Thread(() -> run(agent), name);
        t.setDaemon(true);
        this.thread = t;
        this.owner = t;
    }

    /**
     * Starts the thread and returns once it runs its loop: from then on, whatever becomes ready is
     * read without waiting for a thread to start.
     */
    public void start() {
        thread.start();
        try {
            running.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Adds a descriptor whose readiness means work for the agent, from any thread, for sources
     * whose descriptors come and go while the reader runs (TSEM opens one queue per modeling
     * namespace). The agent must read it from its next {@link Agent#doWork()}; the thread is woken
     * so that it does.
     *
     * @param fd the descriptor
     * @throws Esf4jException when epoll refuses it
     */
    public void watch(int fd) {
        int rc = ops.epollCtl(epfd, Epoll.EPOLL_CTL_ADD, fd, Epoll.EPOLLIN, fd);
        if (rc < 0) {
            throw new Esf4jException(name + ": epoll_ctl(ADD " + fd + ") failed: " + Errno.describe(-rc));
        }
        wake();
    }

    /**
     * Removes a descriptor added by {@link #watch(int)} (or given to the constructor) before the
     * caller closes it.
     *
     * @param fd the descriptor
     */
    public void unwatch(int fd) {
        ops.epollCtl(epfd, Epoll.EPOLL_CTL_DEL, fd, 0, 0);
    }

    /** @return the reader thread (the successor, once the first was replaced) */
    public Thread thread() {
        return owner;
    }

    /** @return whether the caller is the reader thread */
    public boolean isReaderThread() {
        return Thread.currentThread() == owner;
    }

    /**
     * Replaces the reader thread, which is stuck in user code, by a new one. {@code successor}
     * claims the rest of the stuck thread's batch (only while that thread is still inside the
     * event it was stuck in) and returns an agent that will first handle it, or null to refuse;
     * the new thread starts after it returned.
     *
     * @param successor makes the new agent, or returns null
     * @return true when a new thread now reads; false when the successor refused, the reader is
     *         stopping, or {@value #MAX_STRANDED} replaced threads are still stuck
     */
    public boolean handOver(java.util.function.Supplier<Agent> successor) {
        Thread t;
        synchronized (batchLock) {
            if (stopping || stranded.get() >= MAX_STRANDED) {
                return false;
            }
            Agent next = successor.get();
            if (next == null) {
                return false;
            }
            stranded.incrementAndGet();
            t = new Thread(() -> run(next), name + "." + ++generation);
            t.setDaemon(true);
            owner = t;
        }
        wake(); // a thread blocked in epoll_wait does not exist, but a spinning one may
        t.start();
        return true;
    }

    /** @return replaced threads still stuck in user code */
    public int stranded() {
        return stranded.get();
    }

    /**
     * When {@link Agent#doWork()} last found nothing to read: every event read afterwards was
     * queued by the kernel after this time, which bounds when an asynchronous notification
     * happened.
     *
     * @return a {@link System#nanoTime()} value (the thread's start before the first empty read)
     */
    public long lastEmptyNanos() {
        return lastEmptyNanos;
    }

    private void run(Agent agent) {
        Thread self = Thread.currentThread();
        long period = agent.timerPeriodNanos();
        long nextTimer = period > 0 ? System.nanoTime() + period : Long.MAX_VALUE;
        lastEmptyNanos = System.nanoTime();
        running.countDown();
        while (!stopping) {
            int n = work(agent);
            if (owner != self) {
                // replaced while stuck in user code: the successor reads; release this agent only
                stranded.decrementAndGet();
                stopAgent(agent);
                return;
            }
            long now = System.nanoTime();
            if (n == 0) {
                lastEmptyNanos = now;
            }
            if (now - nextTimer >= 0) {
                timer(agent, now);
                nextTimer = now + period;
            }
            if (n > 0) {
                continue;
            }
            if (spin) {
                Thread.onSpinWait();
                continue;
            }
            int timeout = period > 0 ? (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTimer - now)) : -1;
            int rc = ops.epollWait(epfd, events.address(), MAX_EVENTS, timeout);
            if (rc < 0 && -rc != Errno.EINTR) {
                agent.onError(new Esf4jException(name + ": epoll_wait failed: " + Errno.describe(-rc)));
                pause();
            }
        }
        // stopping: read what the kernel had queued, within the budget
        long end = System.nanoTime() + drainBudgetNanos;
        while (System.nanoTime() - end < 0 && owner == self && work(agent) > 0) {
            // drain
        }
        if (owner != self) {
            stranded.decrementAndGet();
        }
        stopAgent(agent);
    }

    private static void stopAgent(Agent agent) {
        try {
            agent.onStop();
        } catch (Throwable t) {
            agent.onError(t);
        }
    }

    private static int work(Agent agent) {
        try {
            return agent.doWork();
        } catch (Throwable t) {
            agent.onError(t);
            pause();
            return 0;
        }
    }

    private static void timer(Agent agent, long now) {
        try {
            agent.onTimer(now);
        } catch (Throwable t) {
            agent.onError(t);
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the reader: it reads what is still queued (for at most {@code drainBudgetMillis}),
     * runs {@link Agent#onStop()} and ends. Waits at most {@code joinMillis} for that; returns at
     * once when called on the reader thread itself.
     *
     * @param drainBudgetMillis how long the final drain may take
     * @param joinMillis how long to wait for the thread
     * @return true when the thread has ended
     */
    public boolean stop(long drainBudgetMillis, long joinMillis) {
        drainBudgetNanos = TimeUnit.MILLISECONDS.toNanos(drainBudgetMillis);
        Thread t;
        synchronized (batchLock) {
            stopping = true; // no successor from now on
            t = owner;
        }
        wake();
        if (Thread.currentThread() == t || !t.isAlive()) {
            return !t.isAlive();
        }
        try {
            t.join(joinMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    private void wake() {
        if (closed) {
            return;
        }
        java.nio.ByteBuffer b = events.buffer();
        int at = EpollEvent.SIZE * MAX_EVENTS;
        b.putLong(at, 1);
        ops.write(wakeFd, events.address() + at, 8);
    }

    /**
     * Releases the epoll and eventfd descriptors and the buffer, once the thread has ended (if it
     * has not, they are left to the process: a reader stuck in user code may still use them).
     */
    @Override
    public void close() {
        if (closed || owner.isAlive() || stranded.get() > 0) {
            return;
        }
        closed = true;
        ops.close(epfd);
        ops.close(wakeFd);
        events.close();
    }
}
