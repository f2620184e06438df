package org.esf4j.spi;

import java.util.Map;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventKind;

/**
 * A kernel event source, discovered with {@link java.util.ServiceLoader}. Implementations are
 * stateless factories: {@link #probe()} checks the host, {@link #open(BackendContext)} starts a
 * {@link Backend} for one client.
 *
 * <p>Provider classes must load on JDK 17: keep release-22 code (FFM) behind the spi's native
 * layer or load it reflectively.
 *
 * @since 0.1
 */
public interface BackendProvider {

    /**
     * The SPI version this interface describes: 2 since events are named by {@link EventKind},
     * backends build their own events and declare their {@link Coverage}.
     */
    int SPI_VERSION = 2;

    /**
     * Stable backend name, e.g. {@code fanotify}, {@code bpf-lsm}, {@code audit}, {@code tsem},
     * {@code esf-kmod}.
     *
     * @return the name
     */
    String name();

    /**
     * Order among providers offering the same decision class: lower is preferred.
     *
     * @return the priority
     */
    int priority();

    /**
     * The SPI version the provider was built against; providers with another version are
     * rejected with a reason.
     *
     * @return the version
     */
    default int spiVersion() {
        return SPI_VERSION;
    }

    /**
     * What the backend offers per kind of event when it is available, independent of the host.
     *
     * @return kind to decision class
     */
    Map<EventKind, DecisionClass> offers();

    /**
     * What the backend can and cannot know, per kind and mode (checked by the conformance suite).
     *
     * @return the declaration
     */
    Coverage coverage();

    /**
     * Probes the host by doing the real thing (open the fd, mark, trigger, read back). Never
     * throws, never hangs; fast.
     *
     * @return the status
     */
    BackendStatus probe();

    /**
     * Starts the backend for one client.
     *
     * @param context what the engine asks of the backend and where to deliver events
     * @return the running backend
     * @throws org.esf4j.api.Esf4jException when the backend cannot start, with the reason
     */
    Backend open(BackendContext context);
}
