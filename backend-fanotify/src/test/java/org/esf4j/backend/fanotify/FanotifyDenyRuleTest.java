package org.esf4j.backend.fanotify;

import org.esf4j.spi.BackendProvider;
import org.esf4j.testsuite.DenyRuleConformance;

/** fanotify's deny rules, decided in the engine, against the ways round them. */
class FanotifyDenyRuleTest extends DenyRuleConformance {
    @Override
    protected BackendProvider provider() {
        return new FanotifyProvider();
    }
}
