package org.esf4j.backend.fanotify;

import java.util.EnumMap;
import java.util.Map;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventType;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;

/**
 * The {@code fanotify} backend provider. Loads on JDK 17: all native access goes through the
 * spi's native layer (FFM on JDK 22+, JNA otherwise).
 *
 * @since 0.1
 */
public final class FanotifyProvider implements BackendProvider {

    /** Backend name. */
    public static final String NAME = "fanotify";

    /** For {@link java.util.ServiceLoader}. */
    public FanotifyProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public Map<EventType, DecisionClass> offers() {
        Map<EventType, DecisionClass> m = new EnumMap<>(EventType.class);
        m.put(EventType.EXEC, DecisionClass.USERSPACE);
        m.put(EventType.FILE_OPEN, DecisionClass.USERSPACE);
        return m;
    }

    @Override
    public BackendStatus probe() {
        FanotifyProbe.Result r = FanotifyProbe.result();
        Map<EventType, DecisionClass> events = offers();
        if (r.available() && !r.features().execPermission()) {
            events.remove(EventType.EXEC);
        }
        return new BackendStatus(NAME, r.available(), r.available() ? ReasonCode.AVAILABLE : r.reason(),
                r.message(), r.remedy(), r.binding(), events);
    }

    @Override
    public Backend open(BackendContext context) {
        return FanotifyBackend.open(context, FanotifyProbe.ensureAvailable());
    }
}
