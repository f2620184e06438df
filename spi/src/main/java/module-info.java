/**
 * esf4j SPI and engine: the {@link org.esf4j.spi.BackendProvider} contract that backends
 * implement, the engine that drives them (routing, deadlines, cache, muting, sequence numbers,
 * statistics), the process model every backend shares, the reader skeleton, and the native layer
 * (Panama FFM on JDK 22+, JNA on 17-21).
 *
 * <p>The packages {@code org.esf4j.spi}, {@code org.esf4j.spi.process} and
 * {@code org.esf4j.spi.nativeio} are for backend implementations, so that a backend in a module
 * of its own (with native bindings of its own, FFM and JNA) needs no change here; applications
 * program against {@code org.esf4j.api} only.
 *
 * <p>On the module path the native layer needs {@code --enable-native-access=org.esf4j.spi}
 * (FFM); on the class path {@code --enable-native-access=ALL-UNNAMED}. JNA is needed only on JDK
 * 17-21 (or with {@code -Desf4j.native.binding=jna}); on the module path it is then added with
 * {@code --add-modules com.sun.jna}.
 */
module org.esf4j.spi {
    requires transitive org.esf4j.api;
    requires org.slf4j;
    requires static com.sun.jna;
    requires jdk.jfr;

    exports org.esf4j.spi;
    exports org.esf4j.spi.process;
    exports org.esf4j.spi.nativeio;

    uses org.esf4j.spi.BackendProvider;
    provides org.esf4j.api.Engine with org.esf4j.spi.engine.EsfEngine;
}
