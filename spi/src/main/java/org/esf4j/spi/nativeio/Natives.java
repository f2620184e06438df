package org.esf4j.spi.nativeio;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import org.esf4j.api.Esf4jException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link NativeOps} binding once per JVM and says why when none is usable.
 *
 * <h2>Selection</h2>
 * The system property {@value #BINDING_PROP_NAME} is {@code auto} (default), {@code ffm} or
 * {@code jna}.
 * <ul>
 *   <li>{@code auto}: on JDK 22+ the FFM binding, loaded reflectively (its class file is version
 *       66 and is never touched on older JDKs) and proven by one real {@code getpid()} call; if
 *       that fails, for example because native access is denied
 *       ({@code --illegal-native-access=deny}), JNA. On JDK 17–21, JNA.</li>
 *   <li>{@code ffm} or {@code jna}: only that binding; if it fails, the native layer is
 *       unavailable and {@link #unavailabilityCause()} names the fix.</li>
 * </ul>
 * Selection runs in a holder's static initializer that never throws, logs exactly one INFO line
 * (the chosen binding and the rejected one with its reason; stack traces at TRACE) and is cached
 * for the JVM's lifetime. Native access must be enabled for the code that calls the C library:
 * {@code --enable-native-access=ALL-UNNAMED} on the class path,
 * {@code --enable-native-access=org.esf4j.spi} on the module path (for JNA on the module path:
 * {@code com.sun.jna}).
 *
 * <p>Thread-safe. Not API, may change without notice.
 *
 * @since 0.1
 */
public final class Natives {

    /** System property choosing the binding: {@code auto}, {@code ffm} or {@code jna}. */
    public static final String BINDING_PROP_NAME = "esf4j.native.binding";
    /** Default of {@value #BINDING_PROP_NAME}. */
    public static final String BINDING_DEFAULT = "auto";

    private static final Logger LOG = LoggerFactory.getLogger(Natives.class);
    private static final String FFM_CLASS = "org.esf4j.spi.nativeio.ffm.FfmNativeOps";
    private static final String JNA_CLASS = "org.esf4j.spi.nativeio.jna.JnaNativeOps";
    private static final int FFM_MIN_FEATURE = 22;
    private static final String FFM_FIX = "the FFM binding needs JDK 22+ and native access: run with"
            + " --enable-native-access=ALL-UNNAMED on the class path or --enable-native-access=org.esf4j.spi"
            + " on the module path";
    private static final String JNA_FIX = "the JNA binding needs net.java.dev.jna:jna (5.x) on the class path";
    private static final String JNA_ACCESS_FIX = "JNA needs native access: run with --enable-native-access=ALL-UNNAMED"
            + " on the class path or --enable-native-access=com.sun.jna on the module path";

    private Natives() {
    }

    /**
     * Whether a binding is usable.
     *
     * @return true when {@link #get()} returns a binding
     */
    public static boolean isAvailable() {
        return Holder.OPS != null;
    }

    /**
     * Why no binding is usable, with the fix.
     *
     * @return the cause, or {@code ""} when available
     */
    public static String unavailabilityCause() {
        return Holder.OPS != null ? "" : Holder.CAUSE;
    }

    /**
     * The binding chosen for this JVM.
     *
     * @return the shared, thread-safe instance
     * @throws Esf4jException with {@link #unavailabilityCause()} when no binding is usable
     */
    public static NativeOps get() {
        NativeOps ops = Holder.OPS;
        if (ops == null) {
            throw new Esf4jException("no native binding is usable: " + Holder.CAUSE, Holder.ERROR);
        }
        return ops;
    }

    /**
     * The name of the chosen binding.
     *
     * @return {@code "ffm"}, {@code "jna"}, or {@code "none"} when unavailable
     */
    public static String binding() {
        return Holder.OPS != null ? Holder.OPS.binding() : "none";
    }

    /**
     * Creates a new instance of one binding, bypassing the cached selection (for tests and
     * benchmarks that compare bindings). Logs nothing.
     *
     * @param binding {@code "ffm"} or {@code "jna"}
     * @return a working instance (its {@code getpid()} has been checked)
     * @throws Esf4jException with the reason and the fix when that binding is not usable here
     */
    public static NativeOps load(String binding) {
        Attempt a = attempt(binding);
        if (a.ops == null) {
            throw new Esf4jException(binding + " binding unusable: " + a.reason, a.error);
        }
        return a.ops;
    }

    /**
     * Loads a backend's own native binding (for example libbpf for BPF LSM) of the same kind as
     * {@link #get()}: {@code ffmClass} on the FFM binding, {@code jnaClass} on JNA. The class is
     * loaded reflectively, so a class compiled for release 22 is never touched on an older JDK; it
     * needs a public no-argument constructor, which may throw to say why the binding is unusable.
     * Backends keep the result in a holder of their own.
     *
     * @param <T> the binding's interface
     * @param type the binding's interface
     * @param ffmClass the FFM implementation's class name
     * @param jnaClass the JNA implementation's class name
     * @param loader the class loader to load it with (the backend's own)
     * @return a working instance
     * @throws Esf4jException with the reason when the native layer or the binding is unusable
     */
    public static <T> T binding(Class<T> type, String ffmClass, String jnaClass, ClassLoader loader) {
        if (!isAvailable()) {
            throw new Esf4jException("no native binding is usable: " + Holder.CAUSE, Holder.ERROR);
        }
        return binding(binding(), type, ffmClass, jnaClass, loader);
    }

    /**
     * Like {@link #binding(Class, String, String, ClassLoader)} with a given kind of binding (tests
     * and benchmarks that compare bindings).
     *
     * @param <T> the binding's interface
     * @param kind {@code "ffm"} or {@code "jna"}
     * @param type the binding's interface
     * @param ffmClass the FFM implementation's class name
     * @param jnaClass the JNA implementation's class name
     * @param loader the class loader to load it with
     * @return a working instance
     * @throws Esf4jException with the reason when the binding is unusable
     */
    public static <T> T binding(String kind, Class<T> type, String ffmClass, String jnaClass, ClassLoader loader) {
        load(kind); // the C library binding of this kind must work first
        try {
            Class<?> c = Class.forName(kind.equals("ffm") ? ffmClass : jnaClass, true, loader);
            return type.cast(c.getConstructor().newInstance());
        } catch (Throwable t) {
            Throwable e = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
            throw new Esf4jException(type.getSimpleName() + " unusable through " + kind + ": " + describe(e), e);
        }
    }

    /** The selection, made once; the initializer never throws. */
    private static final class Holder {
        static final NativeOps OPS;
        static final String CAUSE;
        static final Throwable ERROR;

        static {
            Attempt chosen;
            try {
                chosen = select();
            } catch (Throwable t) {
                chosen = new Attempt(null, "native binding selection failed: " + t, t);
            }
            OPS = chosen.ops;
            CAUSE = chosen.reason;
            ERROR = chosen.error;
        }
    }

    /** @return the chosen binding (reason unused) or the unavailability cause */
    private static Attempt select() {
        String prop = System.getProperty(BINDING_PROP_NAME, BINDING_DEFAULT).trim().toLowerCase(Locale.ROOT);
        if (!Arch.SUPPORTED) {
            return unavailable("the native layer supports Linux on x86-64 and aarch64; this is "
                    + System.getProperty("os.name") + " on " + Arch.NAME, null);
        }
        switch (prop) {
            case "ffm":
            case "jna": {
                Attempt a = attempt(prop);
                if (a.ops == null) {
                    LOG.trace("{} binding failed", prop, a.error);
                    return unavailable(BINDING_PROP_NAME + "=" + prop + ": " + a.reason, a.error);
                }
                LOG.info("esf4j native binding: {} ({}={}; {} not tried)", prop, BINDING_PROP_NAME, prop,
                        prop.equals("ffm") ? "jna" : "ffm");
                return a;
            }
            case "auto": {
                Attempt ffm = attempt("ffm");
                if (ffm.ops != null) {
                    LOG.info("esf4j native binding: ffm ({}=auto; jna not needed)", BINDING_PROP_NAME);
                    return ffm;
                }
                LOG.trace("ffm binding failed", ffm.error);
                Attempt jna = attempt("jna");
                if (jna.ops != null) {
                    LOG.info("esf4j native binding: jna ({}=auto; ffm rejected: {})", BINDING_PROP_NAME, ffm.reason);
                    return jna;
                }
                LOG.trace("jna binding failed", jna.error);
                return unavailable("ffm: " + ffm.reason + "; jna: " + jna.reason, jna.error);
            }
            default:
                return unavailable(BINDING_PROP_NAME + "=" + prop + " is not one of auto, ffm, jna", null);
        }
    }

    private static Attempt unavailable(String cause, Throwable error) {
        LOG.info("esf4j native layer unavailable: {}", cause);
        return new Attempt(null, cause, error);
    }

    /** Loads one binding and proves it with getpid(); never throws. */
    private static Attempt attempt(String binding) {
        boolean ffm = binding.equals("ffm");
        if (!ffm && !binding.equals("jna")) {
            return new Attempt(null, "unknown binding '" + binding + "' (ffm or jna)", null);
        }
        int feature = Runtime.version().feature();
        if (ffm && feature < FFM_MIN_FEATURE) {
            return new Attempt(null, "this is JDK " + feature + "; " + FFM_FIX, null);
        }
        try {
            Class<?> c = Class.forName(ffm ? FFM_CLASS : JNA_CLASS, true, Natives.class.getClassLoader());
            NativeOps ops = (NativeOps) c.getConstructor().newInstance();
            int pid = ops.getpid();
            long expected = ProcessHandle.current().pid();
            if (pid != expected) {
                return new Attempt(null, "getpid() returned " + pid + ", expected " + expected, null);
            }
            return new Attempt(ops, "", null);
        } catch (Throwable t) {
            Throwable e = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
            return new Attempt(null, describe(e) + "; " + fix(ffm, e), e);
        }
    }

    private static String fix(boolean ffm, Throwable e) {
        if (ffm) {
            return FFM_FIX;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof IllegalCallerException) {
                return JNA_ACCESS_FIX;
            }
        }
        return JNA_FIX;
    }

    /** The failure and, when it adds something, its root cause. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String s = e.toString();
        String rootMessage = String.valueOf(root.getMessage());
        return root == e || s.contains(rootMessage) ? s : s + " <- " + root;
    }

    /** One binding's outcome: an instance, or the reason (with the fix) and the error. */
    private static final class Attempt {
        final NativeOps ops;
        final String reason;
        final Throwable error;

        Attempt(NativeOps ops, String reason, Throwable error) {
            this.ops = ops;
            this.reason = reason;
            this.error = error;
        }
    }
}
