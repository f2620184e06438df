package org.esf4j.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.DropNotice;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.ProbeReport;
import org.esf4j.api.Rule;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;

/**
 * {@code esf4j probe | watch | enforce}: the runnable face of the library.
 *
 * <pre>
 * esf4j probe [--json]
 * esf4j coverage
 * esf4j watch   [--events exec,open,bind,connect,uring] [--backend NAME] [--path SCOPE] [--json]
 * esf4j enforce [--deny-exec PATH]... [--deny-open PATH]... [--deny-connect CIDR[,PORT[-PORT]]]...
 *               [--events ...] [--path SCOPE] [--backend NAME] [--json]
 * </pre>
 * SCOPE is a path; {@code mount:PATH}, {@code fs:PATH} or {@code path:PATH} choose the kind of
 * watch (default: the mount containing PATH). Watch and enforce run until interrupted; Ctrl-C
 * closes the client, which removes every mark and answers every pending event.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "usage: esf4j probe [--json]",
            "       esf4j coverage                 (what each backend gives, per kind and field, as Markdown)",
            "       esf4j watch   [--events exec,open,bind,connect,uring] [--backend NAME] [--path SCOPE] [--json]",
            "       esf4j enforce [--deny-exec PATH]... [--deny-open PATH]... [--deny-connect CIDR[,PORT[-PORT]]]...",
            "                     [--events ...] [--path SCOPE] [--backend NAME] [--json]",
            "SCOPE: PATH (the mount containing PATH), mount:PATH, fs:PATH or path:PATH; paths are absolute",
            "--deny-exec/--deny-open PATH: the file PATH names now (hard links and renames stay denied), or",
            "                     everything under a directory; PATH must exist");

    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args command line
     */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        int rc = run(args, out, System.err);
        out.flush();
        System.exit(rc);
    }

    /**
     * Runs a command.
     *
     * @param args command line
     * @param out standard output
     * @param err standard error
     * @return exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            Options o = Options.parse(args);
            return switch (o.command) {
                case "probe" -> probe(o, out);
                case "coverage" -> {
                    out.print(CoverageTable.markdown(CoverageTable.providers()));
                    yield 0;
                }
                case "watch", "enforce" -> stream(o, out, err);
                default -> throw new IllegalArgumentException("unknown command '" + o.command + "'");
            };
        } catch (IllegalArgumentException e) {
            err.println("esf4j: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (Esf4jException e) {
            err.println("esf4j: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // never a stack trace for a user: one line, the rest in the log at debug level
            err.println("esf4j: failed: " + e);
            return 1;
        }
    }

    private static int probe(Options o, PrintStream out) {
        ProbeReport r;
        try {
            r = EndpointSecurity.probe();
        } catch (RuntimeException | LinkageError e) {
            // probe never throws; a missing engine is the only way here.
            out.println(o.json ? "{\"backends\":[],\"error\":" + quote(String.valueOf(e.getMessage())) + "}"
                    : "no esf4j engine: " + e.getMessage());
            return 0;
        }
        if (o.json) {
            out.println(r.toJson());
            return 0;
        }
        out.printf("kernel %s, java %s, probe took %.1f ms%n", r.kernelRelease(), r.javaVersion(), r.probeNanos() / 1e6);
        for (BackendStatus b : r.backends()) {
            out.printf("%-10s %s%s%n", b.name(), b.available() ? "available" : "UNAVAILABLE (" + b.reason() + ")",
                    b.binding().isEmpty() ? "" : " [" + b.binding() + "]");
            if (!b.message().isEmpty()) {
                out.println("           " + b.message());
            }
            if (!b.available() && !b.remedy().isEmpty()) {
                out.println("           remedy: " + b.remedy());
            }
            StringBuilder ev = new StringBuilder();
            // a source's own kinds of one class in one word (TSEM has a hundred); --json lists each
            java.util.Map<String, java.util.Map<org.esf4j.api.DecisionClass, java.util.List<String>>> own =
                    new java.util.TreeMap<>();
            b.offers().forEach((k, c) -> {
                if (k.isExtension()) {
                    own.computeIfAbsent(k.name().substring(0, k.name().indexOf('.')), x -> new java.util.TreeMap<>())
                            .computeIfAbsent(c, x -> new java.util.ArrayList<>()).add(k.name());
                } else {
                    ev.append(' ').append(k.name()).append('=').append(c);
                }
            });
            own.forEach((src, byClass) -> byClass.forEach((c, names) -> ev.append(' ')
                    .append(names.size() == 1 ? names.get(0) : src + ".* (" + names.size() + " kinds)").append('=')
                    .append(c)));
            out.println("           events:" + (ev.length() == 0 ? " none" : ev));
        }
        StringBuilder best = new StringBuilder();
        for (EventKind k : EventKind.known()) {
            DecisionClass c = r.bestOffers().get(k);
            best.append(' ').append(k.name()).append('=').append(c == null ? "unavailable" : c.name());
        }
        out.println("best:" + best);
        return 0;
    }

    private static int stream(Options o, PrintStream out, PrintStream err) {
        boolean enforce = o.command.equals("enforce");
        ClientConfig.Builder b = ClientConfig.builder();
        Set<EventKind> kinds = o.events;
        Set<EventKind> shown = kinds.isEmpty() ? null : Set.copyOf(kinds);
        if (enforce && kinds.isEmpty()) {
            if (!o.denyExec.isEmpty()) {
                kinds.add(EventKind.EXEC);
            }
            if (!o.denyOpen.isEmpty()) {
                kinds.add(EventKind.FILE_OPEN);
            }
            if (!o.denyConnect.isEmpty()) {
                kinds.add(EventKind.SOCKET_CONNECT);
            }
            if (kinds.isEmpty()) {
                throw new IllegalArgumentException("enforce needs --deny-exec, --deny-open or --deny-connect (or --events)");
            }
        } else if (kinds.isEmpty()) {
            kinds.add(EventKind.EXEC);
            kinds.add(EventKind.FILE_OPEN);
        }
        if (shown == null) {
            shown = Set.copyOf(kinds);
        }
        if (enforce && !o.denyExec.isEmpty() && execDecidedInUserSpace(o.backend)) {
            // an exec rule also holds the file's dynamic loader to it (ld.so FILE opens the file
            // rather than exec it): a backend decided in the engine shows that open only to a
            // client with opens in AUTH mode (BPF LSM holds executable mappings in the kernel)
            kinds.add(EventKind.FILE_OPEN);
        }
        EventPrinter printer = new EventPrinter(out, o.json);
        for (EventKind k : kinds) {
            b.subscribe(k, enforce ? Mode.AUTH : Mode.NOTIFY);
            if (o.backend != null) {
                b.pinBackend(k, o.backend);
            }
        }
        for (String p : o.denyExec) {
            b.rule(PolicyRule.denyExec(p));
        }
        for (String p : o.denyOpen) {
            b.rule(PolicyRule.denyOpen(p));
        }
        for (Rule r : o.denyConnect) {
            b.rule(r);
        }
        for (Scope s : o.scopes) {
            b.scope(s);
        }
        if (enforce) {
            // Everything not denied by a rule is allowed by the handler, so each decision is printed.
            b.onAuthorization(req -> Verdict.allow());
            Set<EventKind> printed = shown;
            // decisions of the kinds asked for, and every denial
            b.onDecision((e, v) -> {
                if (printed.contains(e.kind()) || !v.isAllowed()) {
                    printer.decision(e, v);
                }
            });
            b.deadline(Duration.ofSeconds(2));
        }
        b.onEvent(printer::event);
        b.dropHandler(printer::drop);
        CountDownLatch done = new CountDownLatch(1);
        Client client = EndpointSecurity.newClient(b.build());
        Thread hook = new Thread(() -> {
            client.close();
            done.countDown();
        }, "esf4j-cli-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println("esf4j " + o.command + ": " + client.routes() + " — Ctrl-C to stop");
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Whether the backend that would serve exec (the pinned one, or the best) decides in user space. */
    private static boolean execDecidedInUserSpace(String pinned) {
        ProbeReport r = EndpointSecurity.probe();
        DecisionClass c = pinned == null ? r.bestOffers().get(EventKind.EXEC)
                : r.backends().stream().filter(b -> b.name().equals(pinned)).findFirst()
                        .map(b -> b.offers().get(EventKind.EXEC)).orElse(null);
        return c == DecisionClass.USERSPACE;
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Parsed command line. */
    static final class Options {
        String command;
        boolean json;
        String backend;
        final Set<EventKind> events = new TreeSet<>();
        final List<Scope> scopes = new ArrayList<>();
        final List<String> denyExec = new ArrayList<>();
        final List<String> denyOpen = new ArrayList<>();
        final List<Rule> denyConnect = new ArrayList<>();

        static Options parse(String[] args) {
            Options o = new Options();
            o.command = args[0];
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--json" -> o.json = true;
                    case "--backend" -> o.backend = value(args, ++i, a);
                    case "--events" -> {
                        for (String t : value(args, ++i, a).split(",")) {
                            o.events.add(EventKind.parse(t.trim()));
                        }
                    }
                    case "--path" -> o.scopes.add(scope(value(args, ++i, a)));
                    case "--deny-exec" -> o.denyExec.add(existing(value(args, ++i, a), a));
                    case "--deny-open" -> o.denyOpen.add(existing(value(args, ++i, a), a));
                    case "--deny-connect" -> o.denyConnect.add(denyConnect(value(args, ++i, a)));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            boolean denies = !o.denyExec.isEmpty() || !o.denyOpen.isEmpty() || !o.denyConnect.isEmpty();
            if (o.command.equals("coverage") && args.length > 1) {
                throw new IllegalArgumentException("coverage takes no options");
            }
            if (o.command.equals("probe") && (o.backend != null || !o.events.isEmpty() || !o.scopes.isEmpty() || denies)) {
                throw new IllegalArgumentException("probe takes only --json");
            }
            if (o.command.equals("watch") && denies) {
                throw new IllegalArgumentException("--deny-* options belong to enforce");
            }
            return o;
        }

        private static String value(String[] args, int i, String opt) {
            if (i >= args.length) {
                throw new IllegalArgumentException(opt + " needs a value");
            }
            return args[i];
        }

        /** A rule's path: absolute and existing (a rule binds to the file its path names now). */
        static String existing(String path, String opt) {
            String p = absolute(path, opt);
            if (!java.nio.file.Files.exists(Path.of(p))) {
                throw new IllegalArgumentException(opt + ": " + p + ": no such file or directory");
            }
            return p;
        }

        /** A rule's or scope's path: absolute (a relative one depends on where the command ran), normalized. */
        static String absolute(String path, String opt) {
            if (path.isEmpty()) {
                throw new IllegalArgumentException(opt + ": empty path");
            }
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException(opt + ": '" + path + "' is relative; give an absolute path");
            }
            return Path.of(path).normalize().toString();
        }

        /** {@code CIDR}, {@code CIDR,PORT} or {@code CIDR,LOW-HIGH}: e.g. {@code 203.0.113.0/24,443}. */
        static Rule denyConnect(String s) {
            int comma = s.indexOf(',');
            String cidr = comma < 0 ? s : s.substring(0, comma);
            int lo = 0;
            int hi = 65535;
            if (comma >= 0) {
                String ports = s.substring(comma + 1);
                int dash = ports.indexOf('-');
                try {
                    lo = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
                    hi = dash < 0 ? lo : Integer.parseInt(ports.substring(dash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--deny-connect: bad port range '" + ports + "' (PORT or LOW-HIGH)");
                }
            }
            return Rule.denyConnect(cidr, lo, hi);
        }

        static Scope scope(String s) {
            int colon = s.indexOf(':');
            String kind = colon > 0 ? s.substring(0, colon) : "mount";
            Path p = Path.of(absolute(colon > 0 ? s.substring(colon + 1) : s, "--path"));
            if (!java.nio.file.Files.exists(p)) {
                throw new IllegalArgumentException("scope path does not exist: " + p);
            }
            return switch (kind) {
                case "mount" -> Scope.mount(p);
                case "fs" -> Scope.filesystem(p);
                case "path" -> Scope.path(p);
                default -> throw new IllegalArgumentException("unknown scope kind '" + kind + "' (mount, fs, path)");
            };
        }
    }

    /** Prints events and drop notices as lines or JSON lines. */
    static final class EventPrinter {
        private final PrintStream out;
        private final boolean json;

        EventPrinter(PrintStream out, boolean json) {
            this.out = out;
            this.json = json;
        }

        void event(Event e) {
            out.println(json ? Render.json(e) : Render.line(e));
        }

        void decision(Event e, Verdict v) {
            out.println(json ? Render.json(e, v) : Render.line(e, v));
        }

        void drop(DropNotice d) {
            out.println(json ? Render.json(d) : "DROP " + d);
        }
    }
}
