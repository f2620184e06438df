package org.esf4j.backend.bpflsm;

import org.esf4j.api.Mode;
import org.esf4j.spi.BackendProvider;
import org.esf4j.testsuite.BackendConformanceTest;
import org.esf4j.testsuite.ExecConformance;
import org.esf4j.testsuite.FileOpenConformance;
import org.esf4j.testsuite.SocketBindConformance;
import org.esf4j.testsuite.SocketConnectConformance;

/**
 * BPF LSM against the conformance suite (CI: inside the Debian 6.1 and 6.12 guests): every exec,
 * open, bind and connect of the workload, in both modes its coverage declares (AUTH: the decided
 * events of the kernel's policy, handed to the handler; NOTIFY), both bindings (one JVM per class:
 * the binding is chosen once per JVM). The hooks see every exec and open on the host, not only
 * those in the watched tmpfs; the suite keeps the workload's processes and, for opens, the scope.
 */
abstract class BpfLsmConformance extends BackendConformanceTest
        implements ExecConformance, FileOpenConformance, SocketBindConformance, SocketConnectConformance {

    @Override
    protected BackendProvider provider() {
        return new BpfLsmProvider();
    }

    private final String binding;
    private final Mode mode;

    private BpfLsmConformance(String binding, Mode mode) {
        this.binding = binding;
        this.mode = mode;
    }

    @Override
    protected String binding() {
        return binding;
    }

    @Override
    protected Mode mode() {
        return mode;
    }

    /** Decided events, FFM. */
    static final class AuthFfmTest extends BpfLsmConformance {
        AuthFfmTest() {
            super("ffm", Mode.AUTH);
        }
    }

    /** Notifications, FFM. */
    static final class NotifyFfmTest extends BpfLsmConformance {
        NotifyFfmTest() {
            super("ffm", Mode.NOTIFY);
        }
    }

    /** Decided events, JNA. */
    static final class AuthJnaTest extends BpfLsmConformance {
        AuthJnaTest() {
            super("jna", Mode.AUTH);
        }
    }

    /** Notifications, JNA. */
    static final class NotifyJnaTest extends BpfLsmConformance {
        NotifyJnaTest() {
            super("jna", Mode.NOTIFY);
        }
    }
}
