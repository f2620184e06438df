package org.esf4j.backend.audit;

import org.esf4j.api.BackendStatus;

/** Prints the audit probe's outcome: "available|REASON message". */
public final class ProbeMain {

    private ProbeMain() {
    }

    public static void main(String[] args) {
        BackendStatus s = new AuditProvider().probe();
        System.out.println((s.available() ? "available" : s.reason().name()) + " " + s.message());
    }
}
