/**
 * Kernel audit records, parsed in place and reassembled into events, with no allocation per
 * record: {@link org.esf4j.backend.audit.record.AuditRecord} (a flyweight over one record's text),
 * {@link org.esf4j.backend.audit.record.Reassembler} (groups records by event id, completes events
 * on EOE, by timeout or by the in-flight limit, and counts events lost from serial gaps) and
 * {@link org.esf4j.backend.audit.record.AuditEvent} (one pooled event, its records indexed in its
 * own arena). Depends on the JDK only.
 *
 * <p>Not API, may change without notice: the module does not export this package.
 */
package org.esf4j.backend.audit.record;
