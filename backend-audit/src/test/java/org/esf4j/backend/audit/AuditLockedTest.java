package org.esf4j.backend.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.Test;

/**
 * A locked audit configuration ({@code enabled=2}, {@code auditctl -e 2}): the probe says
 * CONFIGURATION_LOCKED and a client is refused with it. Locking lasts until reboot, so the test
 * runs only where that is wanted: in a throw-away guest with {@code ESF4J_REQUIRE=audit-lock}
 * ({@code .ci/run} boots one for it alone); anywhere else it is skipped and touches nothing.
 */
class AuditLockedTest {

    @Test
    void aLockedConfigurationIsReportedAndRefused() throws Exception {
        assumeTrue(Kernel.required("audit-lock"),
                "locks audit until reboot: runs only with ESF4J_REQUIRE=audit-lock (a throw-away guest)");
        Kernel.requireBackend(new AuditProvider());
        try (AuditNetlink c = AuditControl.control()) {
            c.set(AuditStatus.MASK_ENABLED, AuditStatus.of(AuditStatus.ENABLED_LOCKED, 0, 0));
            assertEquals(AuditStatus.ENABLED_LOCKED, c.status().enabled());
        }
        String out = AuditProbeTest.childProbe(List.of());
        assertTrue(out.startsWith("CONFIGURATION_LOCKED") && out.contains("enabled=2"), out);
        Esf4jException e = assertThrows(Esf4jException.class,
                () -> EndpointSecurity.newClient(AuditControl.notify(EventKind.SOCKET_BIND).build()).close());
        assertTrue(e.getMessage().contains("CONFIGURATION_LOCKED"), e.getMessage());
    }
}
