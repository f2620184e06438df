package org.esf4j.backend.bpflsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.esf4j.api.BackendStatus;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.ProbeResult;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.Test;

/**
 * The probe tells the truth: on a locked-down host (CI's host) it names the lockdown; where BPF
 * LSM is required (CI's guests) it is available, which it only says after a hook fired.
 */
class BpfLsmProbeTest {

    @Test
    void probeNamesLockdownOrIsAvailable() {
        BackendStatus s = new BpfLsmProvider().probe();
        String lockdown = BpfLsmProbe.lockdown();
        String seen = s.reason() + ": " + s.message() + " / " + s.remedy();
        if (!lockdown.isEmpty()) {
            assertFalse(s.available(), seen);
            assertEquals(ReasonCode.LOCKDOWN, s.reason(), seen);
            assertTrue(s.message().contains(lockdown), seen);
            assertFalse(s.remedy().isEmpty(), seen);
        } else if (s.available()) {
            // available is said only after a hook fired
            assertEquals(ReasonCode.AVAILABLE, s.reason(), seen);
            assertTrue(s.message().contains("fire"), seen);
        } else {
            assertFalse(Kernel.required(BpfLsmProvider.NAME), "BPF LSM is required here: " + seen);
            assertTrue(s.reason() != ReasonCode.AVAILABLE, seen);
            assertFalse(s.remedy().isEmpty() && s.reason() != ReasonCode.PROBE_FAILED, "a remedy: " + seen);
        }
    }

    @Test
    void kernelVersionGate() {
        assertTrue(BpfLsmProbe.olderThan("5.10.0-21-amd64", BpfLsmProbe.MIN_KERNEL));
        assertFalse(BpfLsmProbe.olderThan("5.11.0", BpfLsmProbe.MIN_KERNEL));
        assertFalse(BpfLsmProbe.olderThan("6.1.0-40-amd64", BpfLsmProbe.MIN_KERNEL));
        assertTrue(BpfLsmProbe.olderThan("4.19.0", BpfLsmProbe.MIN_KERNEL));
    }

    /** A verifier or BTF refusal at load is a missing kernel feature; EPERM without lockdown a capability. */
    @Test
    void loadRefusalsAreClassified() {
        for (int errno : new int[] {Errno.EINVAL, Errno.ENOENT, Errno.ESRCH, 524}) {
            ProbeResult p = BpfLsmProbe.loadFailed(new BpfObject.BpfException(BpfObject.Stage.LOAD, errno, "refused"),
                    "ffm");
            assertEquals(ReasonCode.KERNEL_FEATURE_MISSING, p.reason(), "errno " + errno);
            assertTrue(p.remedy().contains("CONFIG_BPF_LSM"), p.remedy());
        }
        ProbeResult eperm = BpfLsmProbe.loadFailed(new BpfObject.BpfException(BpfObject.Stage.LOAD, Errno.EPERM,
                "refused"), "ffm");
        assertEquals(BpfLsmProbe.lockdown().isEmpty() ? ReasonCode.MISSING_CAPABILITY : ReasonCode.LOCKDOWN,
                eperm.reason());
    }
}
