package org.esf4j.spi.engine;

import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.Mode;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.RawEvent;

/**
 * A deterministic backend for the engine's unit tests: the test plays the kernel. Events are
 * delivered on the backend's own reader thread, as a real backend does, and every answer is
 * recorded per token so that "exactly once" can be checked.
 */
public final class FakeBackend implements Backend {

    static final int MAX_TOKENS = 1 << 16;

    /** A raw event whose paths and identity the test sets. */
    static final class Raw extends RawEvent {
        byte[] target = new byte[0];
        byte[] exe = new byte[0];
        long dev = 8;
        long ino;
        long ctime;
        int targetLoads;

        Raw set(String target, String exe, long ino, long ctime) {
            this.target = target.getBytes(StandardCharsets.UTF_8);
            this.exe = exe.getBytes(StandardCharsets.UTF_8);
            this.ino = ino;
            this.ctime = ctime;
            this.dev = 8;
            return this;
        }

        @Override
        protected int loadTargetPath(byte[] dst) {
            targetLoads++;
            System.arraycopy(target, 0, dst, 0, target.length);
            return target.length;
        }

        @Override
        protected int loadExecutablePath(byte[] dst) {
            System.arraycopy(exe, 0, dst, 0, exe.length);
            return exe.length;
        }

        @Override
        protected void loadFileId() {
            fileId(dev, ino, ctime);
        }

        @Override
        public Event toEvent(EventHeader h) {
            if (kind() == EventKind.EXEC) {
                return execEvent(h, java.util.List.of(), org.esf4j.api.Accuracy.UNKNOWN, "");
            }
            return builtInEvent(h);
        }

        private org.esf4j.spi.process.ProcFiles proc;

        /** The fake plays a source whose process waits in the kernel: the model reads /proc. */
        @Override
        public ProcessInfo process(org.esf4j.spi.process.ProcessModel model) {
            if (proc == null) {
                proc = new org.esf4j.spi.process.ProcFiles(org.esf4j.spi.nativeio.Natives.get());
            }
            return model.waiting(pid(), tid(), proc);
        }
    }

    /** Public base, so that a provider class in a test class loader can extend it. */
    public static class ProviderBase extends Provider {
        /** Named "base". */
        public ProviderBase() {
            super("base", 50, true, defaultOffers());
        }
    }

    /** The provider: offers exec and open as USERSPACE, bind as NOTIFY. */
    public static class Provider implements BackendProvider {
        final String name;
        final int priority;
        final Map<EventKind, DecisionClass> offers;
        final boolean available;
        volatile FakeBackend last;
        boolean kernelCache;

        Provider(String name, int priority, boolean available, Map<EventKind, DecisionClass> offers) {
            this.name = name;
            this.priority = priority;
            this.available = available;
            this.offers = offers;
        }

        /** The default fake backend, named "fake". */
        public Provider() {
            this("fake", 10, true, defaultOffers());
        }

        static Map<EventKind, DecisionClass> defaultOffers() {
            Map<EventKind, DecisionClass> m = new TreeMap<>();
            m.put(EventKind.EXEC, DecisionClass.USERSPACE);
            m.put(EventKind.FILE_OPEN, DecisionClass.USERSPACE);
            m.put(EventKind.SOCKET_BIND, DecisionClass.NOTIFY);
            m.put(EventKind.SOCKET_CONNECT, DecisionClass.USERSPACE);
            return m;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public Map<EventKind, DecisionClass> offers() {
            return offers;
        }

        @Override
        public org.esf4j.spi.Coverage coverage() {
            return org.esf4j.spi.Coverage.builder().build();
        }

        @Override
        public BackendStatus probe() {
            return BackendStatus.of(name, available, available ? ReasonCode.AVAILABLE : ReasonCode.KERNEL_TOO_OLD,
                    available ? "ok" : "too old", available ? "" : "upgrade", "", offers);
        }

        @Override
        public Backend open(BackendContext context) {
            FakeBackend b = new FakeBackend(context, kernelCache);
            last = b;
            return b;
        }
    }

    final BackendContext context;
    final EventSink sink;
    final boolean kernelCache;
    final AtomicIntegerArray answers = new AtomicIntegerArray(MAX_TOKENS); // bit0 answered, bit1 allow, count<<2
    final AtomicLong respondCalls = new AtomicLong();
    final Map<Long, CompletableFuture<Boolean>> waiting = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Runnable> readerQueue = new LinkedBlockingQueue<>();
    final Thread reader;
    volatile boolean closed;
    volatile boolean started;
    final Raw raw = new Raw();

    FakeBackend(BackendContext context, boolean kernelCache) {
        this.context = context;
        this.sink = context.sink();
        this.kernelCache = kernelCache;
        this.reader = new Thread(() -> {
            while (!closed) {
                try {
                    Runnable r = readerQueue.poll(50, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        r.run();
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fake-reader");
        reader.setDaemon(true);
    }

    @Override
    public void start() {
        started = true;
        reader.start();
    }

    /** Delivers one event on the reader thread; returns when the sink returned. */
    void deliver(EventKind type, Mode mode, int pid, long token, String target, String exe, long ino, long ctime) {
        deliver(type, mode, pid, token, target, exe, ino, ctime, 8);
    }

    void deliver(EventKind type, Mode mode, int pid, long token, String target, String exe, long ino, long ctime,
                 long dev) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        readerQueue.add(() -> {
            raw.set(target, exe, ino, ctime);
            raw.dev = dev;
            raw.reset(type, mode, pid, pid, 0, System.nanoTime(), token, 0);
            try {
                sink.onEvent(raw);
            } finally {
                done.complete(null);
            }
        });
        done.join();
    }

    /**
     * Delivers an event a KERNEL_POLICY source already decided (or let through), and waits.
     */
    void deliverDecided(EventKind type, int pid, long token, String target, RawEvent.KernelDecision decision) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        readerQueue.add(() -> {
            raw.set(target, "/usr/bin/curl", 77, 1);
            raw.reset(type, Mode.AUTH, pid, pid, 0, System.nanoTime(), token, 0);
            raw.kernelDecision(decision);
            try {
                sink.onEvent(raw);
            } finally {
                done.complete(null);
            }
        });
        done.join();
    }

    /** Delivers without waiting for the sink (the reader may be stuck in a handler). */
    void deliverAsync(EventKind type, Mode mode, int pid, long token, String target) {
        readerQueue.add(() -> {
            raw.set(target, "/usr/bin/x", token, 1);
            raw.reset(type, mode, pid, pid, 0, System.nanoTime(), token, 0);
            sink.onEvent(raw);
        });
    }

    /** Runs {@code r} on the reader thread and waits. */
    void onReader(Runnable r) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        readerQueue.add(() -> {
            try {
                r.run();
            } finally {
                done.complete(null);
            }
        });
        done.join();
    }

    @Override
    public boolean respond(long token, boolean allow, boolean cacheInKernel) {
        respondCalls.incrementAndGet();
        int slot = (int) token;
        answers.addAndGet(slot, 4 | (answers.get(slot) == 0 ? 1 | (allow ? 2 : 0) : 0));
        if (!waiting.isEmpty()) { // (no boxing on the allocation test's path)
            CompletableFuture<Boolean> f = waiting.get(token);
            if (f != null) {
                f.complete(allow);
            }
        }
        return cacheInKernel && kernelCache;
    }

    /** Waits for the answer of a token: true allow, false deny; fails after the timeout. */
    boolean await(long token, long millis) throws Exception {
        CompletableFuture<Boolean> f = waiting.computeIfAbsent(token, k -> new CompletableFuture<>());
        int a = answers.get((int) token);
        if (a != 0) {
            return (a & 2) != 0;
        }
        return f.get(millis, TimeUnit.MILLISECONDS);
    }

    int answerCount(long token) {
        return answers.get((int) token) >>> 2;
    }

    boolean answered(long token) {
        return answers.get((int) token) != 0;
    }

    @Override
    public void close() {
        closed = true;
    }
}
