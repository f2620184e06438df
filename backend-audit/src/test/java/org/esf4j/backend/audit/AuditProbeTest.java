package org.esf4j.backend.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.ReasonCode;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.Test;

/**
 * The probe on the real kernel: available where audit is required (host and guests in CI), and,
 * in a child JVM whose capability bounding set lacks CAP_AUDIT_CONTROL and CAP_AUDIT_READ,
 * unavailable with MISSING_CAPABILITY — leaving audit's state as it was.
 */
class AuditProbeTest {

    @Test
    void probeDoesTheRoundTripAndRestoresState() throws Exception {
        Kernel.requireBackend(new AuditProvider());
        AuditStatus before = AuditControl.status();
        List<String> rules = AuditControl.ruleKeys().stream().filter(k -> !AuditRules.isLeftover(k)).toList();
        BackendStatus s = new AuditProvider().probe();
        assertTrue(s.available(), s.message());
        assertEquals(ReasonCode.AVAILABLE, s.reason());
        assertTrue(s.message().contains("round trip ok"), s.message());
        // a second probe in a fresh JVM does the round trip again and leaves nothing behind
        String out = childProbe(List.of());
        assertTrue(out.startsWith("available"), out);
        assertEquals(before.enabled(), AuditControl.status().enabled(), "enabled restored");
        assertEquals(rules, AuditControl.ruleKeys().stream().filter(k -> !AuditRules.isLeftover(k)).toList(),
                "no rule left");
    }

    @Test
    void withoutTheAuditCapabilitiesTheProbeSaysMissingCapability() throws Exception {
        Kernel.requireBackend(new AuditProvider());
        String out = childProbe(List.of("setpriv", "--bounding-set", "-audit_control,-audit_read", "--"));
        assertTrue(out.startsWith("MISSING_CAPABILITY") && out.contains("CAP_AUDIT_CONTROL"), out);
        out = childProbe(List.of("setpriv", "--bounding-set", "-audit_read", "--"));
        assertTrue(out.startsWith("MISSING_CAPABILITY") && out.contains("CAP_AUDIT_READ"), out);
    }

    static String childProbe(List<String> prefix) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ProbeMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        return out.lines().filter(l -> l.startsWith("available") || l.matches("^[A-Z_]+ .*")).findFirst().orElse(out);
    }
}
