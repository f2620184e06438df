package org.esf4j.backend.bpflsm.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import org.esf4j.backend.bpflsm.LibBpf;

/**
 * {@link LibBpf} over JNA direct mapping, bound to {@code libbpf.so.1}. Pointers are
 * {@code long}s; after a NULL pointer result the errno JNA saved for the calling thread is
 * returned as {@code -errno}. Not API.
 *
 * @since 0.1
 */
public final class JnaLibBpf implements LibBpf {

    /** The shared object name: libbpf 1.x (Debian/Ubuntu package libbpf1). */
    public static final String SONAME = "libbpf.so.1";

    private static final class Lib {
        static final Throwable FAILURE = register();

        static native long bpf_object__open_mem(long buf, long size, long opts);

        static native int bpf_object__load(long obj);

        static native void bpf_object__close(long obj);

        static native long bpf_object__find_map_by_name(long obj, long name);

        static native long bpf_object__find_program_by_name(long obj, long name);

        static native int bpf_map__fd(long map);

        static native int bpf_map__set_max_entries(long map, int maxEntries);

        static native int bpf_map__set_pin_path(long map, long path);

        static native long bpf_program__attach(long prog);

        static native long bpf_link__open(long path);

        static native int bpf_link__pin(long link, long path);

        static native int bpf_link__unpin(long link);


        static native int bpf_link__destroy(long link);

        static native int bpf_map_update_elem(int fd, long key, long value, long flags);

        static native int bpf_map_lookup_elem(int fd, long key, long value);

        static native int bpf_map_delete_elem(int fd, long key);

        static native int bpf_map_get_next_key(int fd, long key, long nextKey);

        static native int libbpf_num_possible_cpus();

        static native long libbpf_set_print(long fn);

        static native int libbpf_major_version();

        static native int libbpf_minor_version();

        private static Throwable register() {
            try {
                Native.register(Lib.class, NativeLibrary.getInstance(SONAME));
                return null;
            } catch (Throwable t) {
                return t;
            }
        }
    }

    /**
     * Binds libbpf.
     *
     * @throws UnsatisfiedLinkError when {@value #SONAME} cannot be loaded or lacks a symbol
     */
    public JnaLibBpf() {
        Throwable f = Lib.FAILURE;
        if (f != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("cannot load " + SONAME + ": " + f.getMessage());
            e.initCause(f);
            throw e;
        }
    }

    private static long pointer(long p) {
        return p != 0 ? p : -Native.getLastError();
    }

    @Override
    public String binding() {
        return "jna";
    }

    @Override
    public String version() {
        return Lib.libbpf_major_version() + "." + Lib.libbpf_minor_version();
    }

    @Override
    public long objectOpenMem(long bufAddr, long size) {
        return pointer(Lib.bpf_object__open_mem(bufAddr, size, 0));
    }

    @Override
    public int objectLoad(long obj) {
        return Lib.bpf_object__load(obj);
    }

    @Override
    public void objectClose(long obj) {
        Lib.bpf_object__close(obj);
    }

    @Override
    public long findMap(long obj, long nameAddr) {
        return Lib.bpf_object__find_map_by_name(obj, nameAddr);
    }

    @Override
    public long findProgram(long obj, long nameAddr) {
        return Lib.bpf_object__find_program_by_name(obj, nameAddr);
    }

    @Override
    public int mapFd(long map) {
        return Lib.bpf_map__fd(map);
    }

    @Override
    public int mapSetMaxEntries(long map, int maxEntries) {
        return Lib.bpf_map__set_max_entries(map, maxEntries);
    }

    @Override
    public int mapSetPinPath(long map, long pathAddr) {
        return Lib.bpf_map__set_pin_path(map, pathAddr);
    }

    @Override
    public long programAttach(long prog) {
        return pointer(Lib.bpf_program__attach(prog));
    }

    @Override
    public long linkOpen(long pathAddr) {
        return pointer(Lib.bpf_link__open(pathAddr));
    }

    @Override
    public int linkPin(long link, long pathAddr) {
        return Lib.bpf_link__pin(link, pathAddr);
    }

    @Override
    public int linkUnpin(long link) {
        return Lib.bpf_link__unpin(link);
    }


    @Override
    public int linkDestroy(long link) {
        return Lib.bpf_link__destroy(link);
    }

    @Override
    public int mapUpdate(int fd, long keyAddr, long valueAddr, long flags) {
        return Lib.bpf_map_update_elem(fd, keyAddr, valueAddr, flags);
    }

    @Override
    public int mapLookup(int fd, long keyAddr, long valueAddr) {
        return Lib.bpf_map_lookup_elem(fd, keyAddr, valueAddr);
    }

    @Override
    public int mapDelete(int fd, long keyAddr) {
        return Lib.bpf_map_delete_elem(fd, keyAddr);
    }

    @Override
    public int mapGetNextKey(int fd, long keyAddr, long nextKeyAddr) {
        return Lib.bpf_map_get_next_key(fd, keyAddr, nextKeyAddr);
    }

    @Override
    public long setPrint(long fn) {
        return Lib.libbpf_set_print(fn);
    }

    @Override
    public int numPossibleCpus() {
        return Lib.libbpf_num_possible_cpus();
    }
}
