/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.util.List;

/**
 * The TSEM backend's ability beyond events: launching a workload into a security modeling
 * namespace of its own, whose events this client then receives and releases. Reached through
 * {@link org.esf4j.api.Client#extension(Class)} on a client that routes at least one kind to the
 * {@code tsem} backend:
 *
 * <pre>{@code
 * TsemNamespaces tsem = client.extension(TsemNamespaces.class).orElseThrow();
 * TsemWorkload w = tsem.launch(new ProcessBuilder("make", "-C", dir).inheritIO(), TsemLaunch.external());
 * int exit = w.process().waitFor();
 * }</pre>
 *
 * <p>TSEM models only processes inside a namespace the orchestrator created (or, with
 * {@code tsem_mode=root_export_only}, reports the whole host without waiting): a client sees the
 * events of the workloads it launched, and of the root namespace when the kernel exports it.
 *
 * @since 0.2
 */
public interface TsemNamespaces {

    /**
     * Starts {@code process}'s command inside a new modeling namespace. A short shell ({@code /bin/sh})
     * runs first: it writes the namespace command to TSEM's {@code control} file (which moves it,
     * and every process it starts later, into the namespace), applies {@link TsemLaunch#enforce}
     * and {@link TsemLaunch#seal}, reports the namespace id, and then replaces itself with the
     * command. The returned workload's events already reach this client: the command's first
     * operation waits for this client's answer.
     *
     * @param process the command, its directory, environment and redirections
     * @param options the namespace's parameters
     * @return the running workload
     * @throws org.esf4j.api.Esf4jException when the kernel refuses the namespace (with its reason), the
     *         shell cannot start, or it reports nothing within the launch timeout
     */
    TsemWorkload launch(ProcessBuilder process, TsemLaunch options);

    /**
     * The workloads launched by this client that still have a queue open.
     *
     * @return a snapshot
     */
    List<TsemWorkload> workloads();

    /**
     * Which release syntax the kernel speaks, as far as known: {@link TsemSyntax#TNUM} once a
     * record carried a task number, {@link TsemSyntax#KEY} once a namespace was created with a key.
     *
     * @return the syntax, or null before the first launch
     */
    TsemSyntax syntax();
}
