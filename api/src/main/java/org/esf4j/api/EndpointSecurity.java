package org.esf4j.api;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Entry point: probe the host and open clients.
 *
 * {@snippet :
 * ProbeReport report = EndpointSecurity.probe();
 * try (Client client = EndpointSecurity.newClient(config)) {
 *     // events flow to the handlers until close
 * }
 * }
 *
 * @since 0.1
 */
public final class EndpointSecurity {

    private EndpointSecurity() {
    }

    /**
     * Probes every backend on the class path. Never throws.
     *
     * @return the report
     */
    public static ProbeReport probe() {
        return engine().probe();
    }

    /**
     * Opens a client.
     *
     * @param config the configuration
     * @return the running client
     * @throws Esf4jException when no backend can serve a subscription
     */
    public static Client newClient(ClientConfig config) {
        return engine().newClient(config);
    }

    /**
     * The engine found on the class or module path.
     *
     * @return the engine
     * @throws Esf4jException when esf4j-spi is missing
     */
    public static Engine engine() {
        return Holder.ENGINE_OR_ERROR instanceof Engine e ? e
                : failNoEngine((Throwable) Holder.ENGINE_OR_ERROR);
    }

    private static Engine failNoEngine(Throwable cause) {
        throw new Esf4jException("no esf4j engine found: add the esf4j-spi artifact and at least one backend "
                + "(e.g. esf4j-backend-fanotify) to the class or module path", cause);
    }

    private static final class Holder {
        static final Object ENGINE_OR_ERROR = load();

        private static Object load() {
            try {
                Iterator<Engine> it = ServiceLoader.load(Engine.class, EndpointSecurity.class.getClassLoader()).iterator();
                if (it.hasNext()) {
                    return it.next();
                }
                return new IllegalStateException("ServiceLoader found no " + Engine.class.getName());
            } catch (ServiceConfigurationError | LinkageError e) {
                return e;
            }
        }
    }
}
