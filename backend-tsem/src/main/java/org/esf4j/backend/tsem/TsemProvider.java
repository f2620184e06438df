/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import static org.esf4j.spi.Coverage.Field.ADDRESS;
import static org.esf4j.spi.Coverage.Field.ARGV;
import static org.esf4j.spi.Coverage.Field.CGROUP;
import static org.esf4j.spi.Coverage.Field.COMM;
import static org.esf4j.spi.Coverage.Field.EUID_EGID;
import static org.esf4j.spi.Coverage.Field.INTERPRETER;
import static org.esf4j.spi.Coverage.Field.KERNEL_TIME;
import static org.esf4j.spi.Coverage.Field.PARENT_ID;
import static org.esf4j.spi.Coverage.Field.PATH;
import static org.esf4j.spi.Coverage.Field.PID;
import static org.esf4j.spi.Coverage.Field.PPID;
import static org.esf4j.spi.Coverage.Field.PROCESS_ARGV;
import static org.esf4j.spi.Coverage.Field.PROCESS_EXECUTABLE;
import static org.esf4j.spi.Coverage.Field.SOCKET_TYPE;
import static org.esf4j.spi.Coverage.Field.START_TIME;
import static org.esf4j.spi.Coverage.Field.UID_GID;
import static org.esf4j.spi.Coverage.Support.EXACT;
import static org.esf4j.spi.Coverage.Support.EXACT_OR_ABSENT;
import static org.esf4j.spi.Coverage.Support.MARKED;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.Coverage;

/**
 * The {@code tsem} backend provider. Every kind it offers is {@link DecisionClass#TAINT}: the
 * task waits for the answer, but a deny marks it untrusted instead of failing the operation.
 * Its priority is the lowest of all backends: it never serves a kind another available backend
 * can, unless pinned, because it sees only the workloads its client launches.
 *
 * @since 0.2
 */
public final class TsemProvider implements BackendProvider {

    /** Backend name. */
    public static final String NAME = "tsem";

    /** For {@link java.util.ServiceLoader}. */
    public TsemProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 90;
    }

    @Override
    public Map<EventKind, DecisionClass> offers() {
        Map<EventKind, DecisionClass> m = new TreeMap<>();
        m.put(EventKind.EXEC, DecisionClass.TAINT);
        m.put(EventKind.FILE_OPEN, DecisionClass.TAINT);
        m.put(EventKind.SOCKET_BIND, DecisionClass.TAINT);
        m.put(EventKind.SOCKET_CONNECT, DecisionClass.TAINT);
        m.put(TsemBackend.LOG_KIND, DecisionClass.NOTIFY);
        for (EventKind k : TsemKinds.all()) {
            m.put(k, DecisionClass.TAINT);
        }
        return m;
    }

    /**
     * A waiting task is read from /proc while it waits (exact); an asynchronous record's process
     * (an export namespace, the root's export queue) is the process model's view of the time
     * window. The file CELL has no device or inode number, so a file's identity is never given;
     * the path is the kernel's. An Exec is seen on the task's first record after the exec: its
     * process is the caller before the exec, as the process model knew it (or unknown), its real
     * ids from the record, its argv the new program's when the kernel has set it up by then.
     */
    @Override
    public Coverage coverage() {
        Object[] waiting = {PID, EXACT, PPID, EXACT, UID_GID, EXACT, EUID_EGID, EXACT, PROCESS_EXECUTABLE, EXACT,
            COMM, EXACT, START_TIME, EXACT, PARENT_ID, EXACT_OR_ABSENT, CGROUP, EXACT, PROCESS_ARGV, MARKED,
            KERNEL_TIME, EXACT, PATH, MARKED};
        Object[] later = {PID, EXACT, PPID, EXACT_OR_ABSENT, UID_GID, EXACT_OR_ABSENT, EUID_EGID, EXACT_OR_ABSENT,
            PROCESS_EXECUTABLE, EXACT_OR_ABSENT, COMM, EXACT_OR_ABSENT, START_TIME, EXACT_OR_ABSENT,
            PARENT_ID, EXACT_OR_ABSENT, PROCESS_ARGV, MARKED, KERNEL_TIME, EXACT, PATH, MARKED};
        Object[] exec = {PID, EXACT, PPID, EXACT_OR_ABSENT, UID_GID, EXACT, EUID_EGID, EXACT_OR_ABSENT,
            PROCESS_EXECUTABLE, EXACT_OR_ABSENT, COMM, EXACT_OR_ABSENT, START_TIME, EXACT_OR_ABSENT,
            PARENT_ID, EXACT_OR_ABSENT, PROCESS_ARGV, MARKED, KERNEL_TIME, EXACT, PATH, MARKED, ARGV, MARKED,
            INTERPRETER, EXACT_OR_ABSENT};
        Coverage.Builder b = Coverage.builder()
                .kind(EventKind.FILE_OPEN, Set.of(Mode.AUTH), waiting)
                .kind(EventKind.FILE_OPEN, Set.of(Mode.NOTIFY), later)
                .kind(EventKind.EXEC, Set.of(Mode.AUTH, Mode.NOTIFY), exec)
                .kind(EventKind.SOCKET_BIND, Set.of(Mode.AUTH), Coverage.with(waiting, ADDRESS, EXACT, SOCKET_TYPE, EXACT))
                .kind(EventKind.SOCKET_BIND, Set.of(Mode.NOTIFY), Coverage.with(later, ADDRESS, EXACT, SOCKET_TYPE, EXACT))
                .kind(EventKind.SOCKET_CONNECT, Set.of(Mode.AUTH), Coverage.with(waiting, ADDRESS, EXACT, SOCKET_TYPE, EXACT))
                .kind(EventKind.SOCKET_CONNECT, Set.of(Mode.NOTIFY), Coverage.with(later, ADDRESS, EXACT, SOCKET_TYPE, EXACT))
                .quirks(EventKind.FILE_OPEN, Coverage.Quirk.EXEC_OPENS, Coverage.Quirk.DIRECTORY_OPENS)
                // a log record names only the command (in its fields): no process
                .kind(TsemBackend.LOG_KIND, Set.of(Mode.NOTIFY), PID, Coverage.Support.ABSENT);
        for (EventKind k : TsemKinds.all()) {
            b.kind(k, Set.of(Mode.AUTH), waiting).kind(k, Set.of(Mode.NOTIFY), later);
        }
        return b.build();
    }


    @Override
    public BackendStatus probe() {
        return TsemProbe.probe(TsemProbe.defaultRoot()).status().status(NAME, offers());
    }

    @Override
    public Backend open(BackendContext context) {
        return TsemBackend.open(context);
    }
}
