/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A userspace trusted modeling agent: the security model of a workload, as TSEM defines it. Each
 * event's security state coefficient (see {@link TsemCoefficients}) is a point; a workload run
 * in {@linkplain #learning learning} mode (TSEM's "unit test" of a workload) collects its points;
 * a {@linkplain #sealed() sealed} model marks every event whose point it lacks as outside the model
 * (the task is then released {@code untrusted}, and the event is kept as forensics).
 *
 * <p>The {@linkplain #measurement() measurement} and {@linkplain #state() state} are TSEM's: with
 * {@code project(x) = HF(base ‖ x)} ({@code base} zero unless given), the measurement starts at zero,
 * takes the namespace's aggregate and then every new point in the order seen
 * ({@code M = HF(M ‖ project(x))}), a loaded model's points coming first in file order; the state starts from {@code HF(zero ‖ project(aggregate))} and
 * takes every point, valid and forensic, in ascending byte order.
 *
 * <p>The file format is the one TSEM's orchestrators write and load, line by line:
 * {@code aggregate HEX}, one {@code state HEX} per point, optional {@code pseudonym HEX} and
 * {@code base HEX}, then {@code seal} and {@code end}; {@code #} starts a comment. esf4j adds a
 * comment {@code # digest NAME} naming the hash (a file without it is read as {@code sha256}).
 *
 * <p>Thread-safe: the backend's reader observes events while users read the figures.
 *
 * @since 0.2
 */
public final class TsemModel {

    private static final HexFormat HEX = HexFormat.of();

    private final String digestName;
    private final boolean sealed;
    private final TsemCoefficients coefficients;
    private final int ds;
    /** Points of the model (learnt, or loaded): hex to the number of events that had it. */
    private final Map<Point, long[]> points = new LinkedHashMap<>();
    private final Map<Point, long[]> forensics = new LinkedHashMap<>();
    private final Point probe = new Point(new byte[0]);
    /** How many forensics records are kept (the points themselves are all kept). */
    static final int MAX_FORENSIC_RECORDS = 1000;
    private final List<String> forensicRecords = new ArrayList<>();
    private final List<byte[]> pseudonyms = new ArrayList<>();
    private byte[] base;
    private byte[] aggregate;
    private byte[] measurement;
    private final byte[] last;
    private boolean lastValid;
    private long events;
    private long outside;
    private long esf4jOwn;
    private long taskIdMatches;
    private long taskIdMismatches;
    private final TsemRecord streamRecord = new TsemRecord();

    private TsemModel(String digestName, boolean sealed) {
        this.digestName = digestName.toLowerCase(Locale.ROOT);
        this.sealed = sealed;
        this.coefficients = new TsemCoefficients(this.digestName);
        this.ds = coefficients.size();
        this.base = new byte[ds];
        this.last = new byte[ds];
    }

    /**
     * A model that learns: every event's point is added and the task released {@code trusted}
     * (unless a handler says otherwise).
     *
     * @param digest the namespace's hash by its kernel name, e.g. {@code sha256}
     * @return the model
     */
    public static TsemModel learning(String digest) {
        return new TsemModel(digest, false);
    }

    /**
     * A sealed copy of this model: the same points, pseudonyms and base; an event whose point it
     * lacks is outside the model.
     *
     * @return the copy, with no events counted yet
     */
    public synchronized TsemModel sealed() {
        TsemModel m = new TsemModel(digestName, true);
        m.copyFrom(this);
        return m;
    }

    private void copyFrom(TsemModel o) {
        for (Point p : o.points.keySet()) {
            points.put(new Point(p.bytes.clone()), new long[1]);
        }
        pseudonyms.addAll(o.pseudonyms);
        base = o.base.clone();
        coefficients.pseudonyms(pseudonyms.toArray(new byte[0][]));
    }

    /**
     * Reads a model file.
     *
     * @param file the file
     * @return the model, sealed when the file says {@code seal}
     * @throws IOException when it cannot be read
     * @throws IllegalArgumentException when a line is not one of the format's
     */
    public static TsemModel load(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.US_ASCII), file.toString());
    }

    static TsemModel parse(List<String> lines, String where) {
        String digest = "sha256";
        for (String l : lines) {
            String t = l.strip();
            if (t.startsWith("# digest ")) {
                digest = t.substring("# digest ".length()).strip();
            }
        }
        boolean seal = lines.stream().anyMatch(l -> l.strip().equals("seal"));
        TsemModel m = new TsemModel(digest, seal);
        int no = 0;
        boolean ended = false;
        for (String l : lines) {
            no++;
            String t = l.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (ended) {
                throw new IllegalArgumentException(where + ":" + no + ": text after 'end'");
            }
            String[] f = t.split("\\s+");
            switch (f[0]) {
                case "aggregate" -> m.aggregate = m.hex(f, where, no);
                case "state" -> m.points.putIfAbsent(new Point(m.hex(f, where, no)), new long[1]);
                case "pseudonym" -> m.pseudonyms.add(m.hex(f, where, no));
                case "base" -> m.base = m.hex(f, where, no);
                case "seal" -> { }
                case "end" -> ended = true;
                case "key", "signature" -> throw new IllegalArgumentException(where + ":" + no
                        + ": signed models are not supported");
                default -> throw new IllegalArgumentException(where + ":" + no + ": unknown line '" + f[0]
                        + "' (expected aggregate, state, pseudonym, base, seal, end or #)");
            }
        }
        m.coefficients.pseudonyms(m.pseudonyms.toArray(new byte[0][]));
        return m;
    }

    private byte[] hex(String[] f, String where, int no) {
        if (f.length != 2 || f[1].length() != 2 * ds) {
            throw new IllegalArgumentException(where + ":" + no + ": '" + f[0] + "' takes one value of " + 2 * ds
                    + " hex digits (" + digestName + ")");
        }
        try {
            return HEX.parseHex(f[1].toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ":" + no + ": not hex: " + f[1], e);
        }
    }

    /**
     * Writes the model: the aggregate it saw (zeros when none), its points in the order learnt,
     * its pseudonyms and base, {@code seal}, {@code end}.
     *
     * @param file the file (replaced)
     * @throws IOException when it cannot be written
     */
    public synchronized void save(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        out.add("# esf4j TSEM model: " + points.size() + " points, " + events + " events");
        out.add("# digest " + digestName);
        out.add("aggregate " + HEX.formatHex(aggregate != null ? aggregate : new byte[ds]));
        if (!Arrays.equals(base, new byte[ds])) {
            out.add("base " + HEX.formatHex(base));
        }
        for (byte[] p : pseudonyms) {
            out.add("pseudonym " + HEX.formatHex(p));
        }
        for (Point p : points.keySet()) {
            out.add("state " + p);
        }
        out.add("seal");
        out.add("end");
        Files.write(file, out, StandardCharsets.US_ASCII);
    }

    /**
     * Adds a pseudonym: the file at {@code pathname} is modeled without its content (its digest
     * replaced by the zero digest), for files whose content legitimately changes.
     *
     * @param pathname an absolute path as TSEM reports it
     * @return this model
     */
    public synchronized TsemModel pseudonym(String pathname) {
        byte[] p = pathname.getBytes(StandardCharsets.UTF_8);
        TsemDigest d = TsemDigest.of(digestName);
        d.update(new byte[] {(byte) p.length, (byte) (p.length >>> 8), (byte) (p.length >>> 16),
            (byte) (p.length >>> 24)});
        d.update(p);
        pseudonyms.add(d.finish());
        coefficients.pseudonyms(pseudonyms.toArray(new byte[0][]));
        return this;
    }

    // ------------------------------------------------------------------ the agent

    /** The namespace's first record. */
    synchronized void aggregate(TsemRecord r) {
        if (r.valueLen != 2 * ds) {
            throw new IllegalArgumentException("an aggregate of " + r.valueLen / 2 + " bytes for " + digestName);
        }
        aggregate = HEX.parseHex(r.ascii(r.valueOff, r.valueLen));
        measurement = extend(new byte[ds], aggregate);
        // as the kernel does when a model is loaded: its points extend the measurement after the aggregate
        for (Point p : points.keySet()) {
            measurement = extend(measurement, p.bytes);
        }
    }

    /**
     * Models one event.
     *
     * @return whether the task stays trusted (false: a sealed model lacks the event's point)
     */
    synchronized boolean observe(TsemRecord r) {
        coefficients.coefficient(r, last);
        lastValid = true;
        if (!coefficients.kernelExact()) {
            esf4jOwn++;
        }
        events++;
        probe.set(last);
        long[] count = points.get(probe);
        if (count != null) {
            count[0]++;
            return true;
        }
        if (sealed) {
            outside++;
            long[] f = forensics.get(probe);
            if (f == null) {
                forensics.put(new Point(last.clone()), new long[] {1});
                if (forensicRecords.size() < MAX_FORENSIC_RECORDS) {
                    // as TSEM's forensics file: the event's record (without the export member)
                    forensicRecords.add(new String(r.buffer(), r.start(), r.length() - r.start(),
                            java.nio.charset.StandardCharsets.UTF_8).strip());
                }
                extendMeasurement(last);
            } else {
                f[0]++;
            }
            return false;
        }
        points.put(new Point(last.clone()), new long[] {1});
        extendMeasurement(last);
        return true;
    }

    /**
     * Models a stream of TSEM export records, one per line, as an orchestrator reads them (a saved
     * run, or a benchmark's input): the aggregate record sets the aggregate, event records are
     * modeled, log records are skipped.
     *
     * @param stream the records
     * @param offset where the first starts
     * @param length the stream's length
     * @return how many events were outside a sealed model
     * @throws IllegalArgumentException at the first record that is not a TSEM record, with its offset
     */
    public long observeAll(byte[] stream, int offset, int length) {
        long outsideBefore = outside;
        TsemRecords.each(streamRecord, stream, offset, length, r -> {
            if (r.exportType == TsemRecord.AGGREGATE) {
                aggregate(r);
            } else if (r.exportType == TsemRecord.EVENT || r.exportType == TsemRecord.ASYNC_EVENT) {
                observe(r);
            }
        });
        return outside - outsideBefore;
    }

    /**
     * The TASK_ID that executing the program of {@code execOpen} gives the task (see
     * {@link TsemCoefficients#taskId}).
     *
     * @return the digest, or null when the record is not the kernel's open of a program
     */
    synchronized byte[] expectedTaskId(TsemRecord execOpen) {
        byte[] out = new byte[ds];
        return coefficients.taskId(execOpen, out) ? out : null;
    }

    /** Counts a record's task_id after an exec held to the computed one. */
    synchronized void taskIdChecked(boolean match) {
        if (match) {
            taskIdMatches++;
        } else {
            taskIdMismatches++;
        }
    }

    /**
     * @return how many execs gave the task the TASK_ID computed from the program's open (the
     *         kernel's, or an emulator's, identity held to esf4j's computation)
     */
    public synchronized long taskIdMatches() {
        return taskIdMatches;
    }

    /** @return how many execs gave the task another TASK_ID than the one computed */
    public synchronized long taskIdMismatches() {
        return taskIdMismatches;
    }

    /** @return the last observed event's coefficient, hex, or null */
    synchronized String lastCoefficientHex() {
        return lastValid ? HEX.formatHex(last) : null;
    }

    private void extendMeasurement(byte[] point) {
        if (measurement == null) {
            measurement = new byte[ds];
        }
        measurement = extend(measurement, point);
    }

    private final byte[] projected = new byte[64];

    /** {@code value = HF(value ‖ HF(base ‖ x))}, in place. */
    private byte[] extend(byte[] value, byte[] x) {
        TsemDigest d = coefficients.digest();
        d.update(base);
        d.update(x);
        d.finish(projected, 0);
        d.update(value);
        d.update(projected, 0, ds);
        d.finish(value, 0);
        return value;
    }

    // ------------------------------------------------------------------ figures

    /** @return the digest's kernel name */
    public String digestName() {
        return digestName;
    }

    /** @return whether events outside the model make the task untrusted */
    public boolean isSealed() {
        return sealed;
    }

    /** @return the model's points (hex), in the order learnt or loaded */
    public synchronized List<String> points() {
        List<String> out = new ArrayList<>();
        points.keySet().forEach(p -> out.add(p.toString()));
        return out;
    }

    /** @return points of events outside a sealed model (hex), with how often each was seen */
    public synchronized Map<String, Long> forensics() {
        Map<String, Long> out = new LinkedHashMap<>();
        forensics.forEach((k, v) -> out.put(k.toString(), v[0]));
        return out;
    }

    /**
     * The records of the first events outside a sealed model (one per point, at most
     * {@value #MAX_FORENSIC_RECORDS}), as TSEM's forensics file keeps them: what to look at when a
     * workload leaves its model.
     *
     * @return the records' JSON text
     */
    public synchronized List<String> forensicRecords() {
        return List.copyOf(forensicRecords);
    }

    /** @return how many events were modeled */
    public synchronized long events() {
        return events;
    }

    /** @return how many events were outside the sealed model */
    public synchronized long outside() {
        return outside;
    }

    /**
     * @return how many events had a CELL esf4j hashes by its own rule (its JSON text) rather than
     *         the kernel's field layout: their points are esf4j's, not the kernel's
     */
    public synchronized long esf4jCoefficients() {
        return esf4jOwn;
    }

    /** @return the aggregate the namespace reported, hex, or null before its first record */
    public synchronized String aggregate() {
        return aggregate == null ? null : HEX.formatHex(aggregate);
    }

    /** @return the time-ordered measurement, hex (zeros before any record) */
    public synchronized String measurement() {
        return HEX.formatHex(measurement != null ? measurement : new byte[ds]);
    }

    /** @return the time-independent state over every point, valid and forensic, hex */
    public synchronized String state() {
        List<byte[]> all = new ArrayList<>();
        for (Point p : points.keySet()) {
            all.add(p.bytes);
        }
        for (Point p : forensics.keySet()) {
            all.add(p.bytes);
        }
        all.sort(Arrays::compareUnsigned);
        byte[] s = extend(new byte[ds], aggregate != null ? aggregate : new byte[ds]);
        for (byte[] p : all) {
            s = extend(s, p);
        }
        return HEX.formatHex(s);
    }

    @Override
    public synchronized String toString() {
        return (sealed ? "sealed" : "learning") + " model (" + digestName + ", " + points.size() + " points)";
    }

    /** A point as a map key; {@link #probe} is reused for lookups so that modeling allocates nothing for a known point. */
    private static final class Point {
        byte[] bytes;
        int hash;

        Point(byte[] bytes) {
            set(bytes);
        }

        void set(byte[] b) {
            bytes = b;
            hash = Arrays.hashCode(b);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Point p && Arrays.equals(bytes, p.bytes);
        }

        @Override
        public String toString() {
            return HEX.formatHex(bytes);
        }
    }
}
