package org.esf4j.backend.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.MuteRule;
import org.esf4j.api.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit rules one client needs, compiled from its subscriptions, scopes and muting, and the
 * bookkeeping that finds them again.
 *
 * <h2>Keys</h2>
 * Every rule carries the filter key {@code esf4j:<pid>:<start>:<instance>:<what>}: the JVM's pid
 * and start time (field 22 of {@code /proc/self/stat}, so a reused pid is told apart), a counter
 * per client in this JVM (the kernel refuses identical rules) and what the rule is for. Rules of a
 * process that no longer exists are leftovers of a JVM that died without closing its client;
 * {@link #isLeftover} finds them and the backend deletes them at start. Rules without the
 * {@code esf4j:} prefix belong to other tools and are never touched.
 *
 * <h2>What is compiled</h2>
 * <ul>
 *   <li>First (prepended): a NEVER rule on the syscall exit list and one on the io_uring list for
 *       the library's own process, so its reads never feed back into the stream.</li>
 *   <li>Per subscribed kind and ABI (x86-64 and i386, or aarch64): an ALWAYS exit rule for the
 *       kind's syscalls with {@code arch=}, {@code success=1} unless failures are wanted (never on
 *       connect: a non-blocking connect fails with {@code EINPROGRESS}, which is how most clients
 *       connect), and {@code pid!=} / {@code exe!=} for processes and executables muted for the
 *       kind. Exec and open rules are repeated per scope with {@code dir=<path>} when the client has
 *       scopes. On i386, bind and connect also arrive through {@code socketcall} ({@code a0} 2 and
 *       3).</li>
 *   <li>On the io_uring exit list: {@code IORING_OP_URING_CMD} (UringCmd), {@code IORING_OP_BIND}
 *       (SocketBind), and {@code IORING_OP_CONNECT} (SocketConnect, in a rule of its own without
 *       {@code success=1}).</li>
 * </ul>
 * Muting by path prefix or by target path, and inverted muting, cannot be expressed as audit
 * fields: the engine applies them to the delivered events. Nor can muting by executable on exec
 * rules: the kernel filters exit rules at the syscall's exit, where {@code exe} is the program just
 * started, whereas an exec event's process is the caller before the exec; the engine mutes those.
 */
final class AuditRules {

    private static final Logger LOG = LoggerFactory.getLogger(AuditRules.class);
    static final String PREFIX = "esf4j:";
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Fields besides the muting ones: arch, success, dir, key, and room for one more. */
    private static final int FIXED_FIELDS = 5;

    private final String owner;
    private final List<byte[]> rules = new ArrayList<>();
    private final List<String> descriptions = new ArrayList<>();

    private AuditRules(String owner) {
        this.owner = owner;
    }

    /**
     * A new owner's key prefix, unique on the host while this process lives.
     *
     * @param pid this JVM's pid
     * @return {@code esf4j:<pid>:<start>:<instance>:}
     */
    static String newOwner(int pid) {
        return PREFIX + pid + ":" + startTime("self") + ":" + INSTANCES.incrementAndGet() + ":";
    }

    /** @return the key prefix of this client's rules, {@code esf4j:<pid>:<start>:<instance>:} */
    String owner() {
        return owner;
    }

    /** @return the rules in the order they are added */
    List<byte[]> rules() {
        return rules;
    }

    /** @return auditctl-like text per rule, for logs and errors */
    List<String> descriptions() {
        return descriptions;
    }

    /**
     * Compiles the rules for a client.
     *
     * @param pid this JVM's pid
     * @param config the client's configuration
     * @param events the kinds routed to this backend
     * @param successOnly whether only successful calls are wanted (connects are always reported)
     * @return the rules
     */
    static AuditRules compile(int pid, ClientConfig config, Set<EventKind> events, boolean successOnly) {
        AuditRules r = new AuditRules(newOwner(pid));
        r.add(new AuditRule(AuditRule.LIST_EXIT | AuditRule.FILTER_PREPEND, AuditRule.NEVER).allSyscalls()
                .field(AuditRule.F_PID, AuditRule.OP_EQUAL, pid), "self", "-A never,exit -S all -F pid=" + pid);
        boolean uringChecked = events.contains(EventKind.URING_CMD) || events.contains(EventKind.SOCKET_BIND);
        boolean uringConnect = events.contains(EventKind.SOCKET_CONNECT);
        boolean uring = uringChecked || uringConnect;
        if (uring) {
            r.add(new AuditRule(AuditRule.LIST_URING_EXIT | AuditRule.FILTER_PREPEND, AuditRule.NEVER).allSyscalls()
                    .field(AuditRule.F_PID, AuditRule.OP_EQUAL, pid), "self-uring", "-A never,io_uring -F pid=" + pid);
        }
        List<String> dirs = new ArrayList<>();
        for (Scope s : config.scopes()) {
            dirs.add(s.path().toString());
        }
        for (Syscalls.Abi abi : Syscalls.forThisMachine()) {
            if (events.contains(EventKind.EXEC)) {
                r.syscallRules(abi, abi.exec(), -1, EventKind.EXEC, "exec", config, successOnly, dirs);
            }
            if (events.contains(EventKind.FILE_OPEN)) {
                r.syscallRules(abi, abi.opens(), -1, EventKind.FILE_OPEN, "open", config, successOnly, dirs);
            }
            if (events.contains(EventKind.SOCKET_BIND)) {
                r.syscallRules(abi, abi.binds(), -1, EventKind.SOCKET_BIND, "bind", config, successOnly, List.of());
                if (abi.socketcall() >= 0) { // i386: bind(2) through socketcall(SYS_BIND)
                    r.syscallRules(abi, new int[] {abi.socketcall()}, Syscalls.SYS_BIND, EventKind.SOCKET_BIND, "bind",
                            config, successOnly, List.of());
                }
            }
            if (events.contains(EventKind.SOCKET_CONNECT)) {
                r.syscallRules(abi, abi.connects(), -1, EventKind.SOCKET_CONNECT, "connect", config, false, List.of());
                if (abi.socketcall() >= 0) { // i386: connect(2) through socketcall(SYS_CONNECT)
                    r.syscallRules(abi, new int[] {abi.socketcall()}, Syscalls.SYS_CONNECT, EventKind.SOCKET_CONNECT,
                            "connect", config, false, List.of());
                }
            }
        }
        if (uringChecked || (uringConnect && !successOnly)) {
            AuditRule u = new AuditRule(AuditRule.LIST_URING_EXIT, AuditRule.ALWAYS);
            StringBuilder d = new StringBuilder("-a always,io_uring");
            if (events.contains(EventKind.URING_CMD)) {
                u.syscalls(Syscalls.IORING_OP_URING_CMD);
                d.append(" -U uring_cmd");
            }
            if (events.contains(EventKind.SOCKET_BIND)) {
                u.syscalls(Syscalls.IORING_OP_BIND);
                d.append(" -U bind");
            }
            if (uringConnect && !successOnly) {
                u.syscalls(Syscalls.IORING_OP_CONNECT);
                d.append(" -U connect");
            }
            if (successOnly) {
                u.field(AuditRule.F_SUCCESS, AuditRule.OP_EQUAL, 1);
                d.append(" -F success=1");
            }
            r.add(u, "uring", d.toString());
        }
        if (uringConnect && successOnly) { // connects are reported whether they succeed or not
            r.add(new AuditRule(AuditRule.LIST_URING_EXIT, AuditRule.ALWAYS).syscalls(Syscalls.IORING_OP_CONNECT),
                    "uring-connect", "-a always,io_uring -U connect");
        }
        return r;
    }

    private void syscallRules(Syscalls.Abi abi, int[] nrs, int arg0, EventKind kind, String what, ClientConfig config,
                              boolean successOnly, List<String> dirs) {
        if (nrs.length == 0) {
            return;
        }
        List<String> scopes = dirs.isEmpty() ? java.util.Collections.singletonList(null) : dirs;
        for (String dir : scopes) {
            AuditRule rule = new AuditRule(AuditRule.LIST_EXIT, AuditRule.ALWAYS).syscalls(nrs)
                    .field(AuditRule.F_ARCH, AuditRule.OP_EQUAL, abi.arch());
            StringBuilder d = new StringBuilder("-a always,exit -F arch=").append(abi.name()).append(" -S ")
                    .append(what).append(abi == Syscalls.I386 ? "(i386)" : "");
            if (arg0 >= 0) {
                rule.field(200, AuditRule.OP_EQUAL, arg0); // AUDIT_ARG0
                d.append(" -F a0=").append(arg0);
            }
            if (successOnly) {
                rule.field(AuditRule.F_SUCCESS, AuditRule.OP_EQUAL, 1);
                d.append(" -F success=1");
            }
            if (dir != null) {
                rule.field(AuditRule.F_DIR, AuditRule.OP_EQUAL, dir);
                d.append(" -F dir=").append(dir);
            }
            int room = AuditRule.MAX_FIELDS - FIXED_FIELDS;
            for (MuteRule m : config.muteRules()) {
                if (!m.appliesTo(kind) || config.invertedMuting().contains(m.kind()) || room == 0) {
                    continue;
                }
                if (m.kind() == MuteRule.Kind.PROCESS) {
                    rule.field(AuditRule.F_PID, AuditRule.OP_NOT_EQUAL, m.pid());
                    d.append(" -F pid!=").append(m.pid());
                    room--;
                } else if (m.kind() == MuteRule.Kind.EXECUTABLE_PATH && !m.prefix() && kind != EventKind.EXEC) {
                    rule.field(AuditRule.F_EXE, AuditRule.OP_NOT_EQUAL, m.path());
                    d.append(" -F exe!=").append(m.path());
                    room--;
                }
            }
            add(rule, what, d.toString());
        }
    }

    private void add(AuditRule rule, String what, String description) {
        String key = owner + what;
        rules.add(rule.field(AuditRule.F_FILTERKEY, AuditRule.OP_EQUAL, key).toBytes());
        descriptions.add(description + " -k " + key);
    }

    /** @return whether a key belongs to this client's rules */
    boolean owns(String key) {
        return key != null && key.startsWith(owner);
    }

    /**
     * Whether a key is an esf4j key whose process is gone: its pid does not exist, or exists
     * with another start time (the pid was reused).
     *
     * @param key a rule's key, may be null
     * @return true for a leftover
     */
    static boolean isLeftover(String key) {
        if (key == null || !key.startsWith(PREFIX)) {
            return false;
        }
        String[] p = key.split(":", 5);
        if (p.length < 5) {
            return false; // not ours after all: leave it
        }
        String now = startTime(p[1]);
        return now.isEmpty() || !now.equals(p[2]);
    }

    /** Field 22 (starttime) of {@code /proc/<pid>/stat}, or "" when the process does not exist. */
    static String startTime(String pid) {
        if (!pid.equals("self") && !pid.chars().allMatch(Character::isDigit)) {
            return "";
        }
        try {
            String stat = new String(Files.readAllBytes(Path.of("/proc", pid, "stat")), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f[19]; // field 22 overall; fields after comm start at 3
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return String.join("\n", descriptions);
    }

    static void logRules(AuditRules r) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("audit rules:\n{}", r);
        }
    }
}
