package org.esf4j.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.esf4j.testsuite.JsonReader;

/**
 * Turns the JMH JSON of {@code OpenLatencyBenchmark} and the trial side file into the fanotify
 * report. The last line is always {@code fanotify p50 java/c = R}.
 *
 * <pre>
 * java -cp benchmarks.jar org.esf4j.benchmarks.Report fanotify.json fanotify-responders.txt
 * </pre>
 *
 * <p>Exit status: 0 when every trial that started succeeded, 1 when a responder failed (or a
 * trial left no result), 2 when the inputs cannot be read.
 */
public final class Report {

    /** Target: Java hook-to-decision p50 at most this multiple of C's. */
    static final double RATIO_TARGET = 1.15;
    /** Target: hook-to-decision p99 in spinning mode, µs. */
    static final double SPIN_P99_TARGET_US = 40.0;
    /** A cache hit counts as "as cheap as an unmarked open" within this multiple of none's p50. */
    static final double CACHE_TARGET = 1.10;
    /** Reader allocation per event below this counts as zero (a few warm-up bytes over 10^5 events). */
    static final double ZERO_ALLOC_BYTES = 0.5;

    private static final List<String> PLACEMENTS = List.of("same-cpu", "cross-cpu");
    private static final List<String> RESPONDERS = List.of("none", "c-blocking", "c-spinning", "java-blocking",
            "java-spinning", "java-cached");

    /** One (responder, placement) row. */
    static final class Row {
        final String responder;
        final String placement;
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        double p999 = Double.NaN;
        double max = Double.NaN;
        double openerAlloc = Double.NaN;
        long samples = -1;
        boolean measured;
        boolean failed;
        boolean trialSeen;
        int started;
        int finished;
        double readerAlloc = Double.NaN;
        long events = -1;
        long opens = -1;
        final Set<String> notes = new LinkedHashSet<>();

        Row(String responder, String placement) {
            this.responder = responder;
            this.placement = placement;
        }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final PrintStream out;
    private String header = "";

    Report(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: Report FANOTIFY_JSON [SIDE_FILE]");
            System.exit(2);
        }
        Report r = new Report(System.out);
        try {
            r.readJson(Path.of(args[0]));
            if (args.length == 2 && Files.exists(Path.of(args[1]))) {
                r.readSideFile(Path.of(args[1]));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("Report: cannot read the results: " + e);
            System.out.println("fanotify p50 java/c = n/a");
            System.exit(2);
        }
        System.exit(r.print());
    }

    private Row row(String responder, String placement) {
        return rows.computeIfAbsent(responder + "|" + placement, k -> new Row(responder, placement));
    }

    @SuppressWarnings("unchecked")
    void readJson(Path json) throws IOException {
        String text = Files.readString(json, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return; // JMH wrote nothing: every trial failed
        }
        List<Object> results = (List<Object>) JsonReader.parse(text);
        for (Object o : results) {
            Map<String, Object> r = (Map<String, Object>) o;
            if (!String.valueOf(r.get("benchmark")).contains("OpenLatencyBenchmark")) {
                continue;
            }
            Map<String, Object> params = (Map<String, Object>) r.getOrDefault("params", Map.of());
            Row row = row(String.valueOf(params.get("responder")), String.valueOf(params.get("placement")));
            Map<String, Object> primary = (Map<String, Object>) r.get("primaryMetric");
            Map<String, Object> pct = (Map<String, Object>) primary.get("scorePercentiles");
            row.p50 = num(pct.get("50.0"));
            row.p99 = num(pct.get("99.0"));
            row.p999 = num(pct.get("99.9"));
            row.max = num(pct.get("100.0"));
            row.samples = countSamples(primary.get("rawDataHistogram"));
            row.measured = true;
            Map<String, Object> secondary = (Map<String, Object>) r.getOrDefault("secondaryMetrics", Map.of());
            for (Map.Entry<String, Object> e : secondary.entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    row.openerAlloc = num(((Map<String, Object>) e.getValue()).get("score"));
                }
            }
            if (header.isEmpty()) {
                header = String.format(Locale.ROOT, "JDK %s, %d fork(s), warm-up %d x %s, measurement %d x %s",
                        r.get("jdkVersion"), (long) num(r.get("forks")), (long) num(r.get("warmupIterations")),
                        r.get("warmupTime"), (long) num(r.get("measurementIterations")), r.get("measurementTime"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static long countSamples(Object histogram) {
        if (!(histogram instanceof List<?> forks)) {
            return -1;
        }
        long n = 0;
        for (Object fork : forks) {
            for (Object iteration : (List<Object>) fork) {
                for (Object pair : (List<Object>) iteration) {
                    n += (long) num(((List<Object>) pair).get(1));
                }
            }
        }
        return n;
    }

    void readSideFile(Path side) throws IOException {
        for (String line : Files.readAllLines(side, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> kv = new LinkedHashMap<>();
            int note = line.indexOf(" note=");
            String fields = note < 0 ? line : line.substring(0, note);
            kv.put("note", note < 0 ? "" : line.substring(note + " note=".length()).trim());
            for (String f : fields.trim().split("\\s+")) {
                int eq = f.indexOf('=');
                if (eq > 0) {
                    kv.put(f.substring(0, eq), f.substring(eq + 1));
                }
            }
            Row row = row(kv.getOrDefault("responder", "?"), kv.getOrDefault("placement", "?"));
            row.trialSeen = true;
            if ("START".equals(kv.get("status"))) {
                row.started++;
                continue;
            }
            row.finished++;
            if (!"OK".equals(kv.get("status"))) {
                row.failed = true;
            }
            if (!kv.get("note").isEmpty()) {
                row.notes.add(kv.get("note"));
            }
            long events = parseLong(kv.get("events"));
            if (events >= 0) {
                row.events = Math.max(row.events, 0) + events;
            }
            long opens = parseLong(kv.get("opens"));
            if (opens >= 0) {
                row.opens = Math.max(row.opens, 0) + opens;
            }
            double alloc = num(kv.get("reader_alloc_per_event"));
            if (!Double.isNaN(alloc)) {
                row.readerAlloc = Double.isNaN(row.readerAlloc) ? alloc : Math.max(row.readerAlloc, alloc);
            }
        }
    }

    /** Prints the report; returns the exit status. */
    int print() {
        for (Row row : rows.values()) {
            if (row.started > row.finished) {
                row.failed = true;
                row.notes.add("a trial did not finish (its fork died)");
            }
        }
        List<Row> ordered = new ArrayList<>();
        for (String p : PLACEMENTS) {
            for (String r : RESPONDERS) {
                Row row = rows.get(r + "|" + p);
                if (row != null) {
                    ordered.add(row);
                }
            }
        }
        for (Row row : rows.values()) {
            if (!ordered.contains(row)) {
                ordered.add(row);
            }
        }
        int status = 0;
        out.println("fanotify open() latency in us (JMH SampleTime; "
                + (header.isEmpty() ? "no JMH results" : header) + ")");
        out.println("h2d = hook-to-decision = open() latency minus the unmarked open() ('none') at the same placement");
        out.printf(Locale.ROOT, "%-10s %-14s %8s %8s %8s %9s | %8s %8s %9s | %9s %8s %8s  %s%n", "placement",
                "responder", "p50", "p99", "p99.9", "max", "h2d p50", "h2d p99", "h2d p99.9", "samples",
                "open B/op", "rdr B/ev", "notes");
        String lastPlacement = null;
        for (Row row : ordered) {
            if (lastPlacement != null && !lastPlacement.equals(row.placement)) {
                out.println();
            }
            lastPlacement = row.placement;
            Row none = rows.get("none|" + row.placement);
            boolean isNone = row.responder.equals("none");
            List<String> notes = new ArrayList<>();
            if (row.failed || (row.trialSeen && !row.measured)) {
                status = 1;
                notes.add("FAILED" + (row.notes.isEmpty() ? " (no JMH result)" : ": " + String.join("; ", row.notes)));
            } else {
                notes.addAll(row.notes);
            }
            if (row.responder.contains("spinning") && row.measured) {
                double h99 = minus(row.p99, none == null ? Double.NaN : none.p99);
                notes.add(Double.isNaN(h99) ? "h2d p99 <= 40: n/a"
                        : String.format(Locale.ROOT, "h2d p99 <= 40: %s", h99 <= SPIN_P99_TARGET_US ? "yes" : "NO"));
            }
            if (row.responder.contains("cached") && row.events >= 0 && row.opens > 0) {
                notes.add(String.format(Locale.ROOT, "%d of %d opens reached user space", row.events, row.opens));
            }
            out.printf(Locale.ROOT, "%-10s %-14s %8s %8s %8s %9s | %8s %8s %9s | %9s %8s %8s  %s%n",
                    row.placement, row.responder, f(row.p50), f(row.p99), f(row.p999), f(row.max),
                    isNone ? "-" : f(minus(row.p50, none == null ? Double.NaN : none.p50)),
                    isNone ? "-" : f(minus(row.p99, none == null ? Double.NaN : none.p99)),
                    isNone ? "-" : f(minus(row.p999, none == null ? Double.NaN : none.p999)),
                    row.samples < 0 ? "-" : Long.toString(row.samples), f(row.openerAlloc),
                    row.responder.startsWith("java") ? f(row.readerAlloc) : "-", String.join("; ", notes));
        }
        out.println();

        for (String mode : List.of("blocking", "spinning")) {
            StringBuilder sb = new StringBuilder("java/c p50 ratio (h2d), " + mode + ":");
            for (String p : PLACEMENTS) {
                sb.append(String.format(Locale.ROOT, "  %s %s", p, ratio(h2dP50("java-" + mode, p), h2dP50("c-" + mode, p))));
            }
            out.println(sb);
        }
        for (String p : PLACEMENTS) {
            Row cached = measured("java-cached", p);
            Row none = measured("none", p);
            if (cached != null && none != null) {
                out.printf(Locale.ROOT, "cache hit, %s: java-cached p50 %s us vs none %s us (x%s, +%s us); p99 %s vs %s us%n",
                        p, f(cached.p50), f(none.p50), ratio(cached.p50, none.p50), f(cached.p50 - none.p50),
                        f(cached.p99), f(none.p99));
            }
        }

        double bestJava = best(List.of("java-blocking", "java-spinning"));
        double bestC = best(List.of("c-blocking", "c-spinning"));
        String r = ratio(bestJava, bestC);
        for (String t : targets(r)) {
            out.println("target: " + t);
        }
        out.println("fanotify p50 java/c = " + r);
        return status;
    }

    private List<String> targets(String r) {
        List<String> t = new ArrayList<>();
        t.add("java <= " + RATIO_TARGET + "x C at p50: " + (r.equals("n/a") ? "n/a"
                : (Double.parseDouble(r) <= RATIO_TARGET ? "PASS" : "FAIL") + " (" + r + ")"));
        List<String> javaSpin = new ArrayList<>();
        List<String> cSpin = new ArrayList<>();
        boolean spinPass = false;
        for (String p : PLACEMENTS) {
            Row none = measured("none", p);
            Row j = measured("java-spinning", p);
            Row c = measured("c-spinning", p);
            if (none != null && j != null) {
                javaSpin.add(p + " " + f(j.p99 - none.p99));
                spinPass |= j.p99 - none.p99 <= SPIN_P99_TARGET_US;
            }
            if (none != null && c != null) {
                cSpin.add(p + " " + f(c.p99 - none.p99));
            }
        }
        String cRef = "C: " + (cSpin.isEmpty() ? "n/a" : String.join(", ", cSpin));
        if (!javaSpin.isEmpty()) {
            t.add("java spinning h2d p99 <= " + f(SPIN_P99_TARGET_US) + " us (best placement): "
                    + (spinPass ? "PASS" : "FAIL") + " (" + String.join(", ", javaSpin) + "; " + cRef + ")");
        } else if (!cSpin.isEmpty()) {
            t.add("spinning h2d p99 <= " + f(SPIN_P99_TARGET_US) + " us: java n/a (" + cRef + ")");
        }
        List<String> alloc = new ArrayList<>();
        boolean zero = true;
        for (Row row : rows.values()) {
            if (row.responder.startsWith("java") && !row.responder.contains("cached") && !Double.isNaN(row.readerAlloc)) {
                alloc.add(row.responder + "/" + row.placement + " " + f(row.readerAlloc));
                zero &= row.readerAlloc < ZERO_ALLOC_BYTES;
            }
        }
        if (!alloc.isEmpty()) {
            t.add("reader 0 B/event: " + (zero ? "PASS" : "FAIL") + " (" + String.join(", ", alloc) + ")");
        }
        List<String> cache = new ArrayList<>();
        boolean cheap = true;
        for (String p : PLACEMENTS) {
            Row c = measured("java-cached", p);
            Row none = measured("none", p);
            if (c != null && none != null) {
                cache.add(p + " x" + ratio(c.p50, none.p50));
                cheap &= c.p50 <= CACHE_TARGET * none.p50;
            }
        }
        if (!cache.isEmpty()) {
            t.add("cache hit <= " + CACHE_TARGET + "x unmarked p50: " + (cheap ? "PASS" : "FAIL") + " ("
                    + String.join(", ", cache) + ")");
        }
        return t;
    }

    private Row measured(String responder, String placement) {
        Row r = rows.get(responder + "|" + placement);
        return r != null && r.measured && !r.failed ? r : null;
    }

    private double h2dP50(String responder, String placement) {
        Row r = measured(responder, placement);
        Row none = measured("none", placement);
        return r == null || none == null ? Double.NaN : r.p50 - none.p50;
    }

    /** Smallest hook-to-decision p50 of the responders over both placements. */
    private double best(List<String> responders) {
        double best = Double.NaN;
        for (String r : responders) {
            for (String p : PLACEMENTS) {
                double v = h2dP50(r, p);
                if (!Double.isNaN(v) && (Double.isNaN(best) || v < best)) {
                    best = v;
                }
            }
        }
        return best;
    }

    private static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b <= 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static double minus(double a, double b) {
        return a - b;
    }

    private static String f(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 ? "%.0f" : "%.2f", v);
    }

    private static double num(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
