package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bind contract: every bind of the workload (IPv4, IPv6 in the RFC 5952 form, unix paths and the
 * abstract namespace; port 0 is the port asked for) is reported once by its process with the address,
 * port and socket type strace saw, as the backend's coverage declares them.
 */
public interface SocketBindConformance extends ConformanceRun {

    /** Compares every bind with the witness. */
    @Test
    default void everyBindIsReportedOnceWithTheWitnessFields() {
        Comparison c = comparison().sockets(false);
        List<String> f = c.findings();
        System.out.printf("%s: %d binds compared with the witness, %d findings%n", getClass().getName(),
                c.compared(), f.size());
        assertTrue(c.compared() >= 4, "only " + c.compared() + " binds of the workload were compared");
        assertEquals(List.of(), f.subList(0, Math.min(f.size(), 60)), f.size() + " bind findings");
    }
}
