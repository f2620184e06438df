package org.esf4j.backend.bpflsm;

import static org.esf4j.spi.ProbeResult.unavailable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.ProbeResult;
import org.esf4j.spi.nativeio.Capabilities;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;

/**
 * Finds out, by doing it, whether BPF LSM works here: the object is loaded (the verifier and
 * lockdown have their say), the {@code file_open} program is attached, the probe opens a file
 * and waits for the program's record in the ring buffer. Attach succeeds even when {@code bpf}
 * is not in the active LSM list; only the record proves the hook fires. Run once per JVM.
 */
final class BpfLsmProbe {

    /** Sleepable BPF LSM programs, ring buffers and bpf_get_current_task_btf arrived in 5.11. */
    static final int[] MIN_KERNEL = {5, 11};
    static final String LSM_REMEDY = "boot with 'bpf' in the LSM list, e.g. lsm=lockdown,capability,landlock,yama,bpf"
            + " (CONFIG_BPF_LSM=y is needed as well)";
    private static final long MS_RDONLY = 1;
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final long MS_NOEXEC = 8;
    private static final int MNT_DETACH = 2;
    private static final long HOOK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private BpfLsmProbe() {
    }

    private static final Supplier<ProbeResult> RESULT = ProbeResult.once(BpfLsmProbe::probe);

    static ProbeResult result() {
        return RESULT.get();
    }

    static void ensureAvailable() {
        result().requireAvailable("bpf-lsm");
    }

    static ProbeResult probe() {
        ProbeResult unmet = ProbeResult.unmetPreconditions("BPF LSM");
        if (unmet != null) {
            return unmet;
        }
        NativeOps ops = Natives.get();
        String binding = ops.binding();
        LibBpf lib;
        try {
            lib = LibBpf.get();
        } catch (Esf4jException e) {
            return unavailable(ReasonCode.LIBRARY_MISSING, e.getMessage(), LibBpf.FIX, binding);
        }
        String release = read("/proc/sys/kernel/osrelease").trim();
        if (olderThan(release, MIN_KERNEL)) {
            return unavailable(ReasonCode.KERNEL_TOO_OLD, "kernel " + release + ": the backend needs " + MIN_KERNEL[0] + "."
                    + MIN_KERNEL[1] + "+ (sleepable BPF LSM programs, ring buffers); it is tested on 6.1 and 6.12",
                    "use a newer kernel", binding);
        }
        if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
            return unavailable(ReasonCode.NO_BTF, "/sys/kernel/btf/vmlinux is missing: the kernel has no BTF, which the"
                    + " CO-RE object and LSM attachment need", "use a kernel built with CONFIG_DEBUG_INFO_BTF=y", binding);
        }
        long caps = Capabilities.effective();
        boolean capable = Capabilities.has(caps, Capabilities.SYS_ADMIN)
                || (Capabilities.has(caps, Capabilities.BPF) && Capabilities.has(caps, Capabilities.PERFMON));
        if (!capable) {
            return unavailable(ReasonCode.MISSING_CAPABILITY, String.format("effective capabilities %#x lack CAP_BPF with"
                    + " CAP_PERFMON, and CAP_SYS_ADMIN", caps),
                    "run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE (or CAP_SYS_ADMIN)", binding);
        }
        String lsms = securityfs("lsm").trim();
        long print = lib.setPrint(0); // the probe reports failures itself
        try {
            BpfObject obj;
            try {
                obj = BpfObject.load(lib, ops, 256 * 1024, null);
            } catch (BpfObject.BpfException e) {
                return loadFailed(e, binding);
            }
            try (obj) {
                return triggerOpenHook(lib, ops, obj, lsms, binding, release);
            }
        } finally {
            lib.setPrint(print);
        }
    }

    static ProbeResult loadFailed(BpfObject.BpfException e, String binding) {
        if (e.errno == Errno.EPERM) {
            String lockdown = lockdown();
            if (!lockdown.isEmpty()) {
                return unavailable(ReasonCode.LOCKDOWN, "the kernel is locked down (" + lockdown + " mode) and refuses the BPF"
                        + " LSM programs although CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN are held ("
                        + e.getMessage() + ")", "boot a kernel without lockdown (lockdown=none; some kernels force it"
                        + " in their build configuration or under Secure Boot), or use another backend (fanotify,"
                        + " audit)", binding);
            }
            return unavailable(ReasonCode.MISSING_CAPABILITY, "the kernel refused to load the BPF LSM programs: " + e.getMessage(),
                    "run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE (or CAP_SYS_ADMIN); check"
                            + " kernel.unprivileged_bpf_disabled and the memlock limit", binding);
        }
        if (e.stage == BpfObject.Stage.LOAD && (e.errno == Errno.EINVAL || e.errno == Errno.ENOENT
                || e.errno == Errno.ESRCH || e.errno == 524 /* ENOTSUPP */)) {
            return unavailable(ReasonCode.KERNEL_FEATURE_MISSING, "the kernel refused the BPF LSM programs: " + e.getMessage()
                    + " (opening a client prints libbpf's and the verifier's reasons on standard error)",
                    "use a kernel with CONFIG_BPF_LSM=y, CONFIG_BPF_SYSCALL=y and BTF (Debian 12's 6.1 and 6.12 work)",
                    binding);
        }
        return unavailable(ReasonCode.PROBE_FAILED, e.getMessage(), "", binding);
    }

    private static ProbeResult triggerOpenHook(LibBpf lib, NativeOps ops, BpfObject obj, String lsms, String binding,
                                          String release) {
        BpfMaps maps = new BpfMaps(lib, ops, obj);
        RingBuffer ring = new RingBuffer(ops, obj.mapFd("events"), 256 * 1024);
        Path probe = null;
        try {
            maps.mode(EventKind.FILE_OPEN, BpfMaps.NOTIFY);
            try {
                obj.attach(Set.of(EventKind.FILE_OPEN));
            } catch (BpfObject.BpfException e) {
                return unavailable(ReasonCode.KERNEL_FEATURE_MISSING, e.getMessage(), "use a kernel with CONFIG_BPF_LSM=y", binding);
            }
            probe = Files.createTempFile("esf4j-bpf-probe", ".tmp");
            long ino = (Long) Files.getAttribute(probe, "unix:ino");
            int pid = ops.getpid();
            long deadline = System.nanoTime() + HOOK_WAIT_NANOS;
            boolean[] seen = {false};
            RingBuffer.RecordHandler match = (ByteBuffer data, int off, int len) -> {
                if (len >= EventRecord.SIZE) {
                    EventRecord r = new EventRecord().wrap(data, off);
                    if (r.type() == EventKind.FILE_OPEN.id() && r.pid() == pid && r.inode() == ino) {
                        seen[0] = true;
                    }
                }
            };
            Files.readAllBytes(probe); // the trigger
            while (!seen[0] && System.nanoTime() < deadline) {
                if (ring.poll(match, 1 << 16) == 0) {
                    Thread.sleep(5); // the record is there within the open; no reader thread for one event
                }
            }
            if (!seen[0]) {
                return unavailable(ReasonCode.LSM_NOT_ACTIVE, "the file_open program attached, but opening a file raised no"
                        + " event: 'bpf' is not in the active LSM list ("
                        + (lsms.isEmpty() ? "securityfs not mounted, list unknown" : lsms) + ")", LSM_REMEDY, binding);
            }
            return ProbeResult.available("BPF LSM programs load and fire on " + release
                    + " (libbpf " + lib.version() + ", active LSMs " + (lsms.isEmpty() ? "unknown" : lsms) + ")", binding);
        } catch (IOException e) {
            return unavailable(ReasonCode.PROBE_FAILED, "cannot create the probe's file: " + e, "", binding);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable(ReasonCode.PROBE_FAILED, "interrupted while waiting for the probe's event", "", binding);
        } finally {
            maps.mode(EventKind.FILE_OPEN, BpfMaps.OFF);
            ring.close();
            maps.close();
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // a temp file
                }
            }
        }
    }

    /**
     * The lockdown mode when the kernel is locked down.
     *
     * @return e.g. {@code "confidentiality"}, or empty when not locked down (or unknown)
     */
    static String lockdown() {
        String s = securityfs("lockdown");
        int a = s.indexOf('[');
        int b = s.indexOf(']');
        if (a >= 0 && b > a) {
            String mode = s.substring(a + 1, b);
            return mode.equals("none") ? "" : mode;
        }
        return "";
    }

    /**
     * A securityfs file. When securityfs is not mounted, it is mounted for the read on a private
     * temporary directory and unmounted at once (root only), leaving the system as it was.
     *
     * @return the content, or empty when it cannot be read
     */
    static String securityfs(String file) {
        String s = read("/sys/kernel/security/" + file);
        if (!s.isEmpty() || Files.exists(Path.of("/sys/kernel/security/" + file))) {
            return s;
        }
        if (!Natives.isAvailable()) {
            return "";
        }
        NativeOps ops = Natives.get();
        Path dir = null;
        try (NativeBuffer mem = ops.allocate(8192)) {
            dir = Files.createTempDirectory("esf4j-securityfs");
            long target = mem.putCString(0, dir.toString());
            long type = mem.putCString(4096, "securityfs");
            if (ops.mount(type, target, type, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0) < 0) {
                return "";
            }
            try {
                return read(dir.resolve(file).toString());
            } finally {
                ops.umount2(target, MNT_DETACH);
            }
        } catch (IOException e) {
            return "";
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temp dir
                }
            }
        }
    }

    static boolean olderThan(String release, int[] min) {
        String[] p = release.split("[.-]");
        try {
            int major = Integer.parseInt(p[0]);
            int minor = p.length > 1 ? Integer.parseInt(p[1]) : 0;
            return major < min[0] || (major == min[0] && minor < min[1]);
        } catch (NumberFormatException e) {
            return false; // unknown format: let the load decide
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
