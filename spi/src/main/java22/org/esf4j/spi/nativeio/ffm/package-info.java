/**
 * The FFM (JDK 22+) binding of {@link org.esf4j.spi.nativeio.NativeOps}; compiled at release 22
 * and loaded reflectively. Not API, may change without notice.
 *
 * @since 0.1
 */
package org.esf4j.spi.nativeio.ffm;
