package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The connect contract: every connect of the workload (to listening IPv4 and IPv6 sockets, and one
 * refused) is reported once by its process with the address, port and socket type strace saw; a
 * failed connect only when the backend declares that it reports attempts.
 */
public interface SocketConnectConformance extends ConformanceRun {

    /** Compares every connect with the witness. */
    @Test
    default void everyConnectIsReportedOnceWithTheWitnessFields() {
        Comparison c = comparison().sockets(true);
        List<String> f = c.findings();
        System.out.printf("%s: %d connects compared with the witness, %d findings%n", getClass().getName(),
                c.compared(), f.size());
        assertTrue(c.compared() >= 2, "only " + c.compared() + " connects of the workload were compared");
        assertEquals(List.of(), f.subList(0, Math.min(f.size(), 60)), f.size() + " connect findings");
    }
}
