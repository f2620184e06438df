/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

/**
 * The two command syntaxes TSEM has had for external namespaces and releases.
 *
 * @since 0.2
 */
public enum TsemSyntax {
    /**
     * v3/v4: {@code external … key=HEX} (the key is mandatory; the orchestrator must be the real
     * parent of the process that writes the command), releases {@code trusted pid=P key=HEX}.
     */
    KEY,
    /**
     * The development tree after v4: {@code external …} without a key, every record carries the
     * task's {@code tnum}, releases {@code trusted pid=P tnum=N}.
     */
    TNUM
}
