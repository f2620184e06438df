/**
 * The native layer: one internal interface ({@link org.esf4j.spi.nativeio.NativeOps}) over the C
 * library, its selection ({@link org.esf4j.spi.nativeio.Natives}), the shared errno table
 * ({@link org.esf4j.spi.nativeio.Errno}) and the kernel constants and struct layouts the backends
 * use. The FFM binding (JDK 22+) lives in {@code .ffm}, the JNA binding in {@code .jna}.
 * Not API, may change without notice.
 *
 * @since 0.1
 */
package org.esf4j.spi.nativeio;
