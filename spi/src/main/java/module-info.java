/**
 * esf4j SPI and engine: the {@link org.esf4j.spi.BackendProvider} contract that backends
 * implement, the engine that drives them (routing, deadlines, cache, muting, sequence numbers,
 * statistics) and the native layer (Panama FFM on JDK 22+, JNA on 17-21).
 *
 * <p>On the module path the native layer needs {@code --enable-native-access=org.esf4j.spi}
 * (FFM); on the class path {@code --enable-native-access=ALL-UNNAMED}.
 */
module org.esf4j.spi {
    requires transitive org.esf4j.api;
    requires org.slf4j;
    requires com.sun.jna;
    requires jdk.jfr;

    exports org.esf4j.spi;
    exports org.esf4j.spi.nativeio to org.esf4j.backend.fanotify, org.esf4j.backend.bpflsm, org.esf4j.backend.audit;

    uses org.esf4j.spi.BackendProvider;
    provides org.esf4j.api.Engine with org.esf4j.spi.engine.EsfEngine;
}
