package org.esf4j.backend.bpflsm;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.Rule;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendOptions;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.ReaderLoop;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BPF LSM backend for one client: the object loaded and attached for the subscribed types,
 * the client's rules and muting in the maps, and a reader ({@link ReaderLoop}, woken by the ring
 * buffer's map fd) that consumes the ring buffer in place and hands each record to the engine.
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
final class BpfLsmBackend implements Backend, RingBuffer.RecordHandler, ReaderLoop.Agent {

    static final String RING_BYTES = "ring-bytes";
    static final String PIN_DIR = "pin-dir";
    static final String OPT_RING_BYTES = BpfLsmProvider.NAME + "." + RING_BYTES;
    static final String OPT_PIN_DIR = BpfLsmProvider.NAME + "." + PIN_DIR;
    static final int RING_BYTES_DEFAULT = 4 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(BpfLsmBackend.class);
    private static final long DROP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long DRAIN_MILLIS = 1_000;
    private static final long JOIN_MILLIS = 5_000;
    /** Pending cache keys: one slot per AUTH event that a handler may still answer. */
    private static final int SLOT_BITS = 16;
    private static final int SLOTS = 1 << SLOT_BITS;
    private static final int KEY_LONGS = 6;

    private final EventSink sink;
    private final BpfObject obj;
    private final BpfMaps maps;
    private final RingBuffer ring;
    private final ReaderLoop reader;
    private final Mode[] modes;
    private final int self;
    private final BpfRawEvent raw;
    private final long[] drops = new long[BpfMaps.TYPES];
    private final long[] dropsNow = new long[BpfMaps.TYPES];
    private final long[] slotKeys = new long[SLOTS * KEY_LONGS];
    private final AtomicLongArray slotTokens = new AtomicLongArray(SLOTS);
    private long nextToken;
    private long malformed;
    private long readerErrors;
    private volatile boolean closed;

    private BpfLsmBackend(BackendContext context, NativeOps ops, BpfObject obj, BpfMaps maps, RingBuffer ring,
                          Mode[] modes) {
        this.sink = context.sink();
        this.obj = obj;
        this.maps = maps;
        this.ring = ring;
        this.modes = modes;
        this.self = ops.getpid();
        this.raw = new BpfRawEvent(ops);
        for (int i = 0; i < SLOTS; i++) {
            slotTokens.set(i, -1);
        }
        this.reader = new ReaderLoop("esf4j-bpf-lsm-reader", context.config().readerMode(), ops, this,
                obj.mapFd("events"));
    }

    /**
     * Loads, configures and attaches; the reader starts with {@link #start()}.
     *
     * @throws Esf4jException with the reason when anything fails; nothing stays in the kernel
     */
    static BpfLsmBackend open(BackendContext context) {
        BackendOptions opts = context.options(BpfLsmProvider.NAME, RING_BYTES, PIN_DIR);
        NativeOps ops = Natives.get();
        int ringBytes = opts.integer(RING_BYTES, RING_BYTES_DEFAULT, ops.pageSize(), 1 << 30);
        if (Integer.bitCount(ringBytes) != 1) {
            throw new Esf4jException(OPT_RING_BYTES + " must be a power of two of at least " + ops.pageSize()
                    + " bytes: " + ringBytes);
        }
        Path pin = opts.has(PIN_DIR) ? Path.of(opts.string(PIN_DIR)) : null;
        LibBpf lib = LibBpf.get();
        BpfObject obj = BpfObject.load(lib, ops, ringBytes, pin);
        BpfMaps maps = null;
        RingBuffer ring = null;
        try {
            maps = new BpfMaps(lib, ops, obj);
            maps.mutePid(ops.getpid(), allKinds());
            ClientConfig c = context.config();
            List<Rule> rules = ours(c.rules(), context.events().keySet());
            maps.rules(rules);
            int pushed = maps.mute(c.muteRules(), c.invertedMuting());
            Mode[] modes = new Mode[BpfMaps.TYPES];
            for (EventKind k : EventKind.known()) {
                if (BpfObject.program(k) != null) {
                    Mode m = context.events().get(k);
                    modes[k.id()] = m;
                    maps.mode(k, m == null ? BpfMaps.OFF : m == Mode.AUTH ? BpfMaps.AUTH : BpfMaps.NOTIFY);
                }
            }
            ring = new RingBuffer(ops, obj.mapFd("events"), ringBytes);
            obj.attach(context.events().keySet());
            BpfLsmBackend b = new BpfLsmBackend(context, ops, obj, maps, ring, modes);
            maps.drops(b.drops); // counts from before this client (a pinned map) are not ours
            LOG.info("bpf-lsm: attached {} (ring buffer {} bytes, {} rules, {} mute rules in the kernel{})",
                    context.events(), ringBytes, rules.size(), pushed, pin == null ? "" : ", pinned at " + pin);
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

    /** The mute mask of every kind the object has. */
    private static int allKinds() {
        int mask = 0;
        for (EventKind k : EventKind.known()) {
            if (BpfObject.program(k) != null) {
                mask |= 1 << k.id();
            }
        }
        return mask;
    }

    /** The rules of the kinds this backend serves (the engine keeps the others). */
    private static List<Rule> ours(List<? extends Rule> rules, Set<EventKind> kinds) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : rules) {
            if (kinds.contains(r.kind())) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public void start() {
        reader.start();
    }

    // ------------------------------------------------------------------ reader thread (ReaderLoop.Agent)

    @Override
    public int doWork() {
        return ring.poll(this, 4096);
    }

    @Override
    public long timerPeriodNanos() {
        return DROP_CHECK_NANOS;
    }

    @Override
    public void onTimer(long nowNanos) {
        checkDrops();
    }

    @Override
    public void onStop() {
        checkDrops();
    }

    @Override
    public void onError(Throwable t) {
        readerErrors++;
        if (readerErrors == 1 || Long.bitCount(readerErrors) == 1) {
            LOG.error("bpf-lsm: the ring buffer reader failed ({} so far)", readerErrors, t);
        }
        sink.onError("ring-buffer", 0);
    }

    private void checkDrops() {
        maps.drops(dropsNow);
        for (int t = 1; t < BpfMaps.TYPES; t++) {
            long d = dropsNow[t] - drops[t];
            if (d > 0) {
                drops[t] = dropsNow[t];
                sink.onDrop("ring-buffer", d, d + " " + BpfRawEvent.kind(t) + " event(s) lost: the BPF ring buffer ("
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
        EventKind kind = BpfRawEvent.kind(r.type());
        Mode mode = kind == null ? null : modes[kind.id()];
        if (mode == null) {
            malformed("a record of type " + r.type());
            return;
        }
        long token = -1;
        if (mode == Mode.AUTH && r.verdict() == EventRecord.ALLOWED
                && (kind == EventKind.EXEC || kind == EventKind.FILE_OPEN || kind == EventKind.URING_CMD)) {
            token = remember(r); // a file's event: a cached verdict can go into the kernel
        }
        raw.load(kind, mode, token, received);
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

    /** Replaces the kernel's rules with the new rules of the kinds this backend serves. */
    @Override
    public void updateRules(List<Rule> rules) {
        Set<EventKind> kinds = new java.util.TreeSet<>();
        for (int i = 0; i < modes.length; i++) {
            if (modes[i] != null) {
                kinds.add(BpfRawEvent.kind(i));
            }
        }
        maps.rules(ours(rules, kinds));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // the reader delivers what the kernel had already submitted, then stops
        if (!reader.stop(DRAIN_MILLIS, JOIN_MILLIS)) {
            LOG.warn("bpf-lsm: the reader did not stop within {} ms; its memory stays mapped", JOIN_MILLIS);
            return;
        }
        reader.close();
        if (obj.pinDir() != null) {
            // enforcement stays: observation stops, and our pid may be reused by another process
            for (int i = 0; i < modes.length; i++) {
                if (modes[i] == Mode.NOTIFY) {
                    maps.mode(BpfRawEvent.kind(i), BpfMaps.OFF);
                }
            }
            maps.unmutePid(self);
        }
        raw.close();
        ring.close();
        maps.close();
        obj.close();
        if (malformed > 0) {
            LOG.warn("bpf-lsm: {} malformed records were ignored", malformed);
        }
    }
}
