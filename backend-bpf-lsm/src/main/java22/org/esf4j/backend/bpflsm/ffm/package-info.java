/**
 * The libbpf binding over Panama FFM (JDK 22+), compiled at release 22 and loaded reflectively
 * only on JDK 22+. Not API.
 */
package org.esf4j.backend.bpflsm.ffm;
