package org.esf4j.backend.audit;

import org.esf4j.api.Client;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;

/**
 * A JVM with an audit client of its own (the tests of state shared across processes): prints
 * "READY" once the client's rules are in the kernel, then waits; SIGTERM closes the client (as
 * Ctrl-C would a product), SIGKILL leaves its rules behind.
 */
public final class ClientMain {

    private ClientMain() {
    }

    public static void main(String[] args) throws Exception {
        Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.EXEC, EventKind.SOCKET_BIND)
                .onEvent(e -> { }).build());
        Runtime.getRuntime().addShutdownHook(new Thread(c::close, "close-on-sigterm"));
        System.out.println("READY " + c);
        System.out.flush();
        Thread.sleep(600_000);
    }
}
