package org.esf4j.api;

/**
 * The engine behind {@link EndpointSecurity}, found with {@link java.util.ServiceLoader}. It is
 * provided by {@code esf4j-spi}; applications do not implement or call it directly.
 *
 * @since 0.1
 */
public interface Engine {

    /**
     * Probes every backend.
     *
     * @return the report; never throws
     */
    ProbeReport probe();

    /**
     * Opens a client.
     *
     * @param config the configuration
     * @return the running client
     * @throws Esf4jException when no backend can serve a subscription, with every reason
     */
    Client newClient(ClientConfig config);
}
