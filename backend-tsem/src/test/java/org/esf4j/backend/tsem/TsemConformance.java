/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.BackendProvider;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.BackendConformanceTest;
import org.esf4j.testsuite.ExecConformance;
import org.esf4j.testsuite.FileOpenConformance;
import org.esf4j.testsuite.SocketBindConformance;
import org.esf4j.testsuite.SocketConnectConformance;
import org.junit.jupiter.api.AfterAll;

/**
 * TSEM against the conformance suite, through the emulator: the workload (strace and what it
 * traces) and every start/stop operation run inside modeling namespaces the client launches,
 * since TSEM sees nothing else. strace stops at every call (no seccomp-bpf filter of its own:
 * the emulator's user notification would pre-empt it).
 */
abstract class TsemConformance extends BackendConformanceTest implements ExecConformance, FileOpenConformance,
        SocketBindConformance, SocketConnectConformance {

    /** Started with the test instance: the base class probes the backend in its own {@code @BeforeAll}. */
    private final TsemEmulator emulator;

    TsemConformance() throws Exception {
        emulator = TsemEmulator.start("tnum");
    }

    @AfterAll
    final void stopEmulator() throws Exception {
        emulator.close();
    }

    @Override
    protected BackendProvider provider() {
        return new TsemProvider();
    }

    @Override
    protected Mode mode() {
        return Mode.AUTH;
    }

    @Override
    protected Set<EventKind> kinds() {
        return Set.of(EventKind.EXEC, EventKind.FILE_OPEN, EventKind.SOCKET_BIND, EventKind.SOCKET_CONNECT);
    }

    @Override
    protected boolean straceSeccompFilter() {
        return false;
    }

    @Override
    protected Process startWorkload(ProcessBuilder pb) {
        return client().extension(TsemNamespaces.class).orElseThrow().launch(pb, TsemLaunch.external()).process();
    }

    @Override
    protected Actor.Outcome act(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Actor.path().toString());
        cmd.addAll(List.of(args));
        Process p = client().extension(TsemNamespaces.class).orElseThrow()
                .launch(new ProcessBuilder(cmd).redirectErrorStream(true), TsemLaunch.external()).process();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the actor did not finish: " + String.join(" ", args));
        }
        return new Actor.Outcome(p.pid(), out);
    }

    /** AUTH (TAINT), FFM. */
    static final class AuthFfmTest extends TsemConformance {
        AuthFfmTest() throws Exception {
        }

        @Override
        protected String binding() {
            return "ffm";
        }
    }

    /** AUTH (TAINT), JNA. */
    static final class AuthJnaTest extends TsemConformance {
        AuthJnaTest() throws Exception {
        }

        @Override
        protected String binding() {
            return "jna";
        }
    }
}
