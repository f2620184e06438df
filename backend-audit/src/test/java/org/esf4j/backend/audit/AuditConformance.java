package org.esf4j.backend.audit;

import org.esf4j.api.Mode;
import org.esf4j.spi.BackendProvider;
import org.esf4j.testsuite.BackendConformanceTest;
import org.esf4j.testsuite.ExecConformance;
import org.esf4j.testsuite.FileOpenConformance;
import org.esf4j.testsuite.SocketBindConformance;
import org.esf4j.testsuite.SocketConnectConformance;

/**
 * audit against the conformance suite: every exec, open, bind and connect of the workload, both
 * bindings (one JVM per class: the binding is chosen once per JVM). Audit offers notifications only.
 * Its exec and open rules carry {@code dir=} per scope, so it reports the execs of files in the
 * watched file system, like fanotify's marks.
 */
abstract class AuditConformance extends BackendConformanceTest
        implements ExecConformance, FileOpenConformance, SocketBindConformance, SocketConnectConformance {

    @Override
    protected BackendProvider provider() {
        return new AuditProvider();
    }

    @Override
    protected Mode mode() {
        return Mode.NOTIFY;
    }

    /** Notifications, FFM. */
    static final class NotifyFfmTest extends AuditConformance {
        @Override
        protected String binding() {
            return "ffm";
        }
    }

    /** Notifications, JNA. */
    static final class NotifyJnaTest extends AuditConformance {
        @Override
        protected String binding() {
            return "jna";
        }
    }
}
