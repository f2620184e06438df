package org.esf4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.ClientConfig.ReaderMode;
import org.esf4j.spi.nativeio.Epoll;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reader skeleton every backend uses, on an eventfd as its source: it runs when start()
 * returns, wakes for data, survives an agent that throws, fires its timer, and on stop reads what
 * was still queued before onStop, in both reader modes.
 */
class ReaderLoopTest {

    private final NativeOps ops = Natives.get();
    private int source;
    private NativeBuffer buf;

    @BeforeEach
    void setUp() {
        source = ops.eventfd(0, Epoll.EFD_CLOEXEC | Epoll.EFD_NONBLOCK);
        assertTrue(source >= 0);
        buf = ops.allocate(16);
    }

    @AfterEach
    void tearDown() {
        ops.close(source);
        buf.close();
    }

    private void post(long n) {
        buf.buffer().putLong(8, n);
        assertEquals(8, ops.write(source, buf.address() + 8, 8));
    }

    /** Counts what it reads; throws once when told to. */
    private final class Counting implements ReaderLoop.Agent {
        final AtomicLong read = new AtomicLong();
        final AtomicInteger timers = new AtomicInteger();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile boolean throwNext;
        volatile Thread thread;
        volatile long readAtStop = -1;

        @Override
        public int doWork() {
            thread = Thread.currentThread();
            if (throwNext) {
                throwNext = false;
                throw new IllegalStateException("agent failure");
            }
            long n = ops.read(source, buf.address(), 8);
            if (n == 8) {
                read.addAndGet(buf.buffer().getLong(0));
                return 1;
            }
            return 0;
        }

        @Override
        public long timerPeriodNanos() {
            return TimeUnit.MILLISECONDS.toNanos(20);
        }

        @Override
        public void onTimer(long nowNanos) {
            timers.incrementAndGet();
        }

        @Override
        public void onStop() {
            readAtStop = read.get();
            stopped.countDown();
        }

        @Override
        public void onError(Throwable t) {
            errors.add(t);
        }
    }

    @ParameterizedTest
    @EnumSource(ReaderMode.class)
    void readsWakesSurvivesTimesAndDrains(ReaderMode mode) throws Exception {
        Counting agent = new Counting();
        ReaderLoop loop = new ReaderLoop("test-reader", mode, ops, agent, source);
        loop.start();
        assertTrue(loop.thread().isAlive(), "running when start() returns");
        post(3);
        assertTrue(waitFor(() -> agent.read.get() == 3), "data wakes the reader");
        assertSame(loop.thread(), agent.thread);
        agent.throwNext = true;
        post(4);
        assertTrue(waitFor(() -> agent.read.get() == 7), "an agent that threw once keeps being called");
        assertEquals(1, agent.errors.size());
        assertTrue(waitFor(() -> agent.timers.get() >= 3), "the timer fires while idle");
        assertTrue(loop.lastEmptyNanos() > 0);
        post(5); // queued right before stop: read before onStop
        assertTrue(loop.stop(1_000, 5_000), "the thread ends");
        assertTrue(agent.stopped.await(1, TimeUnit.SECONDS));
        assertEquals(12, agent.readAtStop, "what was queued at stop is read before onStop");
        assertFalse(loop.thread().isAlive());
        loop.close();
    }

    /**
     * An agent stuck in user code in the first event of a batch of n, with the claim protocol a
     * backend uses: a compare-and-set on each side decides whether the rest of the batch is its
     * own or its successor's. Counts what it handled.
     */
    private final class Stuck implements ReaderLoop.Agent {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch inside = new CountDownLatch(1);
        final AtomicLong handled = new AtomicLong();
        final CountDownLatch stopped = new CountDownLatch(1);
        final AtomicInteger state = new AtomicInteger(); // 0 idle, 1 in user code, 2 handed over
        volatile long rest;

        /** The successor's side: claims the rest while this one is in user code. */
        boolean claim() {
            return state.compareAndSet(1, 2);
        }

        @Override
        public int doWork() {
            long n = ops.read(source, buf.address(), 8);
            if (n != 8) {
                return 0;
            }
            long batch = buf.buffer().getLong(0);
            for (long i = 0; i < batch; i++) {
                rest = batch - i - 1;
                state.set(1);
                if (i == 0) {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                handled.incrementAndGet();
                if (!state.compareAndSet(1, 0)) {
                    return 1; // the rest is the successor's
                }
            }
            return 1;
        }

        @Override
        public void onStop() {
            stopped.countDown();
        }

        @Override
        public void onError(Throwable t) {
        }
    }

    @ParameterizedTest
    @EnumSource(ReaderMode.class)
    void aStuckReaderIsReplacedAndTheRestOfItsBatchHandledOnce(ReaderMode mode) throws Exception {
        Stuck stuck = new Stuck();
        Counting next = new Counting();
        ReaderLoop loop = new ReaderLoop("test-reader", mode, ops, stuck, source);
        loop.start();
        Thread first = loop.thread();
        post(5); // a batch of five; the first blocks
        assertTrue(stuck.inside.await(10, TimeUnit.SECONDS));
        AtomicLong taken = new AtomicLong(-1);
        assertFalse(loop.handOver(() -> null), "a successor that refuses leaves the reader as it is");
        assertSame(first, loop.thread());
        assertTrue(loop.handOver(() -> {
            taken.set(stuck.claim() ? stuck.rest : -1);
            return next;
        }));
        assertEquals(4, taken.get(), "the successor was made while the reader was stuck, with four events left");
        assertTrue(loop.thread() != first, "a new thread reads");
        assertEquals(1, loop.stranded());
        post(7);
        assertTrue(waitFor(() -> next.read.get() == 7), "the new reader reads the source");
        stuck.release.countDown();
        assertTrue(stuck.stopped.await(10, TimeUnit.SECONDS), "the stuck thread ends and releases its agent");
        first.join(10_000);
        assertFalse(first.isAlive());
        assertEquals(1, stuck.handled.get(), "the stuck thread handled its own event only, not the rest");
        assertEquals(0, loop.stranded());
        assertTrue(loop.stop(1_000, 5_000));
        assertTrue(next.stopped.await(1, TimeUnit.SECONDS));
        loop.close();
    }

    private static boolean waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }
}
