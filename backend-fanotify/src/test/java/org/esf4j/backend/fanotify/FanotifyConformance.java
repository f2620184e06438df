package org.esf4j.backend.fanotify;

import org.esf4j.api.Mode;
import org.esf4j.spi.BackendProvider;
import org.esf4j.testsuite.BackendConformanceTest;
import org.esf4j.testsuite.ExecConformance;
import org.esf4j.testsuite.FileOpenConformance;

/**
 * fanotify against the conformance suite: execs and opens in the watched tmpfs, both modes, both
 * bindings (one JVM per class: the binding is chosen once per JVM).
 */
abstract class FanotifyConformance extends BackendConformanceTest implements ExecConformance, FileOpenConformance {

    @Override
    protected BackendProvider provider() {
        return new FanotifyProvider();
    }

    /** Notifications, FFM. */
    static final class NotifyFfmTest extends FanotifyConformance {
        @Override
        protected String binding() {
            return "ffm";
        }

        @Override
        protected Mode mode() {
            return Mode.NOTIFY;
        }
    }

    /** Notifications, JNA. */
    static final class NotifyJnaTest extends FanotifyConformance {
        @Override
        protected String binding() {
            return "jna";
        }

        @Override
        protected Mode mode() {
            return Mode.NOTIFY;
        }
    }

    /** Permission events, JNA. */
    static final class AuthJnaTest extends FanotifyConformance {
        @Override
        protected String binding() {
            return "jna";
        }

        @Override
        protected Mode mode() {
            return Mode.AUTH;
        }
    }

    /** Permission events, FFM. */
    static final class AuthFfmTest extends FanotifyConformance {
        @Override
        protected String binding() {
            return "ffm";
        }

        @Override
        protected Mode mode() {
            return Mode.AUTH;
        }
    }
}
