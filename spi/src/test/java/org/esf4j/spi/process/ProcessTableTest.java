package org.esf4j.spi.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which image called an exec, told from a process's history: the cases a source that reports an
 * exec after the fact (audit) or while it waits (fanotify) depends on.
 */
class ProcessTableTest {

    private static final ProcessTable.Image SHELL = new ProcessTable.Image(100, false, "/bin/sh", "sh",
            List.of("sh"), 0, 0, 0, 0);

    private static ProcessTable.Entry entry() {
        return new ProcessTable.Entry(42, 7, 100, 1, 1, SHELL);
    }

    private static ProcessTable.Image exec(long when, String exe, String comm) {
        return new ProcessTable.Image(when, true, exe, comm, List.of(comm), 0, 0, 0, 0);
    }

    @Test
    void noExecInTheWindowMeansTheImageCurrentDuringIt() {
        ProcessTable.Entry e = entry();
        assertEquals("/bin/sh", e.callerOfExec(200, 300, "/bin/true", "", true).exe());
    }

    @Test
    void anExecOfTheTargetThatCompletedIsThisOne() {
        ProcessTable.Entry e = entry();
        e.add(exec(250, "/bin/true", "true"));
        assertEquals("/bin/sh", e.callerOfExec(200, 300, "/bin/true", "", true).exe());
    }

    @Test
    void anExecOfAnotherProgramInTheWindowCameBeforeThisOne() {
        ProcessTable.Entry e = entry();
        e.add(exec(250, "/usr/bin/env", "env"));
        assertEquals("/usr/bin/env", e.callerOfExec(200, 300, "/bin/true", "", false).exe());
    }

    @Test
    void theOnlyCompletedExecInTheWindowIsThisOneEvenWhenItsExecutableWasNotRead() {
        // a program that exits before the model reads /proc/PID/exe leaves an image without one
        ProcessTable.Entry e = entry();
        e.add(exec(250, "", "true"));
        assertEquals("/bin/sh", e.callerOfExec(200, 300, "/bin/true", "", true).exe());
        assertEquals("sh", e.callerOfExec(200, 300, "/bin/true", "", true).comm());
    }

    @Test
    void twoExecsInTheWindowAndTheLastUnreadCannotBeToldApart() {
        ProcessTable.Entry e = entry();
        e.add(exec(240, "/usr/bin/env", "env"));
        e.add(exec(260, "", "true"));
        ProcessTable.Image caller = e.callerOfExec(200, 300, "/bin/true", "", true);
        // which of the two was this one the history cannot tell: only what the candidates share
        assertEquals("", caller.exe());
        assertEquals(0, caller.uid());
    }

    @Test
    void anExecNotKnownToHaveCompletedKeepsOnlyWhatBothCandidatesShare() {
        // fanotify: the exec of /bin/true may be the one seen, or a second exec of it right after
        ProcessTable.Entry e = entry();
        e.add(exec(250, "/bin/true", "true"));
        ProcessTable.Image caller = e.callerOfExec(200, 300, "/bin/true", "", false);
        assertEquals("", caller.exe());
        assertEquals("", caller.comm());
    }

    @Test
    void historyThatDoesNotReachTheCallerIsUnknown() {
        ProcessTable.Entry e = new ProcessTable.Entry(42, 7, 100, 1, 1, exec(250, "/bin/true", "true"));
        assertNull(e.callerOfExec(200, 300, "/bin/true", "", true));
    }

    private static ProcessTable.Image execReadAt(long when, long read, String exe, String comm) {
        return new ProcessTable.Image(when, true, exe, comm, List.of(comm), 0, 0, 0, 0, read);
    }

    @Test
    void anImageReadFromProcAfterTheNextExecLosesWhatThatExecChanged() {
        // exec of the copy at 240, /proc read at 270, when the process already ran true (exec at 260)
        ProcessTable.Entry e = entry();
        e.add(execReadAt(240, 270, "/bin/true", "true"));
        e.changedAt(260, ProcessTable.ALL);
        e.add(execReadAt(260, 280, "/bin/true", "true"));
        ProcessTable.Image caller = e.callerOfExec(200, 300, "", "", true);
        assertEquals("", caller.exe(), "the read saw the next program, not the caller's");
        assertEquals("", caller.comm());
        assertNull(caller.argv());
        assertEquals(-1, caller.euid());
    }

    @Test
    void anImageReadBeforeTheNextExecKeepsItsFields() {
        ProcessTable.Entry e = entry();
        e.add(execReadAt(240, 250, "/tmp/copy", "copy"));
        e.changedAt(260, ProcessTable.ALL);
        e.add(execReadAt(260, 280, "/bin/true", "true"));
        assertEquals("/tmp/copy", e.callerOfExec(200, 300, "", "", true).exe());
    }

    @Test
    void aCommChangeAfterALateReadTakesOnlyTheCommandName() {
        ProcessTable.Entry e = entry();
        e.add(execReadAt(240, 270, "/tmp/copy", "renamed"));
        e.changedAt(260, ProcessTable.COMM);
        ProcessTable.Image im = e.during(245, 255);
        assertEquals("/tmp/copy", im.exe());
        assertEquals("", im.comm(), "the name the read saw was set after the image began");
    }

    @Test
    void aChildStartsFromItsParentsImageButNotFromTheTimeOfItsRead() {
        ProcessTable.Image parent = execReadAt(100, 300, "/bin/sh", "sh");
        ProcessTable.Entry child = new ProcessTable.Entry(43, 8, 150, 42, 7, parent.forked(150));
        child.changedAt(200, ProcessTable.ALL); // the child's own exec; the parent's read says nothing of it
        assertEquals("/bin/sh", child.during(160, 190).exe());
    }
}
