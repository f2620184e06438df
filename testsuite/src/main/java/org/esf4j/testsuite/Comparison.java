package org.esf4j.testsuite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileId;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.SocketConnectEvent;
import org.esf4j.spi.Coverage;
import org.esf4j.spi.Coverage.Field;
import org.esf4j.spi.Coverage.Quirk;
import org.esf4j.spi.Coverage.Support;

/**
 * Compares a backend's events with the witness, event by event: completeness (every operation the
 * backend declares reportable is reported exactly once, and every event it reported is one of the
 * workload's operations or one it declares as a quirk) and every field (equal to the witness where
 * the backend declares it {@link Support#EXACT}; equal or absent where
 * {@link Support#EXACT_OR_ABSENT}; equal or marked where {@link Support#MARKED}; absent where
 * {@link Support#ABSENT}). Each finding is one line.
 */
public final class Comparison {

    private final Run r;
    private final List<String> findings = new ArrayList<>();
    private int compared;
    private int approximateArgv;
    private int approximateArgvWrong;
    private String approximateArgvExample;

    /**
     * A finished conformance run.
     *
     * @param backend the backend's name
     * @param mode the mode the kinds were subscribed in
     * @param coverage what the backend declares
     * @param witness what strace saw
     * @param events what the backend reported, in delivery order
     * @param scope the watched file system's mount point
     * @param scopedExecs whether the backend reports only execs of files in the scope
     * @param realMinusBootNanos CLOCK_REALTIME minus CLOCK_BOOTTIME, for start times
     * @param cgroupId the workload's cgroup id, or -1
     * @param interpreters the interpreters of executed files, by canonical path
     */
    public record Run(String backend, Mode mode, Coverage coverage, Witness witness, List<Event> events, Path scope,
               boolean scopedExecs, long realMinusBootNanos, long cgroupId, Map<String, String> interpreters) {
    }

    public Comparison(Run r) {
        this.r = r;
    }

    /**
     * What did not match, plus one finding when more than a tenth of the approximate process
     * arguments differed from those of the exec (a rewrite by the program is the exception).
     *
     * @return the findings
     */
    public List<String> findings() {
        List<String> out = new ArrayList<>(findings);
        if (approximateArgvWrong * 10 > approximateArgv) {
            out.add(approximateArgvWrong + " of " + approximateArgv + " approximate process argv differ from the "
                    + "exec's, e.g. " + approximateArgvExample);
        }
        return out;
    }

    /** @return how many operations were matched with an event and compared field by field */
    public int compared() {
        return compared;
    }

    private Support support(EventKind kind, Field f) {
        return r.coverage().support(kind, r.mode(), f);
    }

    private boolean inScope(String path) {
        return path.equals(r.scope().toString()) || path.startsWith(r.scope() + "/");
    }

    private <E extends Event> List<E> events(Class<E> type) {
        List<E> out = new ArrayList<>();
        for (Event e : r.events()) {
            if (type.isInstance(e) && r.witness().pids().contains(e.process().pid())) {
                out.add(type.cast(e));
            }
        }
        return out;
    }

    private void find(String s) {
        findings.add(s);
    }

    // ------------------------------------------------------------------ exec

    public Comparison execs() throws IOException {
        EventKind k = EventKind.EXEC;
        List<ExecEvent> events = events(ExecEvent.class);
        List<Witness.Exec> expected = new ArrayList<>();
        for (Witness.Exec x : r.witness().execs()) {
            if (x.ok() && (!r.scopedExecs() || inScope(x.path()))) {
                expected.add(x);
            }
        }
        boolean[] used = new boolean[events.size()];
        for (Witness.Exec x : expected) {
            int hit = -1;
            for (int i = 0; i < events.size(); i++) {
                ExecEvent e = events.get(i);
                if (!used[i] && e.process().pid() == x.caller().pid() && samePath(e.executable(), e.executableState(),
                        x.path(), false) && argvMatches(e, x)) {
                    hit = i;
                    break;
                }
            }
            if (hit < 0) {
                for (int i = 0; i < events.size(); i++) { // same file, fields differ: report the fields
                    ExecEvent e = events.get(i);
                    if (!used[i] && e.process().pid() == x.caller().pid()
                            && samePath(e.executable(), e.executableState(), x.path(), false)) {
                        hit = i;
                        break;
                    }
                }
            }
            if (hit < 0) {
                find("missing exec: pid " + x.caller().pid() + " " + x.path() + " " + x.argv());
                continue;
            }
            used[hit] = true;
            compared++;
            ExecEvent e = events.get(hit);
            String what = "exec pid " + x.caller().pid() + " " + x.path() + ": ";
            path(k, what + "executable", e.executable(), e.executableState(), x.path(), false);
            argv(e, x, what);
            interpreter(e, x, what);
            fileId(k, what, e.file(), x.path(), false);
            process(k, what, e.process(), x.caller(), x.tid(), x.order());
        }
        for (int i = 0; i < events.size(); i++) {
            if (used[i]) {
                continue;
            }
            ExecEvent e = events.get(i);
            boolean attempt = r.coverage().has(k, Quirk.EXEC_ATTEMPTS) && r.witness().execs().stream()
                    .anyMatch(x -> !x.ok() && x.caller().pid() == e.process().pid());
            if (!attempt) {
                find("unexpected exec: pid " + e.process().pid() + " " + e.executable() + " " + e.argv()
                        + " (sequence " + e.sequence() + ", process " + e.process() + ")");
            }
        }
        return this;
    }

    private static boolean argvMatches(ExecEvent e, Witness.Exec x) {
        return e.argvAccuracy() != Accuracy.EXACT || e.argv().equals(x.argv());
    }

    private void argv(ExecEvent e, Witness.Exec x, String what) {
        Support s = support(EventKind.EXEC, Field.ARGV);
        Accuracy a = e.argvAccuracy();
        switch (s) {
            case ABSENT -> {
                if (a != Accuracy.UNKNOWN || !e.argv().isEmpty()) {
                    find(what + "argv given though declared absent: " + a + " " + e.argv());
                }
            }
            case EXACT -> {
                if (a != Accuracy.EXACT || !e.argv().equals(x.argv())) {
                    find(what + "argv " + a + " " + e.argv() + ", expected " + x.argv());
                }
            }
            default -> {
                if (a == Accuracy.EXACT && !e.argv().equals(x.argv())) {
                    find(what + "argv " + e.argv() + ", expected " + x.argv());
                } else if (a == Accuracy.APPROXIMATE && (e.argv().size() != x.argv().size()
                        || !e.argv().subList(1, e.argv().size()).equals(x.argv().subList(1, x.argv().size())))) {
                    find(what + "approximate argv " + e.argv() + " differs beyond argv[0] from " + x.argv());
                } else if (a == Accuracy.UNKNOWN && (s == Support.MARKED || !e.argv().isEmpty())) {
                    find(what + "argv unknown (" + e.argv() + "), declared " + s);
                }
            }
        }
    }

    private void interpreter(ExecEvent e, Witness.Exec x, String what) {
        String want = r.interpreters().get(x.path());
        Support s = support(EventKind.EXEC, Field.INTERPRETER);
        check(s, what + "interpreter", e.interpreter(), want == null ? "" : want, "");
    }

    // ------------------------------------------------------------------ open

    public Comparison opens() throws IOException {
        EventKind k = EventKind.FILE_OPEN;
        Coverage c = r.coverage();
        List<FileOpenEvent> events = events(FileOpenEvent.class);
        List<Witness.Open> expected = new ArrayList<>();
        for (Witness.Open o : r.witness().opens()) {
            if (!o.ok() || !inScope(o.path())) {
                continue;
            }
            if (o.pathOnly() && !c.has(k, Quirk.PATH_ONLY_OPENS)) {
                continue;
            }
            if (o.directory() && !c.has(k, Quirk.DIRECTORY_OPENS)) {
                continue;
            }
            expected.add(o);
        }
        boolean[] used = new boolean[events.size()];
        for (Witness.Open o : expected) {
            int hit = -1;
            // first an event of the same program (the kernel's own open of a script for its exec comes
            // from the program before the exec, the script's own open from its interpreter), then any;
            // first one with the open's flags, then any (so that a wrong flag is a finding, and an event
            // whose path is only marked, matched by its file, cannot take another open's place)
            for (int pass = 0; pass < 6 && hit < 0; pass++) {
                for (int i = 0; i < events.size(); i++) {
                    FileOpenEvent e = events.get(i);
                    boolean sameProgram = pass % 3 > 0 || e.process().executable().isEmpty()
                            || e.process().executable().equals(o.process().executable());
                    if (!used[i] && e.process().pid() == o.process().pid() && sameProgram
                            && (pass >= 3 || sameFlags(e, o))
                            && (samePath(e.path(), e.pathState(), o.path(), o.changedLater())
                                || (pass % 3 == 2 && !o.changedLater() && sameFile(e.file(), o.path())))) {
                        hit = i;
                        break;
                    }
                }
            }
            if (hit < 0) {
                if (!merged(k, events, o)) {
                    find("missing open: pid " + o.process().pid() + " " + o.path() + " flags 0x"
                            + Integer.toHexString(o.flags()));
                }
                continue;
            }
            used[hit] = true;
            compared++;
            FileOpenEvent e = events.get(hit);
            String what = "open pid " + o.process().pid() + " " + o.path() + ": ";
            path(k, what + "path", e.path(), e.pathState(), o.path(), o.changedLater());
            if (support(k, Field.OPEN_FLAGS) == Support.ABSENT) {
                if (e.openFlags() != -1) {
                    find(what + "flags " + e.openFlags() + " though declared absent");
                }
            } else if (e.openFlags() != -1 || support(k, Field.OPEN_FLAGS) == Support.EXACT) {
                if (e.openFlags() == -1 || !sameFlags(e, o)) {
                    find(what + "flags 0x" + Integer.toHexString(e.openFlags()) + ", expected 0x"
                            + Integer.toHexString(o.flags()));
                }
            }
            fileId(k, what, e.file(), o.path(), o.changedLater());
            process(k, what, e.process(), o.process(), o.tid(), o.order());
        }
        for (int i = 0; i < events.size(); i++) {
            if (used[i]) {
                continue;
            }
            FileOpenEvent e = events.get(i);
            if (!inScope(e.path()) && e.pathState().isExact()) {
                continue; // outside the watched file system (BPF LSM reports every open)
            }
            boolean explained = c.has(k, Quirk.EXEC_OPENS) && r.witness().execs().stream().anyMatch(x ->
                    x.caller().pid() == e.process().pid() && (x.path().equals(e.path())
                            || e.path().equals(Witness.canonical(Objects.requireNonNullElse(
                                    r.interpreters().get(x.path()), "")))
                            || isInterpreterChain(x.path(), e.path())));
            explained |= c.has(k, Quirk.DIRECTORY_OPENS) && Files.isDirectory(Path.of(e.path()));
            if (!explained) {
                find("unexpected open: pid " + e.process().pid() + " " + e.path() + " " + e.pathState());
            }
        }
        return this;
    }

    /**
     * Whether the event's flags, when it gives them, are the open's (the kernel adds O_LARGEFILE on
     * 64-bit: compare what the caller asked).
     */
    private static boolean sameFlags(FileOpenEvent e, Witness.Open o) {
        return e.openFlags() == -1 || (e.openFlags() & ~0x8000) == (o.flags() & ~0x8000);
    }

    /**
     * Whether a missing open is one the kernel merged into an identical notification still queued:
     * the backend declares it, the run is of notifications, and an event of the same process for
     * the same file was reported (an open, or the exec of that file).
     */
    private boolean merged(EventKind k, List<FileOpenEvent> events, Witness.Open o) {
        if (r.mode() != Mode.NOTIFY || !r.coverage().has(k, Quirk.MERGED_NOTIFICATIONS)) {
            return false;
        }
        for (FileOpenEvent e : events) {
            if (e.process().pid() == o.process().pid() && (samePath(e.path(), e.pathState(), o.path(), o.changedLater())
                    || (!o.changedLater() && sameFile(e.file(), o.path())))) {
                return true;
            }
        }
        // an exec's own open of a script and the interpreter's open of it right after are one
        // notification, reported as the exec
        for (ExecEvent x : events(ExecEvent.class)) {
            if (x.process().pid() == o.process().pid() && x.executable().equals(o.path())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code opened} is an interpreter of {@code exec} (a script's shell, its ELF interpreter). */
    private boolean isInterpreterChain(String exec, String opened) {
        String f = exec;
        for (int depth = 0; depth < 4; depth++) {
            String i = r.interpreters().get(f);
            if (i == null || i.isEmpty()) {
                return false;
            }
            f = Witness.canonical(i);
            if (f.equals(opened)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ sockets

    public Comparison sockets(boolean connect) {
        EventKind k = connect ? EventKind.SOCKET_CONNECT : EventKind.SOCKET_BIND;
        Quirk failures = connect ? Quirk.FAILED_CONNECTS : Quirk.FAILED_BINDS;
        List<Event> events = new ArrayList<>();
        for (Event e : r.events()) {
            if ((connect ? e instanceof SocketConnectEvent : e instanceof SocketBindEvent)
                    && r.witness().pids().contains(e.process().pid())) {
                events.add(e);
            }
        }
        boolean[] used = new boolean[events.size()];
        for (Witness.Socket s : r.witness().sockets()) {
            if (s.connect() != connect) {
                continue;
            }
            boolean wanted = s.ok() || r.coverage().has(k, failures);
            int hit = -1;
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                if (!used[i] && e.process().pid() == s.process().pid() && family(e) == s.family() && port(e) == s.port()) {
                    hit = i;
                    break;
                }
            }
            if (hit < 0) {
                if (wanted) {
                    find("missing " + k + ": pid " + s.process().pid() + " " + s.address() + " port " + s.port());
                }
                continue;
            }
            used[hit] = true;
            compared++;
            Event e = events.get(hit);
            String what = k + " pid " + s.process().pid() + " " + s.address() + " port " + s.port() + ": ";
            check(support(k, Field.ADDRESS), what + "address", address(e), s.address(), "");
            check(support(k, Field.SOCKET_TYPE), what + "socket type", socketType(e), s.socketType(), -1);
            process(k, what, e.process(), s.process(), s.tid(), s.order());
        }
        for (int i = 0; i < events.size(); i++) {
            if (!used[i]) {
                Event e = events.get(i);
                find("unexpected " + k + ": pid " + e.process().pid() + " " + address(e) + " port " + port(e));
            }
        }
        return this;
    }

    private static int family(Event e) {
        return e instanceof SocketBindEvent b ? b.family() : ((SocketConnectEvent) e).family();
    }

    private static int port(Event e) {
        return e instanceof SocketBindEvent b ? b.port() : ((SocketConnectEvent) e).port();
    }

    private static String address(Event e) {
        return e instanceof SocketBindEvent b ? b.address() : ((SocketConnectEvent) e).address();
    }

    private static int socketType(Event e) {
        return e instanceof SocketBindEvent b ? b.socketType() : ((SocketConnectEvent) e).socketType();
    }

    // ------------------------------------------------------------------ shared fields

    private static boolean samePath(String got, PathState state, String want, boolean changedLater) {
        if (got.equals(want)) {
            return true;
        }
        return (state == PathState.APPROXIMATE && changedLater) || (state == PathState.DELETED && changedLater);
    }

    private boolean sameFile(FileId id, String path) {
        try {
            Object ino = Files.getAttribute(Path.of(path), "unix:ino", LinkOption.NOFOLLOW_LINKS);
            return id.inode() == ((Number) ino).longValue();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void path(EventKind k, String what, String got, PathState state, String want, boolean changedLater) {
        Support s = support(k, Field.PATH);
        if (s == Support.ABSENT) {
            if (!got.isEmpty() || state != PathState.UNKNOWN) {
                find(what + " given though declared absent: " + got);
            }
            return;
        }
        if (state == PathState.EXACT || state == PathState.DELETED) {
            if (!got.equals(want)) {
                find(what + " " + got + " (" + state + "), expected " + want);
            }
            if (state == PathState.DELETED && !changedLater) {
                find(what + " marked DELETED though the file was not removed");
            }
            return;
        }
        if (s == Support.EXACT) {
            find(what + " " + state + " " + got + ", declared exact; expected " + want);
        } else if (state == PathState.APPROXIMATE && !changedLater && !got.equals(want)) {
            find(what + " approximate " + got + " differs from " + want + " though the file kept its name");
        } else if (state == PathState.UNKNOWN && s == Support.MARKED) {
            find(what + " unknown, declared given (marked)");
        }
    }

    private void fileId(EventKind k, String what, FileId id, String path, boolean changedLater) {
        if (changedLater || path.isEmpty()) {
            return;
        }
        Support s = support(k, Field.DEVICE_INODE);
        try {
            Path p = Path.of(path);
            long dev = ((Number) Files.getAttribute(p, "unix:dev")).longValue();
            long ino = ((Number) Files.getAttribute(p, "unix:ino")).longValue();
            if (s == Support.ABSENT) {
                if (!id.equals(FileId.UNKNOWN)) {
                    find(what + "file id given though declared absent");
                }
            } else if (id.inode() != 0 || s == Support.EXACT) {
                if (id.device() != dev || id.inode() != ino) {
                    find(what + "file " + id.device() + ":" + id.inode() + ", expected " + dev + ":" + ino);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone since: nothing to compare with
        }
    }

    private void process(EventKind k, String what, ProcessInfo p, Witness.Image want, int tid, int order) {
        String w = what + "process ";
        if (p.pid() != want.pid()) {
            find(w + "pid " + p.pid() + ", expected " + want.pid());
        }
        check(support(k, Field.TID), w + "tid", p.tid(), tid, ProcessInfo.UNKNOWN);
        if (want.ppid() > 0 && r.witness().aliveAt(want.ppid(), order)) {
            check(support(k, Field.PPID), w + "ppid", p.ppid(), want.ppid(), ProcessInfo.UNKNOWN);
        }
        check(support(k, Field.UID_GID), w + "uid", p.uid(), want.uid(), ProcessInfo.UNKNOWN);
        check(support(k, Field.UID_GID), w + "gid", p.gid(), want.gid(), ProcessInfo.UNKNOWN);
        check(support(k, Field.EUID_EGID), w + "euid", p.euid(), want.euid(), ProcessInfo.UNKNOWN);
        check(support(k, Field.EUID_EGID), w + "egid", p.egid(), want.egid(), ProcessInfo.UNKNOWN);
        if (!want.executable().isEmpty()) {
            check(support(k, Field.PROCESS_EXECUTABLE), w + "executable", p.executable(), want.executable(), "");
        }
        if (!want.comm().isEmpty()) {
            check(support(k, Field.COMM), w + "comm", p.comm(), want.comm(), "");
        }
        if (want.argv() != null) {
            processArgv(k, w, p, want.argv());
        }
        long[] start = r.witness().startTicks(want.pid(), r.realMinusBootNanos());
        Support st = support(k, Field.START_TIME);
        if (st == Support.ABSENT) {
            if (p.startTimeTicks() != ProcessInfo.UNKNOWN) {
                find(w + "start time given though declared absent");
            }
        } else if (start != null && (p.startTimeTicks() != ProcessInfo.UNKNOWN || st == Support.EXACT)) {
            if (p.startTimeTicks() < start[0] || p.startTimeTicks() > start[1]) {
                find(w + "start time " + p.startTimeTicks() + ", expected " + start[0] + ".." + start[1]);
            }
        }
        long[] parentStart = want.ppid() > 0 ? r.witness().startTicks(want.ppid(), r.realMinusBootNanos()) : null;
        Support ps = support(k, Field.PARENT_ID);
        if (parentStart != null && p.parentId().isPresent()) {
            long t = p.parentId().get().startTimeTicks();
            if (p.parentId().get().pid() != p.ppid() || t < parentStart[0] || t > parentStart[1]) {
                find(w + "parent id " + p.parentId().get() + ", expected " + want.ppid() + "@" + parentStart[0] + ".."
                        + parentStart[1]);
            }
        } else if (ps == Support.ABSENT && p.parentId().isPresent()) {
            find(w + "parent id given though declared absent");
        }
        Support cg = support(k, Field.CGROUP);
        if (cg == Support.ABSENT) {
            if (p.cgroupId() != ProcessInfo.UNKNOWN) {
                find(w + "cgroup id given though declared absent");
            }
        } else if (r.cgroupId() > 0 && (p.cgroupId() != ProcessInfo.UNKNOWN || cg == Support.EXACT)
                && p.cgroupId() != r.cgroupId()) {
            find(w + "cgroup id " + p.cgroupId() + ", expected " + r.cgroupId());
        }
    }

    /** A field compared by its declared support: absent is {@code none}. */
    /**
     * A process's arguments: exact ones must match; approximate ones (read from /proc, where the
     * program may have rewritten them) must be declared {@link Support#MARKED} and are counted: a
     * backend whose approximate arguments are mostly wrong fails {@link #findings()}.
     */
    private void processArgv(EventKind k, String w, ProcessInfo p, List<String> want) {
        Support s = support(k, Field.PROCESS_ARGV);
        Accuracy a = p.argvAccuracy();
        if (s == Support.ABSENT || p.argv().isEmpty()) {
            // marked values may be absent when unknown: only an exact declaration promises them
            check(s == Support.MARKED ? Support.EXACT_OR_ABSENT : s, w + "argv", p.argv(), want, List.of());
            return;
        }
        if (a == Accuracy.EXACT) {
            if (!p.argv().equals(want)) {
                find(w + "argv " + p.argv() + ", expected " + want);
            }
        } else if (s != Support.MARKED) {
            find(w + "argv marked " + a + " though declared " + s);
        } else {
            approximateArgv++;
            if (!p.argv().equals(want)) {
                approximateArgvWrong++;
                approximateArgvExample = w + "argv " + p.argv() + ", at exec " + want;
            }
        }
    }

    private <T> void check(Support s, String what, T got, T want, T none) {
        switch (s) {
            case ABSENT -> {
                if (!Objects.equals(got, none)) {
                    find(what + " " + got + " given though declared absent");
                }
            }
            case EXACT, MARKED -> {
                if (!Objects.equals(got, want)) {
                    find(what + " " + got + ", expected " + want);
                }
            }
            case EXACT_OR_ABSENT -> {
                if (!Objects.equals(got, none) && !Objects.equals(got, want)) {
                    find(what + " " + got + ", expected " + want + " or absent");
                }
            }
        }
    }

    /** The interpreter each executed file names, read here independently of the backends. */
    static Map<String, String> interpreters(Witness w) {
        Map<String, String> out = new HashMap<>();
        Predicate<String> seen = out::containsKey;
        List<String> todo = new ArrayList<>();
        w.execs().forEach(x -> todo.add(x.path()));
        for (int i = 0; i < todo.size(); i++) {
            String f = todo.get(i);
            if (f.isEmpty() || seen.test(f)) {
                continue;
            }
            String interp = Witness.interpreter(Path.of(f));
            out.put(f, interp);
            if (interp != null && !interp.isEmpty()) {
                todo.add(Witness.canonical(interp));
            }
        }
        return out;
    }
}
