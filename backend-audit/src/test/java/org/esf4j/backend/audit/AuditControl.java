package org.esf4j.backend.audit;

import java.util.ArrayList;
import java.util.List;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.testsuite.Events;

/**
 * What only the audit tests need (the rest comes from the testsuite module): the tests' own audit
 * control socket, to read the status and the rules in the kernel and to put {@code enabled} back,
 * and a client configuration pinned to the audit backend.
 */
final class AuditControl {

    private AuditControl() {
    }

    /**
     * A client config with the given NOTIFY subscriptions pinned to the audit backend, an event
     * callback that ignores events (replace it with {@code onEvent}) and this JVM's ancestors muted
     * (in the kernel too, as {@code pid!=} fields).
     */
    static ClientConfig.Builder notify(EventKind... kinds) {
        ClientConfig.Builder b = ClientConfig.builder().onEvent(e -> { });
        for (EventKind k : kinds) {
            b.subscribe(k, Mode.NOTIFY).pinBackend(k, AuditProvider.NAME);
        }
        Events.muteAncestors().forEach(b::mute);
        return b;
    }

    /** A control socket for the tests' own status reads and rule checks. */
    static AuditNetlink control() throws AuditNetlink.NetlinkException {
        return AuditNetlink.open(Natives.get(), 0);
    }

    static AuditStatus status() throws Exception {
        try (AuditNetlink c = control()) {
            return c.status();
        }
    }

    /** @return the keys of every rule in the kernel */
    static List<String> ruleKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        try (AuditNetlink c = control()) {
            for (byte[] r : c.listRules()) {
                keys.add(String.valueOf(AuditRule.key(r)));
            }
        }
        return keys;
    }

    /**
     * Starts a JVM with an audit client of its own ({@link ClientMain}) and waits until its rules
     * are in the kernel. SIGTERM makes it close its client; SIGKILL leaves everything behind.
     */
    static Process childClient() throws Exception {
        String launcher = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(launcher, "--enable-native-access=ALL-UNNAMED",
                "-Desf4j.probe.timeout.ms=" + System.getProperty("esf4j.probe.timeout.ms", "120000"), "-cp",
                System.getProperty("java.class.path"), ClientMain.class.getName()).redirectErrorStream(true).start();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY")) {
            // the child's log lines
        }
        if (line == null) {
            child.destroyForcibly();
            throw new AssertionError("the child JVM did not start its client");
        }
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe from filling
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        }, "audit-child-output");
        drain.setDaemon(true);
        drain.start();
        return child;
    }

    /** Sets {@code enabled} back to what it was (never to or from 2), without esf4j's "enabled" rule. */
    static void restoreEnabled(int enabled) throws Exception {
        try (AuditNetlink c = control()) {
            for (byte[] r : c.listRules()) {
                if (AuditSwitch.ENABLED_KEY.equals(AuditRule.key(r))) {
                    c.deleteRule(r); // a test killed the JVM that would have removed it
                }
            }
            AuditStatus now = c.status();
            if (now.enabled() != enabled && now.enabled() != AuditStatus.ENABLED_LOCKED
                    && enabled != AuditStatus.ENABLED_LOCKED) {
                c.set(AuditStatus.MASK_ENABLED, AuditStatus.of(enabled, 0, 0));
            }
        }
    }
}
