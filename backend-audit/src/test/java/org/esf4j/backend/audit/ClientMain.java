package org.esf4j.backend.audit;

import org.esf4j.api.Client;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;

/**
 * A JVM with an audit client that the leftover test kills with SIGKILL: prints "READY" once the
 * client's rules are in the kernel, then waits to be killed.
 */
public final class ClientMain {

    private ClientMain() {
    }

    public static void main(String[] args) throws Exception {
        Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.EXEC, EventKind.SOCKET_BIND)
                .onEvent(e -> { }).build());
        System.out.println("READY " + c);
        System.out.flush();
        Thread.sleep(600_000);
    }
}
