package org.esf4j.backend.bpflsm;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventType;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;

/**
 * The {@code bpf-lsm} backend provider: Exec, FileOpen, SocketBind and UringCmd decided in the
 * kernel (KERNEL_POLICY) by BPF programs on LSM hooks. Needs libbpf 1.x ({@code libbpf.so.1}),
 * a kernel with BTF and {@code bpf} in its active LSM list, no lockdown in confidentiality mode,
 * and CAP_BPF with CAP_PERFMON (or CAP_SYS_ADMIN). Loads on JDK 17: native access goes through
 * the spi's native layer. Options: see {@link #OPTION_RING_BYTES} and {@link #OPTION_PIN_DIR}.
 *
 * @since 0.1
 */
public final class BpfLsmProvider implements BackendProvider {

    /** Backend name. */
    public static final String NAME = "bpf-lsm";
    /** Option: the ring buffer's size in bytes, a power of two of at least a page (default 4 MiB). */
    public static final String OPTION_RING_BYTES = BpfLsmBackend.OPT_RING_BYTES;
    /**
     * Option: a directory on a bpffs mount where maps and links are pinned, so that enforcement
     * (AUTH programs, rules, cached verdicts) outlives the JVM. Default: none.
     */
    public static final String OPTION_PIN_DIR = BpfLsmBackend.OPT_PIN_DIR;

    /** For {@link java.util.ServiceLoader}. */
    public BpfLsmProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Map<EventType, DecisionClass> offers() {
        Map<EventType, DecisionClass> m = new EnumMap<>(EventType.class);
        for (EventType t : EventType.values()) {
            m.put(t, DecisionClass.KERNEL_POLICY);
        }
        return m;
    }

    @Override
    public BackendStatus probe() {
        return BpfLsmProbe.result().status(NAME, offers());
    }

    @Override
    public Backend open(BackendContext context) {
        BpfLsmProbe.ensureAvailable();
        return BpfLsmBackend.open(context);
    }

    /**
     * Removes the enforcement a client with {@link #OPTION_PIN_DIR} left in the kernel: unpins
     * its links (detaching the programs) and maps, and removes the directory.
     *
     * @param pinDir the directory given as {@link #OPTION_PIN_DIR}
     * @throws org.esf4j.api.Esf4jException when a pin cannot be removed
     */
    public static void unpin(Path pinDir) {
        BpfObject.unpinAll(pinDir);
    }
}
