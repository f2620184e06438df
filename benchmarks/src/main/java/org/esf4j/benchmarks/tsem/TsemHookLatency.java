/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.benchmarks.tsem;

import java.time.Duration;
import java.util.List;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.Verdict;
import org.esf4j.backend.tsem.TsemLaunch;
import org.esf4j.backend.tsem.TsemModel;
import org.esf4j.backend.tsem.TsemNamespaces;
import org.esf4j.backend.tsem.TsemProvider;
import org.esf4j.backend.tsem.TsemWorkload;

/**
 * The Java side of {@code benchmarks/tsem/run}: one esf4j client (FileOpen AUTH pinned to the tsem
 * backend, the handler on the reader thread, allow) launches CMD in an external modeling namespace
 * with a learning userspace model (every event's coefficient is computed), waits for it and prints
 * the client's counters. CMD is the opener, which prints its own open(2) latencies.
 *
 * <pre>
 * java -Desf4j.tsem.root=ROOT -cp benchmarks.jar org.esf4j.benchmarks.tsem.TsemHookLatency CMD [ARGS...]
 * </pre>
 */
public final class TsemHookLatency {

    private TsemHookLatency() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: TsemHookLatency CMD [ARGS...]");
            System.exit(64);
        }
        ClientConfig config = ClientConfig.builder()
                .subscribe(EventKind.FILE_OPEN, Mode.AUTH).pinBackend(EventKind.FILE_OPEN, TsemProvider.NAME)
                .handlerThread(ClientConfig.HandlerThread.READER)
                .onAuthorization(req -> Verdict.allow())
                .deadline(Duration.ofSeconds(5)).build();
        try (Client c = EndpointSecurity.newClient(config)) {
            TsemModel model = TsemModel.learning("sha256");
            TsemWorkload w = c.extension(TsemNamespaces.class).orElseThrow().launch(
                    new ProcessBuilder(List.of(args)).inheritIO(), TsemLaunch.external().withModel(model));
            int exit = w.process().waitFor();
            System.err.println("java orchestrator: exit " + exit + ", " + model.events() + " events modeled, "
                    + c.stats().total());
            System.exit(exit);
        }
    }
}
