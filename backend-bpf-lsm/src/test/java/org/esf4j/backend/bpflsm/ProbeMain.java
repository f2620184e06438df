package org.esf4j.backend.bpflsm;

import org.esf4j.api.BackendStatus;

/** Prints the BPF LSM probe's outcome on one line: "available|REASON message". */
public final class ProbeMain {

    private ProbeMain() {
    }

    public static void main(String[] args) {
        BackendStatus s = new BpfLsmProvider().probe();
        System.out.println("PROBE " + (s.available() ? "available" : s.reason().name()) + " " + s.message());
    }
}
