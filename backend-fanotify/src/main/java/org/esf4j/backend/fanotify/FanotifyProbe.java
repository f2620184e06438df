package org.esf4j.backend.fanotify;

import static org.esf4j.spi.nativeio.Fanotify.*;

import static org.esf4j.spi.nativeio.Fcntl.O_CLOEXEC;
import static org.esf4j.spi.nativeio.Fcntl.O_DIRECTORY;
import static org.esf4j.spi.nativeio.Fcntl.O_LARGEFILE;
import static org.esf4j.spi.nativeio.Fcntl.O_NOATIME;
import static org.esf4j.spi.nativeio.Fcntl.O_RDONLY;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.ProbeResult;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;

/**
 * Probes fanotify the way the backend uses it: creates a permission group with the flags the
 * backend wants, places a permission mark, makes a real open raise a permission event, reads it
 * and answers it. Runs once per JVM; the result is kept in a holder and never thrown from a
 * static initializer.
 */
final class FanotifyProbe {

    /** Flags of every group the backend creates, without the optional ones. */
    static final int BASE_INIT_FLAGS = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE;
    /** {@code event_f_flags}: read-only (O_RDWR gives ETXTBSY for running executables). */
    static final int EVENT_F_FLAGS = O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME;

    /** {@code AT_FDCWD}: paths relative to the working directory. */
    static final int AT_FDCWD = -100;
    private static final long PROBE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);

    /**
     * What this kernel supports.
     *
     * @param pidfd FAN_REPORT_PIDFD (5.15+)
     * @param execPermission FAN_OPEN_EXEC_PERM (5.0+)
     * @param ignoreFlags the flags for a cache ignore mark ({@code FAN_MARK_IGNORE} 6.0+ or
     *                    {@code FAN_MARK_IGNORED_MASK}, plus {@code FAN_MARK_EVICTABLE} 5.19+), or 0
     *                    when no kernel cache is possible
     * @param fdError FAN_REPORT_FD_ERROR (6.13+, 6.12.4, 6.6.66)
     */
    record Features(boolean pidfd, boolean execPermission, int ignoreFlags, boolean fdError) {
    }

    /**
     * Probe outcome: the status and, when available, the features.
     *
     * @param status the status
     * @param features kernel features (null when unavailable)
     */
    record Result(ProbeResult status, Features features) {
    }

    private FanotifyProbe() {
    }

    static Result result() {
        return Holder.RESULT;
    }

    /** @return the features, when fanotify is available */
    static Features ensureAvailable() {
        Result r = result();
        r.status().requireAvailable(FanotifyProvider.NAME);
        return r.features();
    }

    private static final class Holder {
        static final Result RESULT = safeProbe();
    }

    private static Result safeProbe() {
        Result[] out = new Result[1];
        ProbeResult status = ProbeResult.guarded(() -> {
            out[0] = probe();
            return out[0].status();
        });
        return out[0] != null && out[0].status() == status ? out[0] : new Result(status, null);
    }

    private static Result unavailable(ReasonCode code, String message, String remedy, String binding) {
        return new Result(ProbeResult.unavailable(code, message, remedy, binding), null);
    }

    private static Result probe() {
        ProbeResult unmet = ProbeResult.unmetPreconditions("fanotify");
        if (unmet != null) {
            return new Result(unmet, null);
        }
        NativeOps ops = Natives.get();
        String binding = ops.binding();
        int fd = ops.fanotifyInit(BASE_INIT_FLAGS, EVENT_F_FLAGS);
        if (fd < 0) {
            int e = -fd;
            String seen = "fanotify_init(FAN_CLASS_CONTENT|FAN_UNLIMITED_QUEUE) failed: " + Errno.describe(e);
            return switch (e) {
                case Errno.EPERM -> unavailable(ReasonCode.MISSING_CAPABILITY, seen,
                        "run as root or grant CAP_SYS_ADMIN (permission events and unlimited queues need it)", binding);
                case Errno.ENOSYS -> unavailable(ReasonCode.KERNEL_FEATURE_MISSING, seen,
                        "use a kernel built with CONFIG_FANOTIFY=y", binding);
                case Errno.EINVAL -> unavailable(ReasonCode.KERNEL_FEATURE_MISSING, seen,
                        "use a kernel built with CONFIG_FANOTIFY_ACCESS_PERMISSIONS=y", binding);
                case Errno.EMFILE -> unavailable(ReasonCode.RESOURCE_LIMIT, seen,
                        "raise fs.fanotify.max_user_groups or close other fanotify groups", binding);
                default -> unavailable(ReasonCode.PROBE_FAILED, seen, "", binding);
            };
        }
        try (NativeBuffer mem = ops.allocate(8192)) {
            boolean pidfd = accepts(ops, BASE_INIT_FLAGS | FAN_REPORT_PIDFD);
            boolean fdError = accepts(ops, BASE_INIT_FLAGS | FAN_REPORT_PIDFD | FAN_REPORT_FD_ERROR);
            long root = mem.putCString(0, "/");
            // An inode mark on "/" only (not its mount): the probe's own open of the directory is
            // the only event it can raise. FAN_ONDIR: "/" is a directory.
            int rc = ops.fanotifyMark(fd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_ONDIR, AT_FDCWD, root);
            if (rc < 0) {
                String seen = "fanotify_mark(FAN_OPEN_PERM) failed: " + Errno.describe(-rc);
                return -rc == Errno.EINVAL
                        ? unavailable(ReasonCode.KERNEL_FEATURE_MISSING, seen,
                                "use a kernel built with CONFIG_FANOTIFY_ACCESS_PERMISSIONS=y", binding)
                        : unavailable(ReasonCode.PROBE_FAILED, seen, "", binding);
            }
            boolean execPerm = ops.fanotifyMark(fd, FAN_MARK_ADD, FAN_OPEN_EXEC_PERM, AT_FDCWD, root) == 0;
            int ignore = probeIgnoreFlags(ops, fd, root);
            String roundTrip = roundTrip(ops, fd, mem, root);
            if (roundTrip != null) {
                return unavailable(ReasonCode.PROBE_FAILED, roundTrip, "", binding);
            }
            String msg = "permission event round trip ok (" + binding + "; pidfd=" + pidfd + ", exec="
                    + execPerm + ", kernelCache=" + (ignore != 0) + ", fdError=" + fdError + ")";
            return new Result(ProbeResult.available(msg, binding), new Features(pidfd, execPerm, ignore, fdError));
        } finally {
            ops.close(fd);
        }
    }

    private static boolean accepts(NativeOps ops, int flags) {
        int fd = ops.fanotifyInit(flags, EVENT_F_FLAGS);
        if (fd >= 0) {
            ops.close(fd);
        }
        return fd >= 0;
    }

    /** Which ignore-mark flavour this kernel accepts; 0 when none. */
    private static int probeIgnoreFlags(NativeOps ops, int fd, long root) {
        int[] candidates = {
            FAN_MARK_IGNORE | FAN_MARK_EVICTABLE,
            FAN_MARK_IGNORED_MASK | FAN_MARK_EVICTABLE,
            FAN_MARK_IGNORED_MASK,
        };
        for (int flags : candidates) {
            // A directory needs SURV_MODIFY with FAN_MARK_IGNORE; the probe marks "/" so it adds it
            // here, while the cache marks regular files without it (so that a write clears them).
            int rc = ops.fanotifyMark(fd, FAN_MARK_ADD | flags | FAN_MARK_IGNORED_SURV_MODIFY, FAN_ACCESS_PERM,
                    AT_FDCWD, root);
            if (rc == 0) {
                ops.fanotifyMark(fd, FAN_MARK_REMOVE | (flags & ~FAN_MARK_EVICTABLE) | FAN_MARK_IGNORED_SURV_MODIFY,
                        FAN_ACCESS_PERM, AT_FDCWD, root);
                return flags;
            }
        }
        return 0;
    }

    /**
     * Opens "/" from a helper thread and answers the permission event the open raises.
     *
     * @return null on success, else what went wrong
     */
    private static String roundTrip(NativeOps ops, int fd, NativeBuffer mem, long root) {
        int[] openResult = {Integer.MIN_VALUE};
        Thread opener = new Thread(() -> {
            int f = ops.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            openResult[0] = f;
            if (f >= 0) {
                ops.close(f);
            }
        }, "esf4j-fanotify-probe-opener");
        opener.setDaemon(true);
        opener.start();
        int self = ops.getpid();
        long deadline = System.nanoTime() + PROBE_TIMEOUT_NANOS;
        boolean seen = false;
        ByteBuffer bb = mem.buffer();
        long buf = mem.address() + 64;
        int cap = mem.size() - 64;
        try (NativeBuffer response = ops.allocate(8)) {
            ByteBuffer rb = response.buffer();
            EventMetadata md = new EventMetadata();
            while (System.nanoTime() < deadline && opener.isAlive()) {
                long n = ops.read(fd, buf, cap);
                if (n < 0) {
                    if (-n == Errno.EAGAIN || -n == Errno.EINTR) {
                        Thread.onSpinWait();
                        continue;
                    }
                    return "read from the fanotify group failed: " + Errno.describe((int) -n);
                }
                md.wrap(bb.duplicate().position(64).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN), (int) n);
                while (md.next()) {
                    int efd = md.fd();
                    if (efd >= 0) {
                        rb.putInt(0, efd).putInt(4, FAN_ALLOW);
                        ops.write(fd, response.address(), 8);
                        ops.close(efd);
                    }
                    int pidfd = md.pidfd();
                    if (pidfd >= 0) {
                        ops.close(pidfd);
                    }
                    seen |= md.pid() == self && (md.mask() & FAN_OPEN_PERM) != 0;
                }
            }
        }
        try {
            opener.join(TimeUnit.NANOSECONDS.toMillis(PROBE_TIMEOUT_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!seen) {
            return "a permission-marked open raised no fanotify event within 2 s";
        }
        if (openResult[0] < 0) {
            return "the probe's open() failed after an ALLOW answer: "
                    + (openResult[0] == Integer.MIN_VALUE ? "did not finish" : Errno.describe(-openResult[0]));
        }
        return null;
    }
}
