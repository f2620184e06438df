package org.esf4j.backend.bpflsm;

import static org.esf4j.spi.Coverage.Field.ADDRESS;
import static org.esf4j.spi.Coverage.Field.ARGV;
import static org.esf4j.spi.Coverage.Field.CGROUP;
import static org.esf4j.spi.Coverage.Field.CHANGE_TIME;
import static org.esf4j.spi.Coverage.Field.COMM;
import static org.esf4j.spi.Coverage.Field.COMMAND_OP;
import static org.esf4j.spi.Coverage.Field.DEVICE_INODE;
import static org.esf4j.spi.Coverage.Field.EUID_EGID;
import static org.esf4j.spi.Coverage.Field.INTERPRETER;
import static org.esf4j.spi.Coverage.Field.KERNEL_TIME;
import static org.esf4j.spi.Coverage.Field.OPEN_FLAGS;
import static org.esf4j.spi.Coverage.Field.PARENT_ID;
import static org.esf4j.spi.Coverage.Field.PATH;
import static org.esf4j.spi.Coverage.Field.PID;
import static org.esf4j.spi.Coverage.Field.PPID;
import static org.esf4j.spi.Coverage.Field.PROCESS_ARGV;
import static org.esf4j.spi.Coverage.Field.PROCESS_EXECUTABLE;
import static org.esf4j.spi.Coverage.Field.SOCKET_TYPE;
import static org.esf4j.spi.Coverage.Field.START_TIME;
import static org.esf4j.spi.Coverage.Field.TID;
import static org.esf4j.spi.Coverage.Field.UID_GID;
import static org.esf4j.spi.Coverage.Support.ABSENT;
import static org.esf4j.spi.Coverage.Support.EXACT;
import static org.esf4j.spi.Coverage.Support.EXACT_OR_ABSENT;
import static org.esf4j.spi.Coverage.Support.MARKED;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.Coverage;
import org.esf4j.spi.Coverage.Quirk;

/**
 * The {@code bpf-lsm} backend provider: Exec, FileOpen, SocketBind, SocketConnect and UringCmd
 * decided in the kernel (KERNEL_POLICY) by BPF programs on LSM hooks. Needs libbpf 1.x ({@code libbpf.so.1}),
 * a kernel with BTF and {@code bpf} in its active LSM list, no lockdown in confidentiality mode,
 * and CAP_BPF with CAP_PERFMON (or CAP_SYS_ADMIN). Loads on JDK 17: libbpf is bound with JNA there
 * and with FFM on JDK 22+. Options: see {@link #OPTION_RING_BYTES} and {@link #OPTION_PIN_DIR}.
 * What each event carries: {@link #coverage()}.
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

    private static final Map<EventKind, DecisionClass> OFFERS;
    private static final Coverage COVERAGE;

    static {
        Map<EventKind, DecisionClass> m = new TreeMap<>();
        for (EventKind k : EventKind.known()) {
            if (BpfObject.program(k) != null) {
                m.put(k, DecisionClass.KERNEL_POLICY);
            }
        }
        OFFERS = Collections.unmodifiableMap(m);
        COVERAGE = coverage(OFFERS.keySet());
    }

    @Override
    public Map<EventKind, DecisionClass> offers() {
        return OFFERS;
    }

    /**
     * What the events carry, the same in both modes. Everything about the acting process is what
     * the kernel saw at the hook (for exec: the caller, before the exec), identities included
     * (start times from {@code start_boottime}); its arguments come from the process model, which
     * read them from {@code /proc} (marked {@code APPROXIMATE}: a program may rewrite them). Paths
     * are bpf_d_path's, resolved at the hook ({@code EXACT}, or {@code DELETED} for an unlinked
     * file; empty and {@code UNKNOWN} beyond 255 bytes), except uring's: the file's own name
     * ({@code RELATIVE}). Exec gives no arguments (the hook runs before the new program's
     * arguments can be read); its interpreter is a script's {@code #!} word as the kernel read it,
     * or an ELF file's {@code PT_INTERP} read from the executed file afterwards (absent when that
     * file cannot be read as the same inode). Device and inode are absent where stat(2) shows the
     * file under another device than its superblock's (an overlay of several file systems, btrfs).
     * Open flags are the file's {@code f_flags} at the hook with the call's {@code O_CLOEXEC}.
     */
    @Override
    public Coverage coverage() {
        return COVERAGE;
    }

    private static Coverage coverage(Set<EventKind> kinds) {
        Object[] process = {PID, EXACT, TID, EXACT, PPID, EXACT, UID_GID, EXACT, EUID_EGID, EXACT,
            PROCESS_EXECUTABLE, EXACT_OR_ABSENT, COMM, EXACT, START_TIME, EXACT, PARENT_ID, EXACT, CGROUP, EXACT,
            PROCESS_ARGV, MARKED, KERNEL_TIME, EXACT};
        Set<Mode> both = EnumSet.allOf(Mode.class);
        Coverage.Builder b = Coverage.builder();
        for (EventKind k : kinds) {
            b.kind(k, both, process);
        }
        // file identities only where they are the ones stat(2) shows (not on an overlay of several
        // file systems, nor on btrfs: the hooks see the superblock's device, stat another)
        b.kind(EventKind.EXEC, both, PATH, MARKED, ARGV, ABSENT, INTERPRETER, EXACT_OR_ABSENT,
                DEVICE_INODE, EXACT_OR_ABSENT, CHANGE_TIME, EXACT_OR_ABSENT);
        b.kind(EventKind.FILE_OPEN, both, PATH, MARKED, DEVICE_INODE, EXACT_OR_ABSENT, CHANGE_TIME, EXACT_OR_ABSENT,
                OPEN_FLAGS, EXACT);
        b.kind(EventKind.SOCKET_BIND, both, ADDRESS, EXACT, SOCKET_TYPE, EXACT);
        b.kind(EventKind.SOCKET_CONNECT, both, ADDRESS, EXACT, SOCKET_TYPE, EXACT);
        b.kind(EventKind.URING_CMD, both, PATH, MARKED, DEVICE_INODE, EXACT, CHANGE_TIME, EXACT, COMMAND_OP, EXACT);
        // bprm_check_security runs before the exec can fail; file_open sees the kernel's own opens
        // of the program and its interpreters, directories, and opens that fail later (a driver's
        // open, an LSM after bpf); socket_bind and socket_connect run before the call's outcome
        b.quirks(EventKind.EXEC, Quirk.EXEC_ATTEMPTS);
        b.quirks(EventKind.FILE_OPEN, Quirk.EXEC_OPENS, Quirk.DIRECTORY_OPENS, Quirk.FAILED_OPENS);
        b.quirks(EventKind.SOCKET_BIND, Quirk.FAILED_BINDS);
        b.quirks(EventKind.SOCKET_CONNECT, Quirk.FAILED_CONNECTS);
        return b.build();
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
     * its links (detaching the programs) and maps, and removes the directory. The kernel frees
     * the programs after an RCU grace period: an operation right after this returns may still be
     * decided by them.
     *
     * @param pinDir the directory given as {@link #OPTION_PIN_DIR}
     * @throws org.esf4j.api.Esf4jException when a pin cannot be removed
     */
    public static void unpin(Path pinDir) {
        BpfObject.unpinAll(pinDir);
    }
}
