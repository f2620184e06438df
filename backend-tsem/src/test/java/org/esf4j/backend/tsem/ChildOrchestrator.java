/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.Verdict;

/**
 * A JVM that orchestrates one workload and never answers: it launches {@code args[0]} (a file the
 * workload reads) with a handler that blocks, prints {@code LAUNCHED <pid>} and waits to be killed.
 * The root of the TSEM files comes from the system property {@value TsemBackend#ROOT_PROPERTY}.
 */
public final class ChildOrchestrator {

    private ChildOrchestrator() {
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Client c = EndpointSecurity.newClient(ClientConfig.builder()
                .subscribe(EventKind.FILE_OPEN, Mode.AUTH).pinBackend(EventKind.FILE_OPEN, TsemProvider.NAME)
                .onAuthorization(req -> {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Verdict.allow();
                }).deadline(Duration.ofMinutes(10)).build());
        TsemWorkload w = c.extension(TsemNamespaces.class).orElseThrow()
                .launch(new ProcessBuilder("/bin/cat", args[0]), TsemLaunch.external());
        System.out.println("LAUNCHED " + w.process().pid());
        System.out.flush();
        never.await();
    }
}
