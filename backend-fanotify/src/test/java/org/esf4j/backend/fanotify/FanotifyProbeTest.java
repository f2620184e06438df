package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventType;
import org.esf4j.api.ReasonCode;
import org.junit.jupiter.api.Test;
import org.esf4j.testsuite.Kernel;

/**
 * Every reason code the probe can reach on this machine: available (root), missing capability
 * (a child JVM without CAP_SYS_ADMIN), no native access (a child JVM forced onto a binding it
 * cannot use), and an unsupported platform. Each child runs {@link PrintProbe}.
 */
class FanotifyProbeTest {

    @Test
    void availableWithBothEventTypesAsUserspace() {
        Kernel.requireBackend(new FanotifyProvider());
        long t0 = System.nanoTime();
        BackendStatus s = new FanotifyProvider().probe();
        assertTrue(s.available(), s.toString());
        assertEquals(ReasonCode.AVAILABLE, s.reason());
        assertEquals(DecisionClass.USERSPACE, s.events().get(EventType.FILE_OPEN));
        assertEquals(DecisionClass.USERSPACE, s.events().get(EventType.EXEC));
        // FFM on JDK 22+, JNA below: CI runs these tests on both, so both bindings meet the kernel.
        assertEquals(Runtime.version().feature() >= 22 ? "ffm" : "jna", s.binding());
        assertTrue(s.message().contains("round trip ok"), s.message());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "probe must be fast");
    }

    @Test
    void withoutCapSysAdminTheReasonIsMissingCapability() throws Exception {
        Kernel.requireBackend(new FanotifyProvider()); // root is needed to drop the capability in the child
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) || Files.isExecutable(Path.of("/bin/setpriv")),
                "setpriv (util-linux) is needed to drop capabilities");
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--inh-caps=-all", "--ambient-caps=-all",
                "--bounding-set=-all", "--"));
        cmd.addAll(childJava());
        String out = run(cmd);
        assertTrue(out.contains("reason=MISSING_CAPABILITY"), out);
        assertTrue(out.contains("CAP_SYS_ADMIN"), out);
        assertTrue(out.contains("available=false"), out);
    }

    @Test
    void forcedUnusableBindingIsNativeAccessUnavailable() throws Exception {
        int feature = Runtime.version().feature();
        assumeTrue(feature < 22 || feature >= 24, "JDK 22-23 can neither lack FFM nor deny native access");
        List<String> cmd = childJava();
        // On 17-21 FFM cannot exist; on 24+ native access can be denied. Either way FFM is unusable.
        cmd.add(1, "-Desf4j.native.binding=ffm");
        if (feature >= 24) {
            cmd.remove("--enable-native-access=ALL-UNNAMED");
            cmd.add(1, "--illegal-native-access=deny");
        }
        String out = run(cmd);
        assertTrue(out.contains("reason=NATIVE_ACCESS_UNAVAILABLE"), out);
        assertTrue(out.contains("available=false"), out);
    }

    @Test
    void notLinuxIsUnsupportedPlatform() throws Exception {
        List<String> cmd = childJava();
        cmd.add(1, "-Dos.name=Plan9");
        String out = run(cmd);
        assertTrue(out.contains("reason=UNSUPPORTED_PLATFORM"), out);
        assertFalse(out.contains("available=true"), out);
    }

    private static List<String> childJava() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PrintProbe.class.getName()));
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child probe hung: " + cmd);
        assertEquals(0, p.exitValue(), "probe must never fail: " + out);
        return out;
    }

    /** Child JVM: prints the probe result. */
    public static final class PrintProbe {
        public static void main(String[] args) {
            BackendStatus s = new FanotifyProvider().probe();
            System.out.println("available=" + s.available() + " reason=" + s.reason() + " message=" + s.message()
                    + " remedy=" + s.remedy());
        }
    }
}
