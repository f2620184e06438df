package org.esf4j.spi;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.process.ProcessModel;

/**
 * What the engine asks of a backend: the client's configuration, the kinds of event routed to
 * this backend with their modes, the sink that receives events, and the shared process model.
 *
 * @param config the client's configuration
 * @param events the kinds this backend serves, with AUTH or NOTIFY, by kind id
 * @param sink where events go
 * @param processes the process model every backend resolves processes with
 * @since 0.1
 */
public record BackendContext(ClientConfig config, Map<EventKind, Mode> events, EventSink sink,
                             ProcessModel processes) {

    /**
     * Copies.
     *
     * @param config config
     * @param events events
     * @param sink sink
     * @param processes process model
     */
    public BackendContext {
        events = Collections.unmodifiableMap(new TreeMap<>(events));
    }

    /**
     * The backend-specific options of this backend, validated: every key of the form
     * {@code <backend>.<option>} must be one the backend knows.
     *
     * @param backend the backend's name (the key prefix)
     * @param known the options it knows, without the prefix
     * @return the parser over them
     * @throws org.esf4j.api.Esf4jException naming an unknown option and the known ones
     */
    public BackendOptions options(String backend, String... known) {
        return BackendOptions.of(config.backendOptions(), backend, known);
    }
}
