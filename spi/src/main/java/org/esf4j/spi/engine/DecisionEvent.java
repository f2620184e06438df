package org.esf4j.spi.engine;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import org.esf4j.api.EventKind;
import org.esf4j.api.Verdict;

/**
 * A JDK Flight Recorder event per AUTH decision ({@code org.esf4j.Decision}). Disabled unless a
 * recording enables it; the check costs one field read and nothing is allocated then.
 */
@Name("org.esf4j.Decision")
@Label("esf4j Decision")
@Category("esf4j")
@Description("A verdict sent to the kernel for an AUTH event")
@StackTrace(false)
final class DecisionEvent extends jdk.jfr.Event {

    static final jdk.jfr.EventType TYPE = jdk.jfr.EventType.getEventType(DecisionEvent.class);

    @Label("Backend")
    String backend;

    @Label("Event Type")
    String eventType;

    @Label("Process Id")
    int pid;

    @Label("Allowed")
    boolean allowed;

    @Label("Reason")
    String reason;

    @Label("Receive To Decision")
    @Timespan(Timespan.NANOSECONDS)
    long latency;

    static void commit(String backend, EventKind kind, int pid, Verdict v, long latencyNanos) {
        DecisionEvent e = new DecisionEvent();
        e.backend = backend;
        e.eventType = kind.name();
        e.pid = pid;
        e.allowed = v.isAllowed();
        e.reason = v.reason().name();
        e.latency = latencyNanos;
        e.commit();
    }
}
