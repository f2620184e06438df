package org.esf4j.backend.bpflsm;

/**
 * The libbpf calls the BPF LSM backend needs ({@code libbpf.so.1}, libbpf 1.x), implemented with
 * FFM on JDK 22+ and JNA on 17–21 like the spi's {@code NativeOps}, in this backend's own
 * {@code .ffm} and {@code .jna} packages. Obtained from {@link #get()}.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>libbpf 1.x returns {@code -errno} from functions returning {@code int}; functions
 *       returning a pointer return NULL and set errno. Here both kinds return a {@code long}:
 *       the pointer (an opaque handle, never dereferenced by Java) or {@code -errno}.</li>
 *   <li>Strings and buffers are NUL-terminated bytes at native addresses the caller owns
 *       ({@link NativeBuffer}).</li>
 *   <li>The map element calls ({@link #mapUpdate}, {@link #mapLookup}, {@link #mapDelete})
 *       allocate nothing on the Java heap; everything else is setup.</li>
 * </ul>
 * Thread-safe as libbpf is: one object must not be loaded or closed by two threads at once.
 * Not API, may change without notice.
 */
public interface LibBpf {

    /** The fix, for messages: which package provides {@code libbpf.so.1}. */
    String FIX = "install libbpf 1.x (libbpf.so.1): Debian/Ubuntu package libbpf1, Fedora/RHEL package libbpf";

    /**
     * libbpf, bound with the same binding as the spi's native layer; loaded on first use and cached.
     *
     * @return the shared instance
     * @throws org.esf4j.api.Esf4jException when the native layer is unavailable or
     *         {@code libbpf.so.1} cannot be loaded, with the reason and {@link #FIX}
     */
    static LibBpf get() {
        if (Holder.LIB == null) {
            throw new org.esf4j.api.Esf4jException(Holder.CAUSE, Holder.ERROR);
        }
        return Holder.LIB;
    }

    /**
     * A new binding of the given kind, bypassing the cached one (tests and benchmarks).
     *
     * @param binding {@code "ffm"} or {@code "jna"}
     * @return the binding
     * @throws org.esf4j.api.Esf4jException when it cannot be loaded
     */
    static LibBpf load(String binding) {
        try {
            return org.esf4j.spi.nativeio.Natives.binding(binding, LibBpf.class, Holder.FFM, Holder.JNA,
                    LibBpf.class.getClassLoader());
        } catch (org.esf4j.api.Esf4jException e) {
            throw new org.esf4j.api.Esf4jException(e.getMessage() + "; " + FIX, e.getCause());
        }
    }

    /** The binding, loaded once; the initializer never throws. */
    final class Holder {
        static final String FFM = "org.esf4j.backend.bpflsm.ffm.FfmLibBpf";
        static final String JNA = "org.esf4j.backend.bpflsm.jna.JnaLibBpf";
        static final LibBpf LIB;
        static final String CAUSE;
        static final Throwable ERROR;

        static {
            LibBpf lib = null;
            String cause = "";
            Throwable error = null;
            try {
                lib = org.esf4j.spi.nativeio.Natives.binding(LibBpf.class, FFM, JNA, LibBpf.class.getClassLoader());
            } catch (Throwable t) {
                cause = t.getMessage() + "; " + FIX;
                error = t.getCause() != null ? t.getCause() : t;
            }
            LIB = lib;
            CAUSE = cause;
            ERROR = error;
        }

        private Holder() {
        }
    }

    /** {@code BPF_ANY} for {@link #mapUpdate}. */
    long BPF_ANY = 0;
    /** @return {@code "ffm"} or {@code "jna"} */
    String binding();

    /** @return libbpf's version, e.g. {@code "1.1"} */
    String version();

    /** {@code bpf_object__open_mem(buf, size, NULL)}: the object handle, or {@code -errno}. */
    long objectOpenMem(long bufAddr, long size);

    /** {@code bpf_object__load}: 0 or {@code -errno}. */
    int objectLoad(long obj);

    /** {@code bpf_object__close}; 0 is ignored. */
    void objectClose(long obj);

    /** {@code bpf_object__find_map_by_name}: the map handle, or 0 when absent. */
    long findMap(long obj, long nameAddr);

    /** {@code bpf_object__find_program_by_name}: the program handle, or 0 when absent. */
    long findProgram(long obj, long nameAddr);

    /** {@code bpf_map__fd}: the fd (after load), or {@code -errno}. */
    int mapFd(long map);

    /** {@code bpf_map__set_max_entries} (before load): 0 or {@code -errno}. */
    int mapSetMaxEntries(long map, int maxEntries);

    /** {@code bpf_map__set_pin_path} (before load; pins at load, reuses a pinned map): 0 or {@code -errno}. */
    int mapSetPinPath(long map, long pathAddr);

    /** {@code bpf_program__attach}: the link handle, or {@code -errno}. */
    long programAttach(long prog);

    /** {@code bpf_link__open(path)}: a pinned link's handle, or {@code -errno}. */
    long linkOpen(long pathAddr);

    /** {@code bpf_link__pin}: 0 or {@code -errno}. */
    int linkPin(long link, long pathAddr);

    /** {@code bpf_link__unpin}: 0 or {@code -errno}. */
    int linkUnpin(long link);


    /** {@code bpf_link__destroy}: closes the link's fd, which detaches it unless it is pinned; 0 or {@code -errno}. */
    int linkDestroy(long link);

    /** {@code bpf_map_update_elem}: 0 or {@code -errno}. */
    int mapUpdate(int fd, long keyAddr, long valueAddr, long flags);

    /** {@code bpf_map_lookup_elem}: 0 or {@code -errno} ({@code -ENOENT} when absent). */
    int mapLookup(int fd, long keyAddr, long valueAddr);

    /** {@code bpf_map_delete_elem}: 0 or {@code -errno}. */
    int mapDelete(int fd, long keyAddr);

    /** {@code bpf_map_get_next_key} (keyAddr 0: the first key): 0 or {@code -errno} ({@code -ENOENT} at the end). */
    int mapGetNextKey(int fd, long keyAddr, long nextKeyAddr);

    /**
     * {@code libbpf_set_print(fn)}: 0 silences libbpf; pass back what an earlier call returned to
     * restore it. Not thread-safe with respect to concurrent loads (setup only).
     *
     * @param fn a {@code libbpf_print_fn_t} address, or 0
     * @return the previous function's address
     */
    long setPrint(long fn);

    /** {@code libbpf_num_possible_cpus()}: the per-CPU value count, or {@code -errno}. */
    int numPossibleCpus();
}
