package org.esf4j.spi;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.nativeio.Natives;

/**
 * What a backend's probe found out about the host, before it becomes a {@link BackendStatus}.
 * Backends compute it once per JVM ({@link #guarded} turns a probe that throws into
 * {@link ReasonCode#PROBE_FAILED}) and check it before opening ({@link #requireAvailable}).
 *
 * @param available whether the backend can run here
 * @param reason {@link ReasonCode#AVAILABLE} or why not
 * @param message what was found
 * @param remedy what to do about it ("" when nothing)
 * @param binding the native binding probed with (ffm or jna; "" when none)
 * @since 0.1
 */
public record ProbeResult(boolean available, ReasonCode reason, String message, String remedy, String binding) {

    /**
     * Validates.
     *
     * @param available available
     * @param reason reason
     * @param message message
     * @param remedy remedy
     * @param binding binding
     */
    public ProbeResult {
        java.util.Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
        remedy = remedy == null ? "" : remedy;
        binding = binding == null ? "" : binding;
    }

    /**
     * @param message what was found
     * @param binding the native binding
     * @return an available result
     */
    public static ProbeResult available(String message, String binding) {
        return new ProbeResult(true, ReasonCode.AVAILABLE, message, "", binding);
    }

    /**
     * @param reason why not
     * @param message what was found
     * @param remedy what to do about it
     * @param binding the native binding
     * @return an unavailable result
     */
    public static ProbeResult unavailable(ReasonCode reason, String message, String remedy, String binding) {
        return new ProbeResult(false, reason, message, remedy, binding);
    }

    /**
     * Runs a probe; whatever it throws becomes {@link ReasonCode#PROBE_FAILED}.
     *
     * @param probe the probe
     * @return its result
     */
    public static ProbeResult guarded(Callable<ProbeResult> probe) {
        try {
            return probe.call();
        } catch (Throwable t) {
            return unavailable(ReasonCode.PROBE_FAILED, "probe failed: " + t, "report this as a bug", "");
        }
    }

    /**
     * A probe that runs once, on the first call, guarded like {@link #guarded}; later calls
     * return the first result. Thread-safe.
     *
     * @param probe the probe
     * @return the memoizing supplier
     */
    public static Supplier<ProbeResult> once(Callable<ProbeResult> probe) {
        return new Supplier<>() {
            private volatile ProbeResult result;

            @Override
            public ProbeResult get() {
                ProbeResult r = result;
                if (r == null) {
                    synchronized (this) {
                        r = result;
                        if (r == null) {
                            r = guarded(probe);
                            result = r;
                        }
                    }
                }
                return r;
            }
        };
    }

    /**
     * The preconditions every backend shares: Linux, and a native binding (FFM on JDK 22+ with
     * native access enabled, or JNA).
     *
     * @param source what the backend uses, for the message (e.g. {@code "fanotify"})
     * @return null when they hold, else the result to report
     */
    public static ProbeResult unmetPreconditions(String source) {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return unavailable(ReasonCode.UNSUPPORTED_PLATFORM, source + " exists only on Linux, this is " + os,
                    "run on Linux", "");
        }
        if (!Natives.isAvailable()) {
            return unavailable(ReasonCode.NATIVE_ACCESS_UNAVAILABLE, Natives.unavailabilityCause(),
                    "run on JDK 22+ with --enable-native-access=ALL-UNNAMED, or put JNA (net.java.dev.jna:jna) on the "
                            + "class path", "");
        }
        return null;
    }

    /**
     * @param backend the backend's name, for the message
     * @throws Esf4jException when not available, with the reason, message and remedy
     */
    public void requireAvailable(String backend) {
        if (!available) {
            throw new Esf4jException(backend + " backend unavailable (" + reason + "): " + message
                    + (remedy.isEmpty() ? "" : "; remedy: " + remedy));
        }
    }

    /**
     * @param name the backend's name
     * @param events what it offers
     * @return the public status
     */
    public BackendStatus status(String name, Map<EventKind, DecisionClass> events) {
        return BackendStatus.of(name, available, reason, message, remedy, binding, events);
    }
}
