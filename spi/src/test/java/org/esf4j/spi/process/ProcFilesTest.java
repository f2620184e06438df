package org.esf4j.spi.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.Test;

/** The /proc reader against the kernel's other views of the same process. */
class ProcFilesTest {

    @Test
    void pidfdInfoAgreesWithStatusAndTheCgroupDirectory() throws Exception {
        NativeOps ops = Natives.get();
        int self = (int) ProcessHandle.current().pid();
        int pidfd = ops.pidfdOpen(self, 0);
        assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
        try (ProcFiles p = new ProcFiles(ops)) {
            assertTrue(p.status(self));
            int uid = p.uid();
            int euid = p.euid();
            int gid = p.gid();
            int egid = p.egid();
            int ppid = p.ppid();
            String rel = p.cgroupPath(self);
            if (!p.pidfdInfo(pidfd)) {
                // before 6.13 the kernel has no PIDFD_GET_INFO: the reader says so and sets nothing
                String[] v = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
                int major = Integer.parseInt(v[0]);
                int minor = Integer.parseInt(v[1]);
                assertTrue(major < 6 || (major == 6 && minor < 13), "PIDFD_GET_INFO failed on " + major + "." + minor);
                return;
            }
            assertEquals(uid, p.uid());
            assertEquals(euid, p.euid());
            assertEquals(gid, p.gid());
            assertEquals(egid, p.egid());
            assertEquals(ppid, p.ppid());
            assertEquals(self, p.tgid());
            String root = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash > 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
                    root = line.substring(0, dash).split(" ")[4];
                }
            }
            if (root != null && rel != null) {
                long ino = ((Number) Files.getAttribute(Path.of(root + (rel.equals("/") ? "" : rel)), "unix:ino"))
                        .longValue();
                assertEquals(ino, p.pidfdCgroupId(), "the cgroup id is the inode of the cgroup's directory");
            }
        } finally {
            ops.close(pidfd);
        }
    }
}
