package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The exec contract: every exec of the workload that the backend declares reportable is reported
 * exactly once (an exec of a script and of its interpreters is one event), by the process that
 * called it as it was before the exec, with the executable, arguments, interpreter and file identity
 * the witness saw, as the backend's coverage declares them.
 */
public interface ExecConformance extends ConformanceRun {

    /** Compares every exec with the witness. */
    @Test
    default void everyExecIsReportedOnceWithTheWitnessFields() throws Exception {
        Comparison c = comparison().execs();
        List<String> f = c.findings();
        System.out.printf("%s: %d execs compared with the witness, %d findings%n", getClass().getName(),
                c.compared(), f.size());
        assertTrue(c.compared() >= 10, "only " + c.compared() + " execs of the workload were compared");
        assertEquals(List.of(), f.subList(0, Math.min(f.size(), 60)), f.size() + " exec findings");
    }
}
