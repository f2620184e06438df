package org.esf4j.testsuite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esf4j.testsuite.StraceLog.Arr;
import org.esf4j.testsuite.StraceLog.Call;
import org.esf4j.testsuite.StraceLog.Fd;
import org.esf4j.testsuite.StraceLog.Num;
import org.esf4j.testsuite.StraceLog.Str;
import org.esf4j.testsuite.StraceLog.Struct;
import org.esf4j.testsuite.StraceLog.Value;

/**
 * What a traced workload did, as strace saw it: the ground truth the conformance suite compares a
 * backend's events with. From the log it rebuilds every process of the tree (its thread group, its
 * parent, what it runs, its credentials, its working directory) and lists, in order, each exec,
 * open, bind and connect with the fields an event should carry. Paths of opened files are the ones
 * strace read from {@code /proc} while the process was stopped at the call's exit (so they are the
 * kernel's own, symbolic links resolved); exec paths are resolved against the process's working
 * directory or the directory descriptor strace decoded.
 */
public final class Witness {

    private static final long CLONE_THREAD = 0x10000;
    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int O_PATH = 0x200000;
    private static final int O_DIRECTORY = 0x10000;
    private static final int O_TMPFILE = 0x410000;
    private static final int TASK_COMM_LEN = 16;

    /**
     * A process as it was at a moment: what its events' {@code process()} must say.
     *
     * @param pid the thread-group id
     * @param ppid the parent's thread-group id, or -1 when it cannot be known (the parent exited)
     * @param executable what {@code /proc/PID/exe} showed (canonical path; for a script its interpreter)
     * @param comm the command name
     * @param uid real uid
     * @param euid effective uid
     * @param gid real gid
     * @param egid effective gid
     * @param cwd working directory
     * @param argv what {@code /proc/PID/cmdline} shows: the arguments its program was started with
     *             (for a script, as the kernel passed them to the interpreter); null when unknown
     */
    public record Image(int pid, int ppid, String executable, String comm, int uid, int euid, int gid, int egid,
                        String cwd, List<String> argv) {
        Image withPid(int p, int pp) {
            return new Image(p, pp, executable, comm, uid, euid, gid, egid, cwd, argv);
        }

        Image withCwd(String dir) {
            return new Image(pid, ppid, executable, comm, uid, euid, gid, egid, dir, argv);
        }
    }

    /**
     * An exec.
     *
     * @param order place in the log
     * @param tid the thread that called it
     * @param caller the process before the exec
     * @param path the executed file's canonical path (empty when it did not exist)
     * @param argv the arguments
     * @param ok whether it succeeded
     * @param errno the error on failure
     */
    public record Exec(int order, int tid, Image caller, String path, List<String> argv, boolean ok, String errno) {
    }

    /**
     * An open.
     *
     * @param order place in the log
     * @param tid the thread
     * @param process the process
     * @param path the opened file's path as the kernel printed it at the call's exit (empty on failure)
     * @param flags the open flags
     * @param ok whether it succeeded
     * @param changedLater whether the path was renamed, unlinked or replaced after the open, or the file
     *                     had no name to begin with ({@code O_TMPFILE})
     */
    public record Open(int order, int tid, Image process, String path, int flags, boolean ok, boolean changedLater) {

        /** @return whether the open was O_PATH */
        public boolean pathOnly() {
            return (flags & O_PATH) != 0;
        }

        /** @return whether it opened a directory (by flag or by what it opened) */
        public boolean directory() {
            return (flags & O_DIRECTORY) != 0 || (!path.isEmpty() && Files.isDirectory(Path.of(path),
                    LinkOption.NOFOLLOW_LINKS));
        }
    }

    /**
     * A bind or connect.
     *
     * @param order place in the log
     * @param tid the thread
     * @param process the process
     * @param connect true for connect, false for bind
     * @param family the address family
     * @param address the address in the API's text form
     * @param port the port
     * @param socketType SOCK_STREAM 1, SOCK_DGRAM 2, ... or -1
     * @param ok whether it succeeded
     * @param errno the error on failure
     */
    public record Socket(int order, int tid, Image process, boolean connect, int family, String address, int port,
                         int socketType, boolean ok, String errno) {
    }

    private final Map<Integer, Integer> tgidOf = new HashMap<>();
    private final Map<Integer, Image> images = new HashMap<>();
    private final Map<Integer, Integer> exitOrder = new HashMap<>();
    private final Map<Integer, long[]> forkMicros = new HashMap<>();
    private final List<Exec> execs = new ArrayList<>();
    private final List<Open> opens = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private final boolean commFromDentry;

    private Witness(boolean commFromDentry) {
        this.commFromDentry = commFromDentry;
    }

    /**
     * Rebuilds the workload from strace's log.
     *
     * @param log the parsed log
     * @param root the first process's image before its first exec (the tracer's child)
     * @return the witness
     */
    public static Witness of(StraceLog log, Image root) throws IOException {
        // Linux 6.14 takes an fd exec's comm from the file's name, not from /dev/fd/N
        Witness w = new Witness(Kernel.atLeast(6, 14));
        int first = log.calls().isEmpty() ? root.pid() : log.calls().get(0).tid();
        w.tgidOf.put(first, first);
        w.images.put(first, root.withPid(first, root.ppid()));
        List<StraceLog.Note> notes = log.notes();
        int n = 0;
        for (Call c : log.calls()) {
            while (n < notes.size() && notes.get(n).order() < c.order()) {
                w.note(notes.get(n++));
            }
            w.apply(c);
        }
        while (n < notes.size()) {
            w.note(notes.get(n++));
        }
        w.markChanges(log);
        w.boundForks(log.calls());
        return w;
    }

    /**
     * Widens each fork's time to the first event after it of the parent thread or of the child: the
     * kernel takes the child's start time inside the fork, and both happen after it. strace's own
     * duration of the fork ({@code -T}) does not always cover it: under emulation the child's start
     * time was seen up to 30 ms after the end strace gave (the actors' own {@code /proc/self/stat}
     * confirmed the process model's value).
     */
    private void boundForks(List<Call> calls) {
        Map<Integer, Long> firstOfTid = new HashMap<>();
        for (Call c : calls) {
            firstOfTid.putIfAbsent(c.tid(), c.startMicros());
        }
        for (Map.Entry<Integer, long[]> f : forkMicros.entrySet()) {
            long[] m = f.getValue();
            long bound = firstOfTid.getOrDefault(f.getKey(), Long.MAX_VALUE);
            for (Call c : calls) {
                if (c.order() > m[2] && c.tid() == m[3]) {
                    bound = Math.min(bound, c.startMicros());
                    break;
                }
            }
            if (bound != Long.MAX_VALUE && bound > m[1]) {
                m[1] = bound;
            }
        }
    }

    private void note(StraceLog.Note note) {
        if (note.text().startsWith("exited with") || note.text().startsWith("killed by")) {
            Integer t = tgidOf.get(note.tid());
            if (t != null && t == note.tid()) {
                exitOrder.putIfAbsent(t, note.order());
            }
        }
    }

    private int tgid(int tid) {
        return tgidOf.getOrDefault(tid, tid);
    }

    private Image image(int tid) {
        int t = tgid(tid);
        Image im = images.get(t);
        return im != null ? im : new Image(t, -1, "", "", -1, -1, -1, -1, "", null);
    }

    private void apply(Call c) throws IOException {
        switch (c.name()) {
            case "clone", "clone3", "fork", "vfork" -> fork(c);
            case "execve", "execveat" -> exec(c);
            case "open", "openat", "openat2", "creat" -> open(c);
            case "bind", "connect" -> socket(c);
            case "chdir" -> {
                if (c.ok()) {
                    Image im = image(c.tid());
                    images.put(im.pid(), im.withCwd(canonical(resolve(im.cwd(), str(c, 0)))));
                }
            }
            case "fchdir" -> {
                if (c.ok() && c.args().get(0) instanceof Fd fd) {
                    Image im = image(c.tid());
                    images.put(im.pid(), im.withCwd(fd.text()));
                }
            }
            case "setresuid", "setresgid" -> credentials(c, c.name().equals("setresuid"));
            default -> { }
        }
    }

    private void fork(Call c) {
        if (!c.ok() || c.result() <= 0) {
            return;
        }
        int child = (int) c.result();
        long flags = 0;
        if (c.name().equals("clone")) {
            flags = cloneFlags(c);
        } else if (c.name().equals("clone3") && !c.args().isEmpty() && c.args().get(0) instanceof Struct s
                && s.fields().get("flags") instanceof Num n) {
            flags = n.value();
        }
        int parent = tgid(c.tid());
        if ((flags & CLONE_THREAD) != 0) {
            tgidOf.put(child, parent);
            return;
        }
        tgidOf.put(child, child);
        images.put(child, image(c.tid()).withPid(child, parent));
        forkMicros.put(child, new long[] {c.startMicros(), c.endMicros(), c.order(), c.tid()});
    }

    /** clone's flags argument is printed as {@code flags=0x1200000|17} (a "key=value" atom). */
    private static long cloneFlags(Call c) {
        for (Value v : c.args()) {
            if (v instanceof StraceLog.Other o && o.text().startsWith("flags=")) {
                String t = o.text().substring(6);
                int bar = t.indexOf('|');
                t = bar > 0 ? t.substring(0, bar) : t;
                return t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            }
        }
        return 0;
    }

    private void exec(Call c) throws IOException {
        Image caller = image(c.tid());
        boolean at = c.name().equals("execveat");
        String given = str(c, at ? 1 : 0);
        String dir = caller.cwd();
        String filename = given;
        String resolved;
        if (at) {
            Fd dirfd = c.args().get(0) instanceof Fd f ? f : null;
            long flags = c.args().size() > 4 && c.args().get(4) instanceof Num n ? n.value() : 0;
            if (given.isEmpty() && (flags & AT_EMPTY_PATH) != 0 && dirfd != null) {
                resolved = dirfd.text();
                filename = commFromDentry ? resolved : "/dev/fd/" + dirfd.fd();
            } else if (given.startsWith("/")) {
                resolved = given;
            } else {
                String base = dirfd == null || dirfd.fd() == AT_FDCWD ? dir : dirfd.text();
                resolved = resolve(base, given);
                filename = dirfd == null || dirfd.fd() == AT_FDCWD ? given : "/dev/fd/" + dirfd.fd() + "/" + given;
            }
        } else {
            resolved = resolve(dir, given);
        }
        String canonical = canonical(resolved);
        List<String> argv = new ArrayList<>();
        if (c.args().size() > (at ? 2 : 1) && c.args().get(at ? 2 : 1) instanceof Arr a) {
            for (Value v : a.items()) {
                argv.add(v instanceof Str s ? s.text() : String.valueOf(v));
            }
        }
        int tid = c.tid();
        execs.add(new Exec(c.order(), tid, caller, canonical, List.copyOf(argv), c.ok(), c.errno()));
        if (c.ok()) {
            int pid = c.pidChangedTo() != 0 ? c.pidChangedTo() : tgid(tid);
            // a non-leader thread takes the leader's pid
            tgidOf.put(tid, pid);
            tgidOf.put(pid, pid);
            String exe = interpreterBinary(canonical);
            String comm = comm(filename);
            int euid = caller.euid();
            int egid = caller.egid();
            Path p = Path.of(canonical);
            if (Files.exists(p)) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode");
                if ((mode & 04000) != 0) {
                    euid = (Integer) Files.getAttribute(p, "unix:uid");
                }
                if ((mode & 02000) != 0) {
                    egid = (Integer) Files.getAttribute(p, "unix:gid");
                }
            }
            images.put(pid, new Image(pid, caller.ppid(), exe, comm, caller.uid(), euid, caller.gid(), egid,
                    caller.cwd(), cmdline(canonical, filename, argv)));
        }
    }

    /**
     * What /proc/PID/cmdline shows after an exec: the arguments, or for a script the interpreter's
     * ({@code [interpreter, optional argument, filename, argv[1..]]}, as binfmt_script builds them).
     */
    private static List<String> cmdline(String file, String filename, List<String> argv) throws IOException {
        Path p = Path.of(file);
        if (file.isEmpty() || !Files.isRegularFile(p)) {
            return argv;
        }
        byte[] head = new byte[256];
        int n;
        try (var in = Files.newInputStream(p)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n < 2 || head[0] != '#' || head[1] != '!') {
            return argv;
        }
        int end = 2;
        while (end < n && head[end] != '\n') {
            end++;
        }
        String line = new String(head, 2, end - 2, StandardCharsets.UTF_8).strip();
        int sp = line.indexOf(' ');
        int tab = line.indexOf('\t');
        int cut = sp < 0 ? tab : tab < 0 ? sp : Math.min(sp, tab);
        List<String> out = new ArrayList<>();
        out.add(cut < 0 ? line : line.substring(0, cut));
        if (cut >= 0 && !line.substring(cut).isBlank()) {
            out.add(line.substring(cut).strip());
        }
        out.add(filename);
        out.addAll(argv.isEmpty() ? List.of() : argv.subList(1, argv.size()));
        return out;
    }

    /** The binary /proc/PID/exe shows after an exec of this file: for a script, its interpreter's. */
    private static String interpreterBinary(String file) throws IOException {
        String f = file;
        for (int depth = 0; depth < 5; depth++) {
            Path p = Path.of(f);
            if (!Files.isRegularFile(p)) {
                return f;
            }
            String line = shebang(p);
            if (line == null) {
                return f;
            }
            f = canonical(line);
        }
        return f;
    }

    /**
     * The interpreter a file names, as the kernel will look it up: a script's {@code #!} path, or an
     * ELF file's {@code PT_INTERP} as {@code readelf} (an independent reader) shows it.
     *
     * @param file the file
     * @return the path; "" for an ELF file without one (statically linked); null when the file is
     *         neither or cannot be read
     */
    public static String interpreter(Path file) {
        try {
            String s = shebang(file);
            if (s != null) {
                return s;
            }
            String out = Kernel.run(List.of("readelf", "-lW", file.toString()));
            for (String line : out.split("\n")) {
                int i = line.indexOf("Requesting program interpreter: ");
                if (i >= 0) {
                    String rest = line.substring(i + "Requesting program interpreter: ".length());
                    return rest.endsWith("]") ? rest.substring(0, rest.length() - 1) : rest;
                }
            }
            return out.contains("Program Headers") ? "" : null;
        } catch (IOException | InterruptedException | AssertionError | RuntimeException e) {
            return null;
        }
    }

    /** The interpreter path of a script's first line, or null for a file that is not a script. */
    static String shebang(Path p) throws IOException {
        byte[] head = new byte[256];
        int n;
        try (var in = Files.newInputStream(p)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n < 2 || head[0] != '#' || head[1] != '!') {
            return null;
        }
        int i = 2;
        while (i < n && (head[i] == ' ' || head[i] == '\t')) {
            i++;
        }
        int start = i;
        while (i < n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != 0) {
            i++;
        }
        return new String(head, start, i - start, StandardCharsets.UTF_8);
    }

    private String comm(String filename) {
        int slash = filename.lastIndexOf('/');
        String base = slash >= 0 ? filename.substring(slash + 1) : filename;
        byte[] b = base.getBytes(StandardCharsets.UTF_8);
        return b.length < TASK_COMM_LEN ? base : new String(b, 0, TASK_COMM_LEN - 1, StandardCharsets.UTF_8);
    }

    private void open(Call c) {
        Image im = image(c.tid());
        int flags;
        switch (c.name()) {
            case "open" -> flags = num(c, 1);
            case "creat" -> flags = 0x241;
            case "openat2" -> {
                flags = c.args().size() > 2 && c.args().get(2) instanceof Struct s && s.fields().get("flags") instanceof Num n
                        ? (int) n.value() : 0;
            }
            default -> flags = num(c, 2);
        }
        String path = c.ok() && c.resultText() != null ? c.resultText() : "";
        boolean unnamed = (flags & O_TMPFILE) == O_TMPFILE;
        if (path.endsWith(" (deleted)")) {
            path = path.substring(0, path.length() - " (deleted)".length());
            unnamed = true;
        }
        opens.add(new Open(c.order(), c.tid(), im, path, flags, c.ok(), unnamed));
    }

    private final Map<String, String> ntop = new HashMap<>();

    /** An address as the C library's {@code inet_ntop} writes it (RFC 5952 for IPv6), not as esf4j does. */
    private String ntop(byte[] a) {
        StringBuilder hex = new StringBuilder();
        for (byte b : a) {
            hex.append(String.format("%02x", b & 0xff));
        }
        return ntop.computeIfAbsent(hex.toString(), h -> {
            try {
                return Actor.act("ntop", h);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private void socket(Call c) {
        if (c.args().size() < 2 || !(c.args().get(1) instanceof Struct addr)) {
            return;
        }
        int family = addr.fields().get("sa_family") instanceof Num n ? (int) n.value() : 0;
        String text = "";
        int port = 0;
        if (family == 2 || family == 10) {
            byte[] p = addr.fields().get(family == 2 ? "sin_port" : "sin6_port") instanceof Str s ? s.bytes() : null;
            byte[] a = addr.fields().get(family == 2 ? "sin_addr" : "sin6_addr") instanceof Str s ? s.bytes() : null;
            if (p != null && p.length == 2) {
                port = (p[0] & 0xff) << 8 | (p[1] & 0xff);
            }
            if (a != null && (a.length == 4 || a.length == 16)) {
                text = ntop(a);
            }
        } else if (family == 1 && addr.fields().get("sun_path") instanceof Str s) {
            text = s.text();
        }
        int type = -1;
        if (c.args().get(0) instanceof Fd fd) {
            String t = fd.text();
            if (t.startsWith("TCP") || t.startsWith("UNIX-STREAM")) {
                type = 1;
            } else if (t.startsWith("UDP") || t.startsWith("UNIX-DGRAM")) {
                type = 2;
            } else if (t.startsWith("UNIX-SEQPACKET")) {
                type = 5;
            }
        }
        sockets.add(new Socket(c.order(), c.tid(), image(c.tid()), c.name().equals("connect"), family, text, port, type,
                c.ok(), c.errno()));
    }

    private void credentials(Call c, boolean uids) {
        if (!c.ok() || c.args().size() < 2) {
            return;
        }
        Image im = image(c.tid());
        int real = num(c, 0);
        int eff = num(c, 1);
        Image n = uids
                ? new Image(im.pid(), im.ppid(), im.executable(), im.comm(), real == -1 ? im.uid() : real,
                        eff == -1 ? im.euid() : eff, im.gid(), im.egid(), im.cwd(), im.argv())
                : new Image(im.pid(), im.ppid(), im.executable(), im.comm(), im.uid(), im.euid(),
                        real == -1 ? im.gid() : real, eff == -1 ? im.egid() : eff, im.cwd(), im.argv());
        images.put(im.pid(), n);
    }

    /** Marks the opens whose path was renamed, unlinked or replaced afterwards. */
    private void markChanges(StraceLog log) {
        Map<String, Integer> lastChange = new HashMap<>();
        for (Call c : log.calls()) {
            if (!c.ok()) {
                continue;
            }
            switch (c.name()) {
                case "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir", "link", "linkat", "symlink",
                     "symlinkat" -> {
                    for (String p : paths(c)) {
                        lastChange.put(p, c.order());
                    }
                }
                default -> { }
            }
        }
        for (int i = 0; i < opens.size(); i++) {
            Open o = opens.get(i);
            Integer ch = lastChange.get(o.path());
            boolean changed = ch != null && ch > o.order();
            if (!changed && !o.path().isEmpty()) {
                // a directory above it renamed or removed
                for (Map.Entry<String, Integer> e : lastChange.entrySet()) {
                    if (e.getValue() > o.order() && o.path().startsWith(e.getKey() + "/")) {
                        changed = true;
                        break;
                    }
                }
            }
            if (changed && !o.changedLater()) {
                opens.set(i, new Open(o.order(), o.tid(), o.process(), o.path(), o.flags(), o.ok(), true));
            }
        }
    }

    /** The absolute paths a rename/unlink/link call names (resolved with the decoded dirfds). */
    private List<String> paths(Call c) {
        List<String> out = new ArrayList<>();
        String cwd = image(c.tid()).cwd();
        List<Value> a = c.args();
        switch (c.name()) {
            case "rename", "link", "symlink" -> {
                out.add(resolve(cwd, str(c, 0)));
                out.add(resolve(cwd, str(c, 1)));
            }
            case "unlink", "rmdir" -> out.add(resolve(cwd, str(c, 0)));
            case "unlinkat" -> out.add(resolve(dirOf(a.get(0), cwd), str(c, 1)));
            case "symlinkat" -> out.add(resolve(dirOf(a.get(1), cwd), str(c, 2)));
            default -> { // renameat, renameat2, linkat
                out.add(resolve(dirOf(a.get(0), cwd), str(c, 1)));
                out.add(resolve(dirOf(a.get(2), cwd), str(c, 3)));
            }
        }
        return out;
    }

    private static String dirOf(Value v, String cwd) {
        return v instanceof Fd f && f.fd() != AT_FDCWD ? f.text() : v instanceof Fd f ? f.text() : cwd;
    }

    private static String str(Call c, int i) {
        return i < c.args().size() && c.args().get(i) instanceof Str s ? s.text() : "";
    }

    private static int num(Call c, int i) {
        return i < c.args().size() && c.args().get(i) instanceof Num n ? (int) n.value() : 0;
    }

    private static String resolve(String dir, String path) {
        if (path.startsWith("/")) {
            return path;
        }
        return dir.endsWith("/") ? dir + path : dir + "/" + path;
    }

    /** The path with symbolic links resolved, as the kernel prints a file's path ("" when missing). */
    static String canonical(String path) {
        if (path.isEmpty()) {
            return "";
        }
        try {
            return Path.of(path).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * The clock ticks since boot a process of the workload started at, from the wall-clock times
     * strace gave the fork that created it (the kernel takes the start time inside that call) and
     * the first event after it of the parent thread or of the child.
     *
     * @param pid a thread-group id
     * @param realMinusBootNanos {@code CLOCK_REALTIME - CLOCK_BOOTTIME} in nanoseconds
     * @return {first, last} possible tick, or null when strace did not see its fork
     */
    public long[] startTicks(int pid, long realMinusBootNanos) {
        long[] m = forkMicros.get(pid);
        if (m == null || m[0] == 0) {
            return null;
        }
        return new long[] {Math.floorDiv(m[0] * 1000 - realMinusBootNanos, 10_000_000L) - 1,
            Math.floorDiv(m[1] * 1000 - realMinusBootNanos, 10_000_000L) + 1};
    }

    /** @return the execs, in order */
    public List<Exec> execs() {
        return execs;
    }

    /** @return the opens, in order */
    public List<Open> opens() {
        return opens;
    }

    /** @return the binds and connects, in order */
    public List<Socket> sockets() {
        return sockets;
    }

    /** @return the thread-group ids of every process of the workload */
    public Set<Integer> pids() {
        return new HashSet<>(tgidOf.values());
    }

    /**
     * Whether a process was still alive at a point of the log (a child whose parent exited has been
     * given another one).
     *
     * @param pid a thread-group id
     * @param order a place in the log
     * @return false when it had exited by then
     */
    public boolean aliveAt(int pid, int order) {
        Integer x = exitOrder.get(pid);
        return x == null || x > order;
    }
}
