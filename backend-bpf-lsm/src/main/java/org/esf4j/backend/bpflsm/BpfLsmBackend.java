package org.esf4j.backend.bpflsm;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.PolicyRule;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.nativeio.LibBpf;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BPF LSM backend for one client: the object loaded and attached for the subscribed types,
 * the client's policy and muting in the maps, and a reader thread that consumes the ring buffer
 * in place and hands each record to the engine.
 *
 * <h2>Decisions</h2>
 * The programs decide in the kernel (deny rules, then the verdict cache) and report each event
 * with what they did. The engine reports rule and cache decisions as such; for events no rule
 * matched (already allowed), a handler's {@code cached()} verdict, allow or deny, is written
 * into the kernel's verdict cache by {@link #respond}, keyed by event type, target (device,
 * inode, change time) and executable (device, inode), so the next occurrence is decided in the
 * kernel. A file whose change time moves no longer matches its entry.
 *
 * <h2>Options</h2> ({@link ClientConfig#backendOptions()})
 * <ul>
 *   <li>{@value #OPT_RING_BYTES}: the ring buffer's size, a power of two of at least a page
 *       (default {@value #RING_BYTES_DEFAULT}).</li>
 *   <li>{@value #OPT_PIN_DIR}: a directory on a bpffs mount (e.g. {@code /sys/fs/bpf/esf4j}).
 *       Maps and links are pinned there, and close leaves the AUTH programs, rules and cached
 *       verdicts in force after the JVM exits (NOTIFY types are switched off). A later client
 *       with the same directory takes them over; {@link BpfLsmProvider#unpin(Path)} removes
 *       them. Default: none, close removes everything.</li>
 * </ul>
 * The library's own process is muted in the kernel for every type.
 */
final class BpfLsmBackend implements Backend, RingBuffer.RecordHandler {

    static final String OPT_RING_BYTES = "bpf-lsm.ring-bytes";
    static final String OPT_PIN_DIR = "bpf-lsm.pin-dir";
    static final int RING_BYTES_DEFAULT = 4 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(BpfLsmBackend.class);
    private static final EventType[] TYPES = EventType.values();
    private static final int ALL_TYPES = (1 << TYPES.length) - 1;
    private static final long DROP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Pending cache keys: one slot per AUTH event that a handler may still answer. */
    private static final int SLOT_BITS = 16;
    private static final int SLOTS = 1 << SLOT_BITS;
    private static final int KEY_LONGS = 6;

    private final BackendContext context;
    private final EventSink sink;
    private final NativeOps ops;
    private final BpfObject obj;
    private final BpfMaps maps;
    private final RingBuffer ring;
    private final Mode[] modes = new Mode[TYPES.length];
    private final int self;
    private final BpfRawEvent raw = new BpfRawEvent();
    private final long[] drops = new long[TYPES.length];
    private final long[] dropsNow = new long[TYPES.length];
    private final long[] slotKeys = new long[SLOTS * KEY_LONGS];
    private final AtomicLongArray slotTokens = new AtomicLongArray(SLOTS);
    private long nextToken;
    private long lastDropCheck;
    private long malformed;
    private Thread reader;
    private volatile boolean running;
    private volatile boolean closed;

    private BpfLsmBackend(BackendContext context, NativeOps ops, BpfObject obj, BpfMaps maps, RingBuffer ring) {
        this.context = context;
        this.sink = context.sink();
        this.ops = ops;
        this.obj = obj;
        this.maps = maps;
        this.ring = ring;
        this.self = ops.getpid();
        for (int i = 0; i < SLOTS; i++) {
            slotTokens.set(i, -1);
        }
    }

    /**
     * Loads, configures and attaches; the reader starts with {@link #start()}.
     *
     * @throws Esf4jException with the reason when anything fails; nothing stays in the kernel
     */
    static BpfLsmBackend open(BackendContext context) {
        Map<String, String> opts = context.config().backendOptions();
        for (String k : opts.keySet()) {
            if (k.startsWith("bpf-lsm.") && !k.equals(OPT_RING_BYTES) && !k.equals(OPT_PIN_DIR)) {
                throw new Esf4jException("unknown bpf-lsm option '" + k + "' (known: " + OPT_RING_BYTES + ", "
                        + OPT_PIN_DIR + ")");
            }
        }
        int ringBytes = RING_BYTES_DEFAULT;
        if (opts.containsKey(OPT_RING_BYTES)) {
            try {
                ringBytes = Integer.parseInt(opts.get(OPT_RING_BYTES).trim());
            } catch (NumberFormatException e) {
                throw new Esf4jException(OPT_RING_BYTES + " must be a number of bytes: " + opts.get(OPT_RING_BYTES));
            }
        }
        NativeOps ops = Natives.get();
        if (Integer.bitCount(ringBytes) != 1 || ringBytes < ops.pageSize()) {
            throw new Esf4jException(OPT_RING_BYTES + " must be a power of two of at least " + ops.pageSize()
                    + " bytes: " + ringBytes);
        }
        Path pin = opts.containsKey(OPT_PIN_DIR) ? Path.of(opts.get(OPT_PIN_DIR)) : null;
        LibBpf lib = Natives.libbpf();
        BpfObject obj = BpfObject.load(lib, ops, ringBytes, pin);
        BpfMaps maps = null;
        RingBuffer ring = null;
        try {
            maps = new BpfMaps(lib, ops, obj);
            maps.mutePid(ops.getpid(), ALL_TYPES);
            ClientConfig c = context.config();
            maps.policy(c.policy());
            int pushed = maps.mute(c.muteRules(), c.invertedMuting());
            for (EventType t : TYPES) {
                Mode m = context.events().get(t);
                maps.mode(t, m == null ? BpfMaps.OFF : m == Mode.AUTH ? BpfMaps.AUTH : BpfMaps.NOTIFY);
            }
            ring = new RingBuffer(ops, obj.mapFd("events"), ringBytes);
            obj.attach(context.events().keySet());
            BpfLsmBackend b = new BpfLsmBackend(context, ops, obj, maps, ring);
            for (EventType t : TYPES) {
                b.modes[t.ordinal()] = context.events().get(t);
            }
            maps.drops(b.drops); // counts from before this client (a pinned map) are not ours
            LOG.info("bpf-lsm: attached {} (ring buffer {} bytes, {} rules, {} mute rules in the kernel{})",
                    context.events(), ringBytes, c.policy().size(), pushed, pin == null ? "" : ", pinned at " + pin);
            return b;
        } catch (RuntimeException | Error e) {
            if (ring != null) {
                ring.close();
            }
            if (maps != null) {
                if (pin != null) {
                    maps.unmutePid(ops.getpid());
                }
                maps.close();
            }
            obj.close();
            throw e;
        }
    }

    @Override
    public void start() {
        running = true;
        reader = new Thread(this::readLoop, "esf4j-bpf-lsm-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        try {
            while (running) {
                int n = ring.poll(this, 4096);
                long now = System.nanoTime();
                if (n == 0 || now - lastDropCheck > DROP_CHECK_NANOS) {
                    lastDropCheck = now;
                    checkDrops();
                }
                if (n == 0) {
                    ring.await(100);
                }
            }
            // deliver what the kernel had already submitted when the client closed
            while (ring.poll(this, 4096) > 0) {
                // drain
            }
            checkDrops();
        } catch (Throwable t) {
            LOG.error("bpf-lsm: the ring buffer reader stopped", t);
            sink.onError("ring-buffer", 0);
        }
    }

    private void checkDrops() {
        maps.drops(dropsNow);
        for (int t = 0; t < TYPES.length; t++) {
            long d = dropsNow[t] - drops[t];
            if (d > 0) {
                drops[t] = dropsNow[t];
                sink.onDrop("ring-buffer", d, d + " " + TYPES[t] + " event(s) lost: the BPF ring buffer ("
                        + ring.size() + " bytes) was full (the operations themselves were decided as usual)");
            }
        }
    }

    @Override
    public void onRecord(ByteBuffer data, int offset, int length) {
        long received = System.nanoTime();
        if (length < EventRecord.SIZE) {
            malformed("a record of " + length + " bytes");
            return;
        }
        EventRecord r = raw.record.wrap(data, offset);
        int type = r.type();
        Mode mode = type >= 0 && type < TYPES.length ? modes[type] : null;
        if (mode == null) {
            malformed("a record of type " + type);
            return;
        }
        long token = -1;
        if (mode == Mode.AUTH && r.verdict() == EventRecord.ALLOWED && type != EventType.SOCKET_BIND.ordinal()) {
            token = remember(r);
        }
        raw.load(mode, token, received);
        sink.onEvent(raw);
    }

    private void malformed(String what) {
        malformed++;
        if (malformed == 1 || Long.bitCount(malformed) == 1) {
            LOG.warn("bpf-lsm: ignored {} (not from this version of esf4j.bpf.o; {} so far)", what, malformed);
        }
        sink.onError("decode", 0);
    }

    /** Keeps the cache key of an event a handler may answer with cached(); reader thread only. */
    private long remember(EventRecord r) {
        long token = nextToken++;
        int slot = (int) (token & (SLOTS - 1));
        slotTokens.set(slot, -1); // seqlock: invalid while written
        int k = slot * KEY_LONGS;
        slotKeys[k] = r.type();
        slotKeys[k + 1] = r.device();
        slotKeys[k + 2] = r.inode();
        slotKeys[k + 3] = r.changeTimeNanos();
        slotKeys[k + 4] = r.executableDevice();
        slotKeys[k + 5] = r.executableInode();
        slotTokens.set(slot, token);
        return token;
    }

    /**
     * The kernel already applied its decision; a cached verdict goes into the kernel's cache.
     * Any thread, no allocation.
     */
    @Override
    public boolean respond(long token, boolean allow, boolean cacheInKernel) {
        if (!cacheInKernel || token < 0 || closed) {
            return false;
        }
        int slot = (int) (token & (SLOTS - 1));
        int k = slot * KEY_LONGS;
        if (slotTokens.get(slot) != token) {
            return false; // overwritten: more than SLOTS events were pending
        }
        long type = slotKeys[k];
        long dev = slotKeys[k + 1];
        long ino = slotKeys[k + 2];
        long ctime = slotKeys[k + 3];
        long exeDev = slotKeys[k + 4];
        long exeIno = slotKeys[k + 5];
        VarHandle.loadLoadFence();
        if (slotTokens.get(slot) != token) {
            return false;
        }
        return maps.cache((int) type, dev, ino, ctime, exeDev, exeIno, allow);
    }

    @Override
    public boolean cachesDenials() {
        return true;
    }

    @Override
    public void updatePolicy(List<PolicyRule> rules) {
        maps.policy(rules);
    }


    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        Thread t = reader;
        if (t != null) {
            ring.wakeup();
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("bpf-lsm: the reader did not stop within 5 s; its memory stays mapped");
                return;
            }
        }
        if (obj.pinDir() != null) {
            // enforcement stays: observation stops, and our pid may be reused by another process
            for (EventType type : TYPES) {
                if (modes[type.ordinal()] == Mode.NOTIFY) {
                    maps.mode(type, BpfMaps.OFF);
                }
            }
            maps.unmutePid(self);
        }
        ring.close();
        maps.close();
        obj.close();
        if (malformed > 0) {
            LOG.warn("bpf-lsm: {} malformed records were ignored", malformed);
        }
    }

}
