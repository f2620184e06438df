/**
 * The JNA (direct mapping) binding of {@link org.esf4j.spi.nativeio.NativeOps}, used on JDK
 * 17–21 and as the fallback when FFM is not usable. Not API, may change without notice.
 *
 * @since 0.1
 */
package org.esf4j.spi.nativeio.jna;
