package org.esf4j.benchmarks.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.esf4j.backend.audit.record.AuditEvent;
import org.esf4j.backend.audit.record.AuditRecord;
import org.esf4j.backend.audit.record.Reassembler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the audit record parser and reassembler on a real capture, the Java side of
 * {@code benchmarks/audit/run} (the C side is libauparse, {@code benchmarks/audit/auparse_bench.c}).
 *
 * <p>One operation feeds every record of the file, as (type, payload) the way a netlink reader would,
 * through {@link Reassembler#add}; the listener touches every field of every record of each
 * delivered event (key and value lengths and the value's first byte), the work auparse_bench does
 * with {@code auparse_next_field}. Records/s = records in the file / time per operation; allocation
 * per record = {@code -prof gc}'s {@code gc.alloc.rate.norm} / records (target 0).
 *
 * <p>The reassembler lives for the whole trial (its event pool and arenas are warm, as in a
 * long-running reader). Consecutive operations use copies of the file whose serials are 2^24 + 2^20
 * apart, so every pass starts a fresh serial-loss window (a discontinuity, no loss counted) and runs
 * the window's full per-record work instead of seeing the previous pass's serials again. The clock
 * is synthetic, no clock call is measured: 25 µs per record, about the rate at which the capture
 * received them (80,000 records in 2 s), so an event that never gets its EOE times out (2 s) within
 * about one pass, long before its id recurs four passes later.
 *
 * <p>{@code -p file=PATH} selects the capture (audit.log form); {@code Mode.AverageTime} in ms per
 * pass, since this measures throughput, not latency. When {@value #STATS_ENV} names a file, each
 * trial appends one line with the records of the file and the events a pass delivered.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 3, timeUnit = TimeUnit.SECONDS)
public class AuditParseBenchmark {
    /** Environment variable naming a file to which each trial appends its counts (events per pass). */
    public static final String STATS_ENV = "ESF4J_BENCH_AUDIT_STATS";

    private static final int PASSES = 4;
    private static final long PASS_SERIAL_DISTANCE = (1L << 24) + (1L << 20);
    private static final long NANOS_PER_RECORD = 25_000;

    /** The capture to replay. */
    @Param({"benchmarks/audit/target/bench-input.log"})
    public String file;

    /** Touches every field of every record of each event. */
    public static final class Toucher implements Reassembler.Listener {
        long sum;
        long events;
        long incomplete;
        long lost;
        long malformed;

        @Override
        public void onEvent(AuditEvent e) {
            events++;
            if (!e.complete()) {
                incomplete++;
            }
            long s = 0;
            for (int i = 0, n = e.recordCount(); i < n; i++) {
                AuditRecord r = e.record(i);
                byte[] b = r.buffer();
                for (int f = 0, m = r.fieldCount(); f < m; f++) {
                    int vl = r.valueLength(f);
                    s += r.keyLength(f) + vl;
                    if (vl > 0) {
                        s += b[r.valueOffset(f)];
                    }
                }
            }
            sum += s;
        }

        @Override
        public void onLost(long n, String reason) {
            lost += n;
        }

        @Override
        public void onMalformed(int type, byte[] buf, int off, int len) {
            malformed++;
        }
    }

    private AuditLogFile[] passes;
    private Reassembler reassembler;
    private Toucher toucher;
    private int pass;
    private long now;
    private long ops;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        AuditLogFile log = AuditLogFile.read(Path.of(file));
        passes = new AuditLogFile[PASSES];
        for (int i = 0; i < PASSES; i++) {
            passes[i] = log.shiftSerials(i * PASS_SERIAL_DISTANCE);
        }
        toucher = new Toucher();
        reassembler = new Reassembler(1024, 2_000_000_000L, toucher);
    }

    @Benchmark
    public long reassemble() {
        AuditLogFile log = passes[pass];
        pass = (pass + 1) % PASSES;
        Reassembler r = reassembler;
        int[] types = log.types;
        int[] offsets = log.offsets;
        int[] lengths = log.lengths;
        byte[] data = log.data;
        long t = now;
        for (int i = 0; i < types.length; i++) {
            r.add(types[i], data, offsets[i], lengths[i], t += NANOS_PER_RECORD);
        }
        now = t;
        ops++;
        return toucher.sum;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        reassembler.flush();
        // what a pass delivered, one line per trial, for benchmarks/audit/run
        String line = String.format(Locale.ROOT,
                "AUDIT_BENCH records=%d events_per_pass=%.2f incomplete_per_pass=%.2f malformed=%d lost=%d ops=%d%n",
                passes[0].size(), ops == 0 ? 0.0 : (double) toucher.events / ops,
                ops == 0 ? 0.0 : (double) toucher.incomplete / ops, toucher.malformed, toucher.lost, ops);
        String stats = System.getenv(STATS_ENV);
        if (stats != null && !stats.isEmpty()) {
            Files.writeString(Path.of(stats), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
