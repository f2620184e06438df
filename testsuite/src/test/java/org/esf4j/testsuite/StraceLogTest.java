package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * strace's two forms of an exec by a non-leader thread (the actor's {@code thread-exec}), as
 * {@code strace -f -tt -T} printed them on Linux 6.18: both are one successful exec that takes the
 * leader's pid. In the second, the exec's start was printed unfinished (another thread's call was
 * pending) and its end comes on the leader's pid after "superseded", with no "pid changed" marker:
 * the parser dropped it, and the conformance suite then saw the backend's exec as unexpected.
 */
class StraceLogTest {

    private static List<StraceLog.Call> execs(String log) {
        return StraceLog.parse(log.getBytes(StandardCharsets.ISO_8859_1)).calls().stream()
                .filter(c -> c.name().equals("execve") && c.tid() != 100).toList();
    }

    private static final String LEADER_EXEC = "100  1733605328.276529 execve(\"/t/actor\", [\"/t/actor\", \"thread-exec\","
            + " \"/bin/echo\", \"hi\"], 0x7ffef073eb60 /* 35 vars */) = 0 <0.001191>\n";

    @Test
    void anExecByAThreadWithThePidChangeMarker() {
        List<StraceLog.Call> e = execs(LEADER_EXEC
                + "101  1733605328.290860 execve(\"/bin/echo\", [\"/bin/echo\", \"hi\"], 0x7fffd03f1b90 /* 35 vars */"
                + " <pid changed to 100 ...>\n"
                + "100  1733605328.291618 +++ superseded by execve in pid 101 +++\n"
                + "100  1733605328.291641 <... execve resumed>) = 0 <0.000718>\n");
        assertEquals(1, e.size(), e.toString());
        assertEquals(100, e.get(0).pidChangedTo());
        assertTrue(e.get(0).ok());
    }

    @Test
    void anExecByAThreadPrintedUnfinishedEndsOnTheLeadersPid() {
        List<StraceLog.Call> e = execs(LEADER_EXEC
                + "100  1733605333.267612 pause( <unfinished ...>\n"
                + "101  1733605333.267736 execve(\"/bin/echo\", [\"/bin/echo\", \"hi\"], 0x7ffc6115ae40 /* 35 vars */"
                + " <unfinished ...>\n"
                + "100  1733605333.267798 <... pause resumed>) = ?\n"
                + "100  1733605333.268037 +++ superseded by execve in pid 101 +++\n"
                + "100  1733605333.268060 <... execve resumed>) = 0 <0.000312>\n"
                + "100  1733605333.268092 brk(NULL)         = 0x5616d0310000 <0.000008>\n");
        assertEquals(1, e.size(), "the exec is kept: " + e);
        StraceLog.Call c = e.get(0);
        assertEquals(101, c.tid());
        assertEquals(100, c.pidChangedTo());
        assertTrue(c.ok());
        assertEquals("/bin/echo", ((StraceLog.Str) c.args().get(0)).text());
    }
}
