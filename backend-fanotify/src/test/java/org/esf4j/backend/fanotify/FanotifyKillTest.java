package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.junit.jupiter.api.Test;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Kernel;
import org.esf4j.testsuite.Tmpfs;

/**
 * Killing the enforcing JVM with SIGKILL while another process waits on a permission event
 * releases that process: the kernel allows everything pending when the group's last fd closes.
 */
class FanotifyKillTest {

    @Test
    void killMinus9ReleasesWaitingProcess() throws Exception {
        Kernel.requireBackend(new FanotifyProvider());
        try (Tmpfs tmpfs = new Tmpfs()) {
            Path file = tmpfs.file("wait-for-me", "x");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process enforcer = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), BlockingEnforcer.class.getName(),
                    tmpfs.dir.toString())).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(enforcer.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null && !line.equals("READY")) {
                    // skip the child's log lines
                }
                assertEquals("READY", line, "the enforcing JVM did not start");
                Process opener = Actor.start("open", file.toString());
                assertFalse(opener.waitFor(1, TimeUnit.SECONDS), "the opener must wait for the blocked handler");
                enforcer.destroyForcibly(); // SIGKILL
                assertTrue(enforcer.waitFor(10, TimeUnit.SECONDS));
                if (!opener.waitFor(10, TimeUnit.SECONDS)) {
                    opener.destroyForcibly();
                    fail("the opener stayed blocked after the enforcing JVM was killed");
                }
                assertEquals("OK", new String(opener.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            } finally {
                enforcer.destroyForcibly();
            }
        }
    }

    /** Child JVM: enforces with a handler that never returns. */
    public static final class BlockingEnforcer {
        public static void main(String[] args) throws Exception {
            CountDownLatch never = new CountDownLatch(1);
            ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                    .scope(Scope.mount(Path.of(args[0]))).deadline(Duration.ofHours(1))
                    .authorizationHandler(req -> {
                        never.await();
                        return null;
                    }).build();
            try (Client client = EndpointSecurity.newClient(config)) {
                System.out.println("READY");
                System.out.flush();
                never.await();
            }
        }
    }
}
