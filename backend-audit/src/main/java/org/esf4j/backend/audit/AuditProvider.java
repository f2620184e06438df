package org.esf4j.backend.audit;

import java.util.EnumMap;
import java.util.Map;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventType;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;

/**
 * The {@code audit} backend provider: Exec, FileOpen, SocketBind and UringCmd observed (NOTIFY)
 * through the kernel audit subsystem's netlink socket. Audit cannot deny anything.
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
 *   <li>{@value #OPTION_FAILED_CALLS}: {@code true} to also report failed calls (default: successful
 *       calls only, with {@code success=1} in the rules).</li>
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
    public Map<EventType, DecisionClass> offers() {
        Map<EventType, DecisionClass> m = new EnumMap<>(EventType.class);
        for (EventType t : EventType.values()) {
            m.put(t, DecisionClass.NOTIFY);
        }
        return m;
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
