package org.esf4j.backend.audit;

import static org.esf4j.spi.ProbeResult.unavailable;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.ProbeResult;
import org.esf4j.spi.nativeio.Arch;
import org.esf4j.spi.nativeio.Capabilities;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;

/**
 * Finds out, by doing it, whether audit works here: a control socket reads the status (needs
 * CAP_AUDIT_CONTROL in the initial user and pid namespaces), a second socket joins the multicast
 * group (CAP_AUDIT_READ, initial network namespace), a rule for {@code kill(self, 0)} from this
 * process is added, the call is made from a new thread, and the probe waits for the SYSCALL
 * record with the rule's key. The rule is removed and audit's {@code enabled} restored before the
 * probe returns. Run once per JVM.
 */
final class AuditProbe {

    static final long RECORD_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private AuditProbe() {
    }

    private static final java.util.function.Supplier<ProbeResult> RESULT = ProbeResult.once(AuditProbe::probe);

    static ProbeResult result() {
        return RESULT.get();
    }

    static void ensureAvailable() {
        result().requireAvailable("audit");
    }

    static ProbeResult probe() throws Exception {
        ProbeResult unmet = ProbeResult.unmetPreconditions("Linux audit");
        if (unmet != null) {
            return unmet;
        }
        NativeOps ops = Natives.get();
        String binding = ops.binding();
        long caps = Capabilities.effective();
        AuditNetlink ctl;
        try {
            ctl = AuditNetlink.open(ops, 0);
        } catch (AuditNetlink.NetlinkException e) {
            if (e.errno == AuditNetlink.EPROTONOSUPPORT) {
                return unavailable(ReasonCode.SOURCE_DISABLED, "the kernel has no audit netlink socket: built without"
                        + " CONFIG_AUDIT, or booted with audit=0 (" + e.getMessage() + ")",
                        "boot without audit=0 (a kernel with CONFIG_AUDIT=y and CONFIG_AUDITSYSCALL=y)", binding);
            }
            return unavailable(ReasonCode.PROBE_FAILED, e.getMessage(), "", binding);
        }
        try (ctl) {
            AuditStatus status;
            try {
                status = ctl.status();
            } catch (AuditNetlink.NetlinkException e) {
                return controlRefused(e, caps, binding);
            }
            if (status.enabled() == AuditStatus.ENABLED_LOCKED) {
                return unavailable(ReasonCode.CONFIGURATION_LOCKED, "audit is locked (enabled=2, auditctl -e 2): no rule can"
                        + " be added or removed until reboot, so esf4j cannot install the rules it needs",
                        "remove '-e 2' from the audit rules (e.g. /etc/audit/rules.d) and reboot", binding);
            }
            AuditNetlink reader;
            try {
                reader = AuditNetlink.open(ops, AuditNetlink.GROUP_READLOG);
            } catch (AuditNetlink.NetlinkException e) {
                if (e.errno == Errno.EPERM || !Capabilities.has(caps, Capabilities.AUDIT_READ)) {
                    return unavailable(ReasonCode.MISSING_CAPABILITY, "joining the audit multicast group needs CAP_AUDIT_READ"
                            + String.format(" (effective capabilities %#x): ", caps) + e.getMessage(),
                            "run as root, or grant CAP_AUDIT_READ and CAP_AUDIT_CONTROL", binding);
                }
                return unavailable(ReasonCode.KERNEL_FEATURE_MISSING, "the audit multicast group (AUDIT_NLGRP_READLOG, Linux"
                        + " 3.16+, initial network namespace only) cannot be joined: " + e.getMessage(),
                        "run in the initial network namespace on Linux 3.16 or later", binding);
            }
            try (reader) {
                return roundTrip(ops, ctl, reader, status, binding);
            }
        }
    }

    private static ProbeResult controlRefused(AuditNetlink.NetlinkException e, long caps, String binding) {
        if (e.errno == Errno.ECONNREFUSED) {
            return unavailable(ReasonCode.MISSING_CAPABILITY, "the kernel refuses audit control outside the initial user"
                    + " namespace (" + e.getMessage() + ")", "run in the host's user namespace, e.g. not in a"
                    + " rootless container", binding);
        }
        if (e.errno == Errno.EPERM) {
            boolean hasCap = Capabilities.has(caps, Capabilities.AUDIT_CONTROL);
            return unavailable(ReasonCode.MISSING_CAPABILITY, hasCap
                    ? "audit control refused although CAP_AUDIT_CONTROL is held: the process is not in the initial"
                    + " pid namespace (" + e.getMessage() + ")"
                    : String.format("audit control needs CAP_AUDIT_CONTROL (effective capabilities %#x): ", caps)
                    + e.getMessage(),
                    hasCap ? "run in the host's pid namespace" : "run as root, or grant CAP_AUDIT_CONTROL and"
                            + " CAP_AUDIT_READ", binding);
        }
        return unavailable(ReasonCode.PROBE_FAILED, "AUDIT_GET failed: " + e.getMessage(), "", binding);
    }

    private static ProbeResult roundTrip(NativeOps ops, AuditNetlink ctl, AuditNetlink reader, AuditStatus before,
                                    String binding) throws Exception {
        int pid = ops.getpid();
        String owner = AuditRules.newOwner(pid);
        String key = owner + "probe";
        Syscalls.Abi abi = Syscalls.forThisMachine().length > 0 ? Syscalls.forThisMachine()[0] : null;
        if (abi == null) {
            return unavailable(ReasonCode.UNSUPPORTED_PLATFORM, "no syscall table for " + Arch.NAME, "run on x86-64 or aarch64",
                    binding);
        }
        byte[] rule = new AuditRule(AuditRule.LIST_EXIT, AuditRule.ALWAYS).syscalls(abi.kill())
                .field(AuditRule.F_ARCH, AuditRule.OP_EQUAL, abi.arch())
                .field(AuditRule.F_PID, AuditRule.OP_EQUAL, pid)
                .field(201, AuditRule.OP_EQUAL, 0) // AUDIT_ARG1: signal 0
                .field(AuditRule.F_FILTERKEY, AuditRule.OP_EQUAL, key).toBytes();
        AuditSwitch.acquire(ctl, owner);
        try {
            try {
                ctl.addRule(rule);
            } catch (AuditNetlink.NetlinkException e) {
                return unavailable(ReasonCode.PROBE_FAILED, "AUDIT_ADD_RULE failed: " + e.getMessage(), "", binding);
            }
            try {
                // A new thread: tasks created before audit was first enabled have no audit context.
                Thread t = new Thread(() -> ops.kill(pid, 0), "esf4j-audit-probe");
                t.start();
                t.join();
                if (!awaitKey(ops, reader, key)) {
                    return unavailable(ReasonCode.KERNEL_FEATURE_MISSING, "a rule was added and triggered but no record reached"
                            + " the multicast group within " + TimeUnit.NANOSECONDS.toMillis(RECORD_WAIT_NANOS)
                            + " ms (a kernel without CONFIG_AUDITSYSCALL?)", "use a kernel with CONFIG_AUDITSYSCALL=y",
                            binding);
                }
            } finally {
                ctl.deleteRule(rule);
            }
        } finally {
            AuditSwitch.release(ctl, owner);
        }
        String daemon = before.pid() != 0 ? "; audit daemon pid " + before.pid() + " holds the unicast slot (esf4j reads"
                + " the multicast copy beside it)" : "; no audit daemon registered";
        return ProbeResult.available("audit enabled=" + before.enabled() + daemon + ", multicast"
                + " round trip ok", binding);
    }

    /** Reads the multicast socket until a SYSCALL record carrying {@code key} arrives, or the wait ends. */
    private static boolean awaitKey(NativeOps ops, AuditNetlink reader, String key) {
        byte[] needle = ("key=\"" + key + "\"").getBytes(StandardCharsets.US_ASCII);
        long end = System.nanoTime() + RECORD_WAIT_NANOS;
        try (NativeBuffer buf = ops.allocate(AuditNetlink.MAX_MESSAGE)) {
            ByteBuffer b = buf.buffer();
            byte[] m = new byte[AuditNetlink.MAX_MESSAGE];
            while (System.nanoTime() < end) {
                long n = ops.recvfrom(reader.fd(), buf.address(), buf.size(), AuditNetlink.MSG_DONTWAIT, 0, 0);
                if (n == -Errno.EAGAIN || n == -Errno.EINTR || n == -Errno.ENOBUFS) {
                    Thread.sleep(5);
                    continue;
                }
                if (n < 0) {
                    return false;
                }
                b.get(0, m, 0, (int) n);
                if (n >= AuditNetlink.NLMSG_HDRLEN && (b.getShort(4) & 0xffff) == 1300
                        && indexOf(m, (int) n, needle) >= 0) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private static int indexOf(byte[] hay, int len, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= len; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
