/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

/**
 * A workload running in a modeling namespace this client created.
 *
 * @since 0.2
 */
public interface TsemWorkload {

    /**
     * @return the namespace id the kernel gave (its {@code external_tma/<id>} queue)
     */
    long namespaceId();

    /**
     * @return the workload's first process (the launching shell, replaced by the command)
     */
    Process process();

    /**
     * @return the syntax the namespace was created with
     */
    TsemSyntax syntax();

    /**
     * @return the options it was launched with
     */
    TsemLaunch options();

    /**
     * The userspace modeling agent of this namespace, when {@link TsemLaunch#model(TsemModel)} gave one.
     *
     * @return the model, or null
     */
    TsemModel model();

    /**
     * Whether the namespace's queue is still read: until the workload's last process has ended and
     * its records are read, or the client closes.
     *
     * @return true while open
     */
    boolean isOpen();
}
