package org.esf4j.backend.bpflsm.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.esf4j.backend.bpflsm.LibBpf;

/**
 * {@link LibBpf} over FFM, bound to {@code libbpf.so.1}. Pointers travel as {@code long}s (see
 * the spi's {@code FfmNativeOps}); the calls that return a pointer capture errno, the others return
 * {@code -errno} themselves (libbpf 1.x) and are linked without capture, so the map element calls
 * allocate nothing. Loaded reflectively through {@code Natives.binding} on JDK 22+. Not API.
 *
 * @since 0.1
 */
public final class FfmLibBpf implements LibBpf {

    /** The shared object name: libbpf 1.x (Debian/Ubuntu package libbpf1). */
    public static final String SONAME = "libbpf.so.1";

    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final class H {
        static Throwable failure;
        static final SymbolLookup LIB = lookup();
        static final MethodHandle open_mem = ptr("bpf_object__open_mem", JAVA_LONG, JAVA_LONG, JAVA_LONG);
        static final MethodHandle load = fn("bpf_object__load", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        static final MethodHandle close = fn("bpf_object__close", FunctionDescriptor.ofVoid(JAVA_LONG));
        static final MethodHandle find_map = fn("bpf_object__find_map_by_name",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle find_prog = fn("bpf_object__find_program_by_name",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle map_fd = fn("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        static final MethodHandle set_max = fn("bpf_map__set_max_entries",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle set_pin = fn("bpf_map__set_pin_path", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle attach = ptr("bpf_program__attach", JAVA_LONG);
        static final MethodHandle link_open = ptr("bpf_link__open", JAVA_LONG);
        static final MethodHandle link_pin = fn("bpf_link__pin", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle link_unpin = fn("bpf_link__unpin", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        static final MethodHandle link_destroy = fn("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        static final MethodHandle update = fn("bpf_map_update_elem",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle lookup = fn("bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle delete = fn("bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle next_key = fn("bpf_map_get_next_key",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle cpus = fn("libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle set_print = fn("libbpf_set_print", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        static final MethodHandle major = fn("libbpf_major_version", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle minor = fn("libbpf_minor_version", FunctionDescriptor.of(JAVA_INT));
        static final Throwable FAILURE = failure;

        @SuppressWarnings("restricted")
        private static SymbolLookup lookup() {
            try {
                return SymbolLookup.libraryLookup(SONAME, Arena.global());
            } catch (Throwable t) {
                failure = t;
                return null;
            }
        }

        /** A call returning a pointer: errno is captured for the NULL case. */
        private static MethodHandle ptr(String name, MemoryLayout... args) {
            return link(name, FunctionDescriptor.of(JAVA_LONG, args), true);
        }

        private static MethodHandle fn(String name, FunctionDescriptor fd) {
            return link(name, fd, false);
        }

        @SuppressWarnings("restricted")
        private static MethodHandle link(String name, FunctionDescriptor fd, boolean errno) {
            if (failure != null) {
                return null;
            }
            try {
                MemorySegment sym = LIB.find(name).orElse(null);
                if (sym == null) {
                    failure = new UnsatisfiedLinkError("symbol not found in " + SONAME + ": " + name);
                    return null;
                }
                return errno
                        ? Linker.nativeLinker().downcallHandle(sym, fd, Linker.Option.captureCallState("errno"))
                        : Linker.nativeLinker().downcallHandle(sym, fd);
            } catch (Throwable t) {
                failure = t;
                return null;
            }
        }
    }

    /**
     * Links libbpf.
     *
     * @throws UnsatisfiedLinkError when {@value #SONAME} cannot be loaded or lacks a symbol
     * @throws IllegalCallerException when native access is not enabled
     */
    public FfmLibBpf() {
        Throwable f = H.FAILURE;
        if (f instanceof IllegalCallerException ice) {
            throw ice;
        }
        if (f != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("cannot load " + SONAME + ": " + f.getMessage());
            e.initCause(f);
            throw e;
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError(t);
    }

    private static long pointer(long p, MemorySegment capture) {
        return p != 0 ? p : -(int) ERRNO.get(capture, 0L);
    }

    @Override
    public String binding() {
        return "ffm";
    }

    @Override
    public String version() {
        try {
            return (int) H.major.invokeExact() + "." + (int) H.minor.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long objectOpenMem(long bufAddr, long size) {
        MemorySegment c = CAPTURE.get();
        try {
            return pointer((long) H.open_mem.invokeExact(c, bufAddr, size, 0L), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int objectLoad(long obj) {
        try {
            return (int) H.load.invokeExact(obj);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void objectClose(long obj) {
        try {
            H.close.invokeExact(obj);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long findMap(long obj, long nameAddr) {
        try {
            return (long) H.find_map.invokeExact(obj, nameAddr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long findProgram(long obj, long nameAddr) {
        try {
            return (long) H.find_prog.invokeExact(obj, nameAddr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mapFd(long map) {
        try {
            return (int) H.map_fd.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mapSetMaxEntries(long map, int maxEntries) {
        try {
            return (int) H.set_max.invokeExact(map, maxEntries);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mapSetPinPath(long map, long pathAddr) {
        try {
            return (int) H.set_pin.invokeExact(map, pathAddr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long programAttach(long prog) {
        MemorySegment c = CAPTURE.get();
        try {
            return pointer((long) H.attach.invokeExact(c, prog), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long linkOpen(long pathAddr) {
        MemorySegment c = CAPTURE.get();
        try {
            return pointer((long) H.link_open.invokeExact(c, pathAddr), c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int linkPin(long link, long pathAddr) {
        try {
            return (int) H.link_pin.invokeExact(link, pathAddr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int linkUnpin(long link) {
        try {
            return (int) H.link_unpin.invokeExact(link);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }


    @Override
    public int linkDestroy(long link) {
        try {
            return (int) H.link_destroy.invokeExact(link);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mapUpdate(int fd, long keyAddr, long valueAddr, long flags) {
        try {
            return (int) H.update.invokeExact(fd, keyAddr, valueAddr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mapLookup(int fd, long keyAddr, long valueAddr) {
        try {
            return (int) H.lookup.invokeExact(fd, keyAddr, valueAddr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mapDelete(int fd, long keyAddr) {
        try {
            return (int) H.delete.invokeExact(fd, keyAddr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mapGetNextKey(int fd, long keyAddr, long nextKeyAddr) {
        try {
            return (int) H.next_key.invokeExact(fd, keyAddr, nextKeyAddr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long setPrint(long fn) {
        try {
            return (long) H.set_print.invokeExact(fn);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int numPossibleCpus() {
        try {
            return (int) H.cpus.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
