package org.esf4j.backend.bpflsm;

import org.esf4j.spi.BackendProvider;
import org.esf4j.testsuite.DenyRuleConformance;

/** BPF LSM's deny rules, decided in the kernel, against the ways round them (in the guests). */
class BpfLsmDenyRuleTest extends DenyRuleConformance {
    @Override
    protected BackendProvider provider() {
        return new BpfLsmProvider();
    }
}
