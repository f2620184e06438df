package org.esf4j.backend.audit;

import static org.esf4j.spi.Coverage.Field.ADDRESS;
import static org.esf4j.spi.Coverage.Field.ARGV;
import static org.esf4j.spi.Coverage.Field.COMM;
import static org.esf4j.spi.Coverage.Field.DEVICE_INODE;
import static org.esf4j.spi.Coverage.Field.EUID_EGID;
import static org.esf4j.spi.Coverage.Field.INTERPRETER;
import static org.esf4j.spi.Coverage.Field.OPEN_FLAGS;
import static org.esf4j.spi.Coverage.Field.PARENT_ID;
import static org.esf4j.spi.Coverage.Field.PATH;
import static org.esf4j.spi.Coverage.Field.PID;
import static org.esf4j.spi.Coverage.Field.PPID;
import static org.esf4j.spi.Coverage.Field.PROCESS_ARGV;
import static org.esf4j.spi.Coverage.Field.PROCESS_EXECUTABLE;
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
 * The {@code audit} backend provider: Exec, FileOpen, SocketBind, SocketConnect and UringCmd
 * observed (NOTIFY) through the kernel audit subsystem's netlink socket. Audit cannot deny
 * anything.
 *
 * <p>Needs CAP_AUDIT_CONTROL (rules, status) and CAP_AUDIT_READ (the multicast group) in the
 * initial user, pid and network namespaces, a kernel with {@code CONFIG_AUDITSYSCALL}, and audit
 * not locked ({@code enabled=2}). Runs beside auditd: by default it reads the multicast copy of
 * every record, which never makes audited processes wait for esf4j.
 *
 * <h2>Options</h2> ({@link org.esf4j.api.ClientConfig.Builder#backendOption})
 * <ul>
 *   <li>{@value #OPTION_MODE}: {@code multicast} (default) or {@code unicast}: become the audit
 *       daemon (only when none is registered; {@code backlog_wait_time} is set to 0 so that a slow
 *       reader loses records, counted, instead of stalling audited processes).</li>
 *   <li>{@value #OPTION_RECEIVE_BUFFER}: socket receive buffer, default 8 MiB
 *       ({@code SO_RCVBUFFORCE}).</li>
 *   <li>{@value #OPTION_TIMEOUT_MS}: how long an event may wait for its end record (default 2000).</li>
 *   <li>{@value #OPTION_MAX_IN_FLIGHT}: open events at most (default 4096); the oldest is delivered
 *       incomplete beyond it.</li>
 *   <li>{@value #OPTION_LOST_POLL_MS}: how often the kernel's lost counter is polled (default 1000).</li>
 *   <li>{@value #OPTION_FAILED_CALLS}: {@code true} to also report failed execs, opens, binds and
 *       uring commands (default: successful calls only, with {@code success=1} in the rules).
 *       Connects are always reported, whether they succeed or not: a non-blocking connect starts
 *       with {@code EINPROGRESS}.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class AuditProvider implements BackendProvider {

    /** Backend name. */
    public static final String NAME = "audit";
    /** Option: {@code multicast} or {@code unicast}. */
    public static final String OPTION_MODE = AuditBackend.OPT_MODE;
    /** Option: receive buffer in bytes. */
    public static final String OPTION_RECEIVE_BUFFER = AuditBackend.OPT_RECEIVE_BUFFER;
    /** Option: reassembly timeout in ms. */
    public static final String OPTION_TIMEOUT_MS = AuditBackend.OPT_TIMEOUT_MS;
    /** Option: maximum open events. */
    public static final String OPTION_MAX_IN_FLIGHT = AuditBackend.OPT_MAX_IN_FLIGHT;
    /** Option: lost-counter poll interval in ms. */
    public static final String OPTION_LOST_POLL_MS = AuditBackend.OPT_LOST_POLL_MS;
    /** Option: report failed calls too. */
    public static final String OPTION_FAILED_CALLS = AuditBackend.OPT_FAILED_CALLS;

    /** For {@link java.util.ServiceLoader}. */
    public AuditProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 50;
    }

    @Override
    public Map<EventKind, DecisionClass> offers() {
        Map<EventKind, DecisionClass> m = new TreeMap<>();
        for (EventKind k : AuditRawEvent.KINDS) {
            m.put(k, DecisionClass.NOTIFY);
        }
        return m;
    }

    /**
     * What audit gives, NOTIFY only. The SYSCALL record states the process as it was at the
     * syscall's exit (pid, ppid, uids, gids, {@code exe}, {@code comm}): exact for every kind but
     * exec, whose record shows the program just started, while the event's process is the caller
     * before the exec: its executable, comm, effective ids and arguments come from the process
     * model when it can tell them. An io_uring operation's URINGOP record has no {@code exe} and
     * {@code comm} (those come from the model too), and the binds or connects of one
     * {@code io_uring_enter} that submitted several share one SOCKADDR record: they are given
     * without an address. No thread id, cgroup, kernel time (records carry
     * wall-clock milliseconds), socket type, uring command op or change time. Paths are marked
     * ({@code PathState}), script arguments too ({@code Accuracy}: the kernel rewrote them for the
     * interpreter). A process's arguments come from the process model, which read them from
     * {@code /proc} (a program may rewrite its own, as {@code mkdir -p} does): marked
     * {@code APPROXIMATE} ({@code ProcessInfo.argvAccuracy()}).
     *
     * <p>Quirks: audit reports the open system calls whatever they open (directories, {@code O_PATH});
     * connects whether they succeed or not (a non-blocking connect fails with {@code EINPROGRESS}).
     * The declaration is for the default options: with {@value #OPTION_FAILED_CALLS} {@code true},
     * failed execs, opens and binds are reported too.
     */
    @Override
    public Coverage coverage() {
        Object[] common = {PID, EXACT, PPID, EXACT, UID_GID, EXACT, START_TIME, EXACT_OR_ABSENT,
            PARENT_ID, EXACT_OR_ABSENT, PROCESS_ARGV, MARKED};
        Object[] syscall = Coverage.with(common, EUID_EGID, EXACT, PROCESS_EXECUTABLE, EXACT, COMM, EXACT);
        // binds and connects can also come from io_uring, whose record names no exe or comm
        // and several binds or connects submitted in one io_uring_enter share one SOCKADDR record: no address then
        Object[] socket = Coverage.with(common, EUID_EGID, EXACT, PROCESS_EXECUTABLE, EXACT_OR_ABSENT, COMM, EXACT_OR_ABSENT,
                ADDRESS, EXACT_OR_ABSENT);
        Set<Mode> notify = Set.of(Mode.NOTIFY);
        return Coverage.builder()
                .kind(EventKind.EXEC, notify, Coverage.with(common, EUID_EGID, EXACT_OR_ABSENT, PROCESS_EXECUTABLE,
                        EXACT_OR_ABSENT, COMM, EXACT_OR_ABSENT, PATH, MARKED, ARGV, MARKED, INTERPRETER, EXACT,
                        DEVICE_INODE, EXACT))
                .kind(EventKind.FILE_OPEN, notify, Coverage.with(syscall, PATH, MARKED, DEVICE_INODE, EXACT, OPEN_FLAGS, EXACT))
                .kind(EventKind.SOCKET_BIND, notify, socket)
                .kind(EventKind.SOCKET_CONNECT, notify, socket)
                .kind(EventKind.URING_CMD, notify, Coverage.with(common, EUID_EGID, EXACT, PROCESS_EXECUTABLE, EXACT_OR_ABSENT,
                        COMM, EXACT_OR_ABSENT))
                .quirks(EventKind.EXEC, Coverage.Quirk.SCOPED_EXECS)
                .quirks(EventKind.FILE_OPEN, Coverage.Quirk.DIRECTORY_OPENS, Coverage.Quirk.PATH_ONLY_OPENS)
                .quirks(EventKind.SOCKET_CONNECT, Coverage.Quirk.FAILED_CONNECTS)
                .build();
    }


    @Override
    public BackendStatus probe() {
        return AuditProbe.result().status(NAME, offers());
    }

    @Override
    public Backend open(BackendContext context) {
        AuditProbe.ensureAvailable();
        return AuditBackend.open(context);
    }
}
