/**
 * The libbpf binding over JNA (JDK 17+). Not API.
 */
package org.esf4j.backend.bpflsm.jna;
