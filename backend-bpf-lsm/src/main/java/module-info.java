/**
 * The BPF LSM backend: Exec, FileOpen, SocketBind, SocketConnect and UringCmd decided in the
 * kernel by BPF programs on LSM hooks, from rules the library pushes into maps (decision class
 * KERNEL_POLICY), and reported through a BPF ring buffer consumed in place from Java. Its libbpf
 * binding is its own (FFM in {@code .ffm}, JNA in {@code .jna}); on the module path the FFM
 * binding needs {@code --enable-native-access=org.esf4j.backend.bpflsm}.
 */
module org.esf4j.backend.bpflsm {
    requires org.esf4j.spi;
    requires org.slf4j;
    requires static com.sun.jna;

    exports org.esf4j.backend.bpflsm;

    provides org.esf4j.spi.BackendProvider with org.esf4j.backend.bpflsm.BpfLsmProvider;
}
