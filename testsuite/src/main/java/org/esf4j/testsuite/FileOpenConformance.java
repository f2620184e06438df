package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The open contract: every open in the watched file system that the backend declares reportable
 * (directories and O_PATH opens as it declares) is reported exactly once, by its process, with the
 * path the kernel printed for the opened file (a file renamed or unlinked afterwards may only be
 * marked), its flags and its identity, as the backend's coverage declares them; every other event is
 * one of the backend's declared quirks (the kernel's own opens for an exec).
 */
public interface FileOpenConformance extends ConformanceRun {

    /** Compares every open with the witness. */
    @Test
    default void everyOpenIsReportedOnceWithTheWitnessFields() throws Exception {
        Comparison c = comparison().opens();
        List<String> f = c.findings();
        System.out.printf("%s: %d opens compared with the witness, %d findings%n", getClass().getName(),
                c.compared(), f.size());
        assertTrue(c.compared() >= 20, "only " + c.compared() + " opens of the workload were compared");
        assertEquals(List.of(), f.subList(0, Math.min(f.size(), 60)), f.size() + " open findings");
    }
}
