package org.esf4j.api;

/**
 * How far a value that a source may know only partly can be trusted.
 *
 * @since 0.1
 */
public enum Accuracy {
    /** The value is what the kernel saw. */
    EXACT,
    /** The value was rebuilt and may differ from what the kernel saw; the field's docs say how. */
    APPROXIMATE,
    /** The source does not give the value; it is empty. */
    UNKNOWN
}
