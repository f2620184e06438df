package org.esf4j.backend.bpflsm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ReasonCode;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each unmet precondition the probe names, made real: a probe in a child JVM, in a mount namespace
 * of its own where libbpf, the kernel's release or its BTF is hidden, or without capabilities. The
 * probe checks these before it loads anything, so they run wherever libbpf is installed (CI's
 * host, whose locked-down kernel would refuse the load itself). {@code LOCKDOWN} is the CI host's answer
 * and {@code LSM_NOT_ACTIVE} that of a guest booted without {@code bpf} in its LSM list
 * ({@code .ci/run}); {@code BpfLsmProbeTest} checks both, and {@code available}. Only
 * {@code KERNEL_FEATURE_MISSING} (a kernel without BPF LSM support) has no kernel here: its
 * classification of the loader's errors is checked directly, in {@code BpfLsmProbeTest}.
 */
class BpfLsmProbeReasonsTest {

    @BeforeEach
    void libbpf() {
        boolean loaded;
        String why = "";
        try {
            LibBpf.get();
            loaded = true;
        } catch (org.esf4j.api.Esf4jException e) {
            loaded = false;
            why = e.getMessage();
        }
        Kernel.require("libbpf", loaded, why);
    }

    /** Runs ProbeMain under {@code prefix} (e.g. unshare, setpriv) and returns its reason. */
    private static String probe(List<String> prefix, String setUp) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(prefix);
        List<String> jvm = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ProbeMain.class.getName());
        if (setUp.isEmpty()) {
            cmd.addAll(jvm);
        } else {
            cmd.addAll(List.of("sh", "-c", setUp + " && exec \"$@\"", "sh"));
            cmd.addAll(jvm);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), cmd + " did not finish");
        String line = out.lines().filter(l -> l.startsWith("PROBE ")).findFirst()
                .orElseThrow(() -> new AssertionError(cmd + " printed no probe line:\n" + out));
        return line.substring(6);
    }

    private static final List<String> OWN_MOUNTS = List.of("unshare", "-m", "--propagation", "private");

    /** The libbpf this JVM loaded (set-up loaded it), from the kernel's map of it. */
    private static String loadedLibbpf() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .filter(f -> f.contains("libbpf.so")).findFirst()
                .orElseThrow(() -> new AssertionError("libbpf is not mapped in this JVM"));
    }

    @Test
    void aMissingLibraryIsLibraryMissing() throws Exception {
        String r = probe(OWN_MOUNTS, "mount --bind /dev/null " + loadedLibbpf());
        assertTrue(r.startsWith(ReasonCode.LIBRARY_MISSING.name() + " "), r);
        assertTrue(r.contains("libbpf"), r);
    }

    @Test
    void anOldKernelIsKernelTooOld() throws Exception {
        Path release = Files.writeString(Files.createTempFile("esf4j-osrelease", ""), "5.10.0-esf4j-test\n");
        try {
            String r = probe(OWN_MOUNTS, "mount --bind " + release + " /proc/sys/kernel/osrelease");
            assertTrue(r.startsWith(ReasonCode.KERNEL_TOO_OLD.name() + " kernel 5.10.0-esf4j-test"), r);
        } finally {
            Files.delete(release);
        }
    }

    @Test
    void aKernelWithoutBtfIsNoBtf() throws Exception {
        String r = probe(OWN_MOUNTS, "mount -t tmpfs esf4j-no-btf /sys/kernel/btf");
        assertTrue(r.startsWith(ReasonCode.NO_BTF.name() + " "), r);
    }

    @Test
    void aProcessWithoutCapabilitiesIsMissingCapability() throws Exception {
        String r = probe(List.of("setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all"), "");
        assertTrue(r.startsWith(ReasonCode.MISSING_CAPABILITY.name() + " effective capabilities 0"), r);
    }
}
