package org.esf4j.backend.bpflsm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.esf4j.api.ClientConfig;
import org.esf4j.spi.ReaderLoop;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;

/**
 * Java counterpart of {@code benchmarks/bpf/ringbuf_c --producer process}: the {@link RingBuffer}
 * consumer against {@code benchmarks/bpf/ringbuf.bpf.o}, following the protocol at the top of
 * {@code benchmarks/bpf/ringbuf.bpf.c}. A {@code main} class, not a test (surefire runs
 * {@code *Test} classes only); {@code benchmarks/bpf/run} runs it next to the C baseline.
 *
 * <p>The producer is the {@code trigger} program pinned to {@code --producer-cpu}; each of its
 * {@code getppid()} calls while its pid is in the {@code target} map yields one record of
 * {@link EventRecord#SIZE} bytes (or one counted drop). The consumer is the backend's: a
 * {@link ReaderLoop} thread (started by the main thread, pinned to {@code --consumer-cpu}, whose
 * CPU it inherits) whose agent calls {@link RingBuffer#poll}:
 * <ul>
 *   <li>{@code epoll}: {@link ClientConfig.ReaderMode#BLOCKING}, drain until empty, then
 *       {@code epoll_wait} on the map fd;</li>
 *   <li>{@code spin}: {@link ClientConfig.ReaderMode#SPINNING}, poll in a loop, never sleeping.</li>
 * </ul>
 * Every record is decoded in place with {@link EventRecord}: size, type, pid and the producing
 * CPU's sequence (in {@code flags}, the CPU in {@code ppid}) are checked as the C consumer checks
 * them, and the delivery latency {@code System.nanoTime() - ktime_ns} (both CLOCK_MONOTONIC on
 * Linux) goes into the same log-linear histogram as the C side's (64 sub-buckets per power of
 * two, preallocated; the max is exact). Nothing is allocated per record; the bytes the consumer
 * thread allocates during the measured run are reported per event.
 *
 * <p>Before the measured run, a warm-up run of {@code --warmup} seconds (its own trigger process,
 * not counted) lets the JIT compile the consume loop, so that the figures are the steady state
 * of a long-running consumer. The measured run's drops and sequence gaps are counted from the
 * state the warm-up left.
 *
 * <p>Output, one line, the keys of the C baseline's line, then the JVM's own:
 * <pre>
 * ringbuf java-&lt;mode&gt; producer=process producer_cpu=P consumer_cpu=C ring_bytes=B seconds=S rate=R
 *   produced=N consumed=N drops=N lost=N gaps=N bad=N polls=N events_per_s=X p50_us=X p90_us=X
 *   p99_us=X p999_us=X max_us=X alloc_bytes=N alloc_bytes_per_event=X binding=ffm|jna jdk=N warmup=S
 * </pre>
 * Run (root; the test classes and the test class path of backend-bpf-lsm):
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... org.esf4j.backend.bpflsm.RingBufferBench
 *   --object benchmarks/bpf/ringbuf.bpf.o --trigger benchmarks/bpf/target/trigger
 *   [--seconds N] [--rate N] [--ring-bytes N] [--mode epoll|spin] [--producer-cpu N]
 *   [--consumer-cpu N] [--warmup S]
 * </pre>
 * The binding is the usual choice ({@code -Desf4j.native.binding=ffm|jna}). Exit status: 0 when
 * every call is accounted for (consumed + drops, gaps = drops, nothing bad), 2 when not, 1 on
 * errors, 64 on usage errors.
 */
public final class RingBufferBench {

    /** The type the producer writes ({@code ESF4J_OPEN}, {@code EventKind.FILE_OPEN.id()}). */
    private static final int ESF4J_OPEN = 2;

    private RingBufferBench() {
    }

    // ---- log-linear latency histogram (ns), as in ringbuf_c.c -----------------------------------

    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = 64 * SUB;

    /** Latency histogram; preallocated, {@link #record} allocates nothing. */
    static final class Histogram {
        final long[] counts = new long[BUCKETS];
        long n;
        long max;

        static int bucketOf(long v) {
            if (v < SUB) {
                return (int) v;
            }
            int e = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
            return (e - SUB_BITS + 1) * SUB + (int) ((v >>> (e - SUB_BITS)) & (SUB - 1));
        }

        static long bucketHigh(int b) { // largest value in bucket b
            if (b < SUB) {
                return b;
            }
            int e = b / SUB + SUB_BITS - 1;
            int sub = b % SUB;
            return (((long) (SUB + sub) + 1) << (e - SUB_BITS)) - 1;
        }

        void record(long v) {
            counts[bucketOf(v)]++;
            n++;
            if (v > max) {
                max = v;
            }
        }

        void reset() {
            java.util.Arrays.fill(counts, 0);
            n = 0;
            max = 0;
        }

        double percentileMicros(double p) {
            if (n == 0) {
                return 0;
            }
            long rank = Math.max(1, (long) (p * n + 0.5));
            long seen = 0;
            for (int b = 0; b < BUCKETS; b++) {
                seen += counts[b];
                if (seen >= rank) {
                    return Math.min(bucketHigh(b), max) / 1000.0;
                }
            }
            return max / 1000.0;
        }
    }

    // ---- the record handler ------------------------------------------------------------------------

    /** Checks and times each record in place; allocates nothing. */
    static final class Consumer implements RingBuffer.RecordHandler {
        final EventRecord record = new EventRecord();
        final Histogram histogram = new Histogram();
        final long[] lastSeq;
        int pid;
        long consumed;
        long bad;
        long gaps;
        long lastRecordNanos;

        Consumer(int ncpus) {
            lastSeq = new long[ncpus];
        }

        @Override
        public void onRecord(ByteBuffer data, int offset, int length) {
            long now = System.nanoTime();
            if (length != EventRecord.SIZE) {
                bad++;
                return;
            }
            EventRecord e = record.wrap(data, offset);
            int cpu = e.ppid();
            long seq = Integer.toUnsignedLong(e.flags());
            if (e.type() != ESF4J_OPEN || e.pid() != pid || cpu < 0 || cpu >= lastSeq.length || seq <= lastSeq[cpu]) {
                bad++;
                return;
            }
            gaps += seq - lastSeq[cpu] - 1;
            lastSeq[cpu] = seq;
            long kt = e.ktimeNanos();
            histogram.record(now > kt ? now - kt : 0);
            consumed++;
            lastRecordNanos = now;
        }

        /** Starts a new count, keeping the sequence seen so far. */
        void reset(int newPid) {
            pid = newPid;
            consumed = 0;
            bad = 0;
            gaps = 0;
            lastRecordNanos = 0;
            histogram.reset();
        }
    }

    // ---- options -----------------------------------------------------------------------------------

    private static Path object;
    private static Path trigger;
    private static double seconds = 5;
    private static long rate;
    private static int ringBytes = 1 << 22;
    private static boolean spin;
    private static int producerCpu;
    private static int consumerCpu = 1;
    private static double warmup = 1;

    private static void usage() {
        System.err.println("usage: RingBufferBench --object PATH --trigger PATH [--seconds N] [--rate N] [--ring-bytes N]\n"
                + "                       [--mode epoll|spin] [--producer-cpu N] [--consumer-cpu N] [--warmup S]");
        System.exit(64);
    }

    private static void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                usage();
            }
            String v = args[++i];
            switch (args[i - 1]) {
                case "--object": object = Path.of(v); break;
                case "--trigger": trigger = Path.of(v); break;
                case "--seconds": seconds = Double.parseDouble(v); break;
                case "--rate": rate = Long.parseLong(v); break;
                case "--ring-bytes": ringBytes = Integer.decode(v); break;
                case "--mode":
                    if (!v.equals("epoll") && !v.equals("spin")) {
                        usage();
                    }
                    spin = v.equals("spin");
                    break;
                case "--producer-cpu": producerCpu = Integer.parseInt(v); break;
                case "--consumer-cpu": consumerCpu = Integer.parseInt(v); break;
                case "--warmup": warmup = Double.parseDouble(v); break;
                default: usage();
            }
        }
        if (object == null || trigger == null || seconds <= 0 || warmup < 0) {
            usage();
        }
    }

    // ---- main --------------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        try {
            parse(args);
        } catch (NumberFormatException e) {
            usage();
        }
        NativeOps ops = Natives.get();
        LibBpf bpf = LibBpf.get();
        int ncpus = bpf.numPossibleCpus();
        if (ncpus <= 0 || ncpus > 64) {
            fail("libbpf_num_possible_cpus() = " + ncpus);
        }
        int rc = ops.setAffinity(1L << consumerCpu);
        if (rc < 0) {
            fail("cannot pin to CPU " + consumerCpu + ": errno " + -rc);
        }

        try (BpfObject obj = BpfObject.load(bpf, ops, Files.readAllBytes(object), ringBytes, null);
                NativeBuffer key = ops.allocate(8);
                NativeBuffer value = ops.allocate(8 * ncpus)) {
            int targetFd = obj.mapFd("target");
            int dropsFd = obj.mapFd("drops");
            int seqFd = obj.mapFd("seq");
            obj.attach("ringbuf_produce"); // nothing fires until "target" names a process
            Consumer c = new Consumer(ncpus);
            int ringFd = obj.mapFd("events");
            try (RingBuffer ring = new RingBuffer(ops, ringFd, ringBytes)) {
                if (warmup > 0) {
                    run(ops, bpf, ring, ringFd, c, targetFd, key, value, warmup);
                }
                // count from here: what the warm-up dropped, and its sequence numbers
                long dropsBefore = perCpuSum(bpf, dropsFd, key, value, ESF4J_OPEN);
                readPerCpu(bpf, seqFd, key, value, 0, c.lastSeq);
                Result r = run(ops, bpf, ring, ringFd, c, targetFd, key, value, seconds);
                long drops = perCpuSum(bpf, dropsFd, key, value, ESF4J_OPEN) - dropsBefore;
                // records dropped after each CPU's last consumed one are gaps too
                long[] last = new long[ncpus];
                readPerCpu(bpf, seqFd, key, value, 0, last);
                long gaps = c.gaps;
                for (int i = 0; i < ncpus; i++) {
                    gaps += last[i] - c.lastSeq[i];
                }
                long end = c.lastRecordNanos > r.startNanos ? c.lastRecordNanos : System.nanoTime();
                double elapsed = (end - r.startNanos) / 1e9;
                long lost = r.calls - c.consumed - drops;
                Histogram h = c.histogram;
                System.out.println(String.format(Locale.ROOT,
                        "ringbuf java-%s producer=process producer_cpu=%d consumer_cpu=%d ring_bytes=%d seconds=%s"
                        + " rate=%d produced=%d consumed=%d drops=%d lost=%d gaps=%d bad=%d polls=%d events_per_s=%.0f"
                        + " p50_us=%.2f p90_us=%.2f p99_us=%.2f p999_us=%.2f max_us=%.2f alloc_bytes=%d"
                        + " alloc_bytes_per_event=%.4f binding=%s jdk=%d warmup=%s",
                        spin ? "spin" : "epoll", producerCpu, consumerCpu, ringBytes, num(seconds), rate, r.calls,
                        c.consumed, drops, lost, gaps, c.bad, r.polls, c.consumed / elapsed,
                        h.percentileMicros(0.50), h.percentileMicros(0.90), h.percentileMicros(0.99),
                        h.percentileMicros(0.999), h.max / 1000.0, r.allocated,
                        c.consumed == 0 ? 0.0 : (double) r.allocated / c.consumed, ops.binding(),
                        Runtime.version().feature(), num(warmup)));
                System.exit(lost == 0 && gaps == drops && c.bad == 0 ? 0 : 2);
            }
        }
    }

    private static String num(double d) { // as C's %g for the values used here
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static void fail(String message) {
        System.err.println("RingBufferBench: " + message);
        System.exit(1);
    }

    /** One trigger run: its calls, the consumer's polls, the start time, the bytes allocated. */
    static final class Result {
        long calls;
        long polls;
        long startNanos;
        long allocated;
    }

    /** Runs one trigger process for {@code secs} and consumes its records into {@code c}. */
    private static Result run(NativeOps ops, LibBpf bpf, RingBuffer ring, int ringFd, Consumer c, int targetFd,
            NativeBuffer key, NativeBuffer value, double secs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(trigger.toString(), "--seconds", num(secs), "--cpu",
                Integer.toString(producerCpu), "--events", "0", "--rate", Long.toString(rate), "--wait-stdin"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();
        if (line == null || !line.equals("trigger pid=" + p.pid())) {
            p.destroy();
            fail(trigger + " did not start: " + line);
        }
        int pid = (int) p.pid();
        setTarget(bpf, targetFd, key, value, pid);
        c.reset(pid);
        Result r = new Result();
        Reader agent = new Reader(ring, c);
        ReaderLoop loop = new ReaderLoop("ringbuf-bench-reader",
                spin ? ClientConfig.ReaderMode.SPINNING : ClientConfig.ReaderMode.BLOCKING, ops, agent, ringFd);
        loop.start();
        long a0 = allocatedBytes(loop.thread().getId());
        OutputStream in = p.getOutputStream();
        r.startNanos = System.nanoTime();
        in.write('\n');
        in.flush();
        int status = p.waitFor();
        // its last submit happened before it exited: the final drain reads every record
        if (!loop.stop(30_000, 60_000)) {
            fail("the reader did not stop");
        }
        loop.close();
        r.polls = agent.polls;
        r.allocated = agent.allocatedAtStop - a0;
        in.close();
        line = out.readLine();
        String prefix = "trigger calls=";
        if (status != 0 || line == null || !line.startsWith(prefix)) {
            fail(trigger + " failed: exit status " + status + ", " + line);
        }
        r.calls = Long.parseLong(line.substring(prefix.length(), line.indexOf(' ', prefix.length())));
        setTarget(bpf, targetFd, key, value, 0);
        return r;
    }

    /** The reader's work: drain the ring; counts the polls that found records. Allocates nothing. */
    static final class Reader implements ReaderLoop.Agent {
        final RingBuffer ring;
        final Consumer consumer;
        long polls;
        long allocatedAtStop;

        Reader(RingBuffer ring, Consumer consumer) {
            this.ring = ring;
            this.consumer = consumer;
        }

        @Override
        public int doWork() {
            int n = ring.poll(consumer, Integer.MAX_VALUE);
            if (n > 0) {
                polls++;
            }
            return n;
        }

        @Override
        public void onStop() {
            allocatedAtStop = allocatedBytes(Thread.currentThread().getId());
        }

        @Override
        public void onError(Throwable t) {
            t.printStackTrace();
            consumer.bad++;
        }
    }

    /*
     * com.sun.management.ThreadMXBean.getThreadAllocatedBytes(long), looked up reflectively: the
     * tests compile inside the backend's module, which does not read java.management; the
     * benchmark runs on the class path, where it is readable.
     */
    private static final Object THREAD_MX;
    private static final MethodHandle THREAD_ALLOCATED_BYTES;

    static {
        try {
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            Object bean = factory.getMethod("getThreadMXBean").invoke(null);
            Class<?> sun = Class.forName("com.sun.management.ThreadMXBean");
            sun.getMethod("setThreadAllocatedMemoryEnabled", boolean.class).invoke(bean, true);
            THREAD_MX = bean;
            THREAD_ALLOCATED_BYTES = MethodHandles.publicLookup()
                    .findVirtual(sun, "getThreadAllocatedBytes", MethodType.methodType(long.class, long.class))
                    .asType(MethodType.methodType(long.class, Object.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Bytes the thread {@code tid} has allocated on the heap so far. */
    private static long allocatedBytes(long tid) {
        try {
            return (long) THREAD_ALLOCATED_BYTES.invokeExact(THREAD_MX, tid);
        } catch (Throwable t) {
            throw new IllegalStateException("getThreadAllocatedBytes failed", t);
        }
    }

    private static void setTarget(LibBpf bpf, int fd, NativeBuffer key, NativeBuffer value, int pid) {
        key.buffer().putInt(0, 0);
        value.buffer().putInt(0, pid);
        int rc = bpf.mapUpdate(fd, key.address(), value.address(), LibBpf.BPF_ANY);
        if (rc < 0) {
            fail("cannot set target: errno " + -rc);
        }
    }

    private static void readPerCpu(LibBpf bpf, int fd, NativeBuffer key, NativeBuffer value, int k, long[] into) {
        key.buffer().putInt(0, k);
        int rc = bpf.mapLookup(fd, key.address(), value.address());
        if (rc < 0) {
            fail("per-CPU map lookup failed: errno " + -rc);
        }
        for (int i = 0; i < into.length; i++) {
            into[i] = value.buffer().getLong(8 * i);
        }
    }

    private static long perCpuSum(LibBpf bpf, int fd, NativeBuffer key, NativeBuffer value, int k) {
        long[] v = new long[value.size() / 8];
        readPerCpu(bpf, fd, key, value, k, v);
        long sum = 0;
        for (long x : v) {
            sum += x;
        }
        return sum;
    }
}
