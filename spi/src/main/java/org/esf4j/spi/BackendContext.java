package org.esf4j.spi;

import java.util.Map;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;

/**
 * What the engine asks of a backend: the client's configuration, the event types routed to this
 * backend with their modes, and the sink that receives events.
 *
 * @param config the client's configuration
 * @param events the event types this backend serves, with AUTH or NOTIFY
 * @param sink where events go
 * @since 0.1
 */
public record BackendContext(ClientConfig config, Map<EventType, Mode> events, EventSink sink) {

    /**
     * Copies.
     *
     * @param config config
     * @param events events
     * @param sink sink
     */
    public BackendContext {
        events = Map.copyOf(events);
    }
}
