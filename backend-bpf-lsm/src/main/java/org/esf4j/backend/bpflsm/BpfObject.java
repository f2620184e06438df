package org.esf4j.backend.bpflsm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * The esf4j BPF object ({@code esf4j.bpf.o}, shipped in the jar) opened, loaded and attached
 * through libbpf: its programs, maps and links.
 *
 * <h2>Pinning</h2>
 * With a pin directory (on a bpffs mount), every map is pinned there at load ({@code
 * map_<name>}; a map pinned by an earlier run is reused, rules included) and every link after
 * attach ({@code link_<program>}), replacing a link an earlier run left. {@link #close()} then
 * leaves programs and maps in the kernel: enforcement outlives the JVM until
 * {@link #unpinAll(Path)} removes the pins. Without one (the default) close detaches everything.
 *
 * <p>Not thread-safe: opened, attached and closed by one thread.
 */
final class BpfObject implements AutoCloseable {

    /** Program names by {@link EventKind#id()} (the C enum esf4j_type); null where there is none. */
    static final String[] PROGRAMS = {null, "esf4j_exec", "esf4j_open", "esf4j_bind", "esf4j_uring", "esf4j_connect"};
    /**
     * The programs that hold a file mapped executable to the exec rules ({@code mmap_file},
     * {@code file_mprotect}): attached with exec's.
     */
    static final String[] EXEC_MAPPING = {"esf4j_mmap", "esf4j_mprotect"};
    /** The maps, as named in esf4j.bpf.c. */
    static final String[] MAPS = {"config", "events", "drops", "deny_exec", "deny_open", "deny_bind", "deny_connect",
        "deny_uring", "mute_pid", "mute_exe", "verdict_cache"};
    static final String RESOURCE = "esf4j.bpf.o";

    /** Where an object failed, for the probe's reason. */
    enum Stage { OPEN, LOAD, ATTACH, PIN }

    /** A libbpf failure with its stage and errno. */
    static final class BpfException extends Esf4jException {
        private static final long serialVersionUID = 1L;
        final Stage stage;
        final int errno;

        BpfException(Stage stage, int errno, String message) {
            super(message);
            this.stage = stage;
            this.errno = errno;
        }
    }

    private final LibBpf bpf;
    private final NativeOps ops;
    private final NativeBuffer image;
    private final NativeBuffer names;
    private final Path pinDir;
    private final long obj;
    /** Links by program: PROGRAMS' indices, then EXEC_MAPPING's. */
    private final long[] links = new long[PROGRAMS.length + EXEC_MAPPING.length];
    private boolean closed;

    private BpfObject(LibBpf bpf, NativeOps ops, NativeBuffer image, NativeBuffer names, Path pinDir, long obj) {
        this.bpf = bpf;
        this.ops = ops;
        this.image = image;
        this.names = names;
        this.pinDir = pinDir;
        this.obj = obj;
    }

    /**
     * Opens and loads the object (programs verified, maps created or reused) without attaching.
     *
     * @param bpf libbpf
     * @param ops the native layer
     * @param ringBytes the ring buffer's size (a power of two, at least a page), or 0 for the
     *                  object's default (4 MiB)
     * @param pinDir where to pin maps and links, or null for no pinning
     * @return the loaded object
     * @throws BpfException when libbpf fails, with the stage and errno
     */
    static BpfObject load(LibBpf bpf, NativeOps ops, int ringBytes, Path pinDir) {
        byte[] bytes;
        try (InputStream in = BpfObject.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new Esf4jException(RESOURCE + " is missing from the backend's jar");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new Esf4jException("cannot read " + RESOURCE + ": " + e, e);
        }
        return load(bpf, ops, bytes, ringBytes, pinDir);
    }

    /**
     * Like {@link #load(LibBpf, NativeOps, int, Path)} for another object with a ring buffer
     * map named {@code events} (the benchmarks' producer); pins only maps named in {@link #MAPS}
     * that exist.
     */
    static BpfObject load(LibBpf bpf, NativeOps ops, byte[] bytes, int ringBytes, Path pinDir) {
        NativeBuffer image = ops.allocate(bytes.length);
        image.buffer().put(0, bytes);
        NativeBuffer names = ops.allocate(4096);
        long obj = bpf.objectOpenMem(image.address(), bytes.length);
        if (obj < 0) {
            image.close();
            names.close();
            throw error(Stage.OPEN, (int) -obj, "bpf_object__open_mem(" + RESOURCE + ")");
        }
        BpfObject o = new BpfObject(bpf, ops, image, names, pinDir, obj);
        try {
            if (ringBytes != 0) {
                o.check(Stage.OPEN, bpf.mapSetMaxEntries(o.map("events"), ringBytes), "set the ring buffer size");
            }
            if (pinDir != null) {
                Files.createDirectories(pinDir);
                for (String m : MAPS) {
                    o.check(Stage.OPEN, bpf.mapSetPinPath(o.map(m), o.cstring(pinDir.resolve("map_" + m).toString())),
                            "set the pin path of map " + m);
                }
            }
            o.check(Stage.LOAD, bpf.objectLoad(obj), "bpf_object__load");
            return o;
        } catch (IOException e) {
            o.close();
            throw new Esf4jException("cannot create the pin directory " + pinDir + ": " + e, e);
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
    }

    private static BpfException error(Stage stage, int errno, String what) {
        return new BpfException(stage, errno, what + " failed: " + Errno.describe(errno));
    }

    private void check(Stage stage, int rc, String what) {
        if (rc < 0) {
            throw error(stage, -rc, what);
        }
    }

    /** Writes a NUL-terminated string into the names scratch and returns its address. */
    private long cstring(String s) {
        return names.putCString(0, s);
    }

    private long map(String name) {
        long m = bpf.findMap(obj, cstring(name));
        if (m == 0) {
            throw new Esf4jException("map '" + name + "' not found in " + RESOURCE);
        }
        return m;
    }

    /**
     * The fd of a map.
     *
     * @param name its name in esf4j.bpf.c
     * @return the fd, owned by the object
     */
    int mapFd(String name) {
        int fd = bpf.mapFd(map(name));
        check(Stage.LOAD, fd, "bpf_map__fd(" + name + ")");
        return fd;
    }

    /**
     * The program of a kind of event.
     *
     * @param kind the kind
     * @return its name, or null when the object has none
     */
    static String program(EventKind kind) {
        int i = kind.id();
        return i > 0 && i < PROGRAMS.length ? PROGRAMS[i] : null;
    }

    /**
     * Attaches the programs of the given kinds (replacing a pinned link of an earlier run).
     *
     * @param kinds the kinds of event, each with a program ({@link #program})
     * @throws BpfException when an attach or pin fails
     */
    void attach(Set<EventKind> kinds) {
        for (EventKind t : new TreeSet<>(kinds)) {
            if (program(t) == null) {
                throw new Esf4jException("the BPF object has no program for " + t);
            }
            attach(t.id(), PROGRAMS[t.id()]);
            if (t == EventKind.EXEC) {
                for (int j = 0; j < EXEC_MAPPING.length; j++) {
                    attach(PROGRAMS.length + j, EXEC_MAPPING[j]);
                }
            }
        }
    }

    private void attach(int i, String name) {
        if (links[i] != 0) {
            return;
        }
        long prog = bpf.findProgram(obj, cstring(name));
        if (prog == 0) {
            throw new Esf4jException("program '" + name + "' not found in " + RESOURCE);
        }
        long link = bpf.programAttach(prog);
        if (link < 0) {
            throw error(Stage.ATTACH, (int) -link, "attach of " + name);
        }
        links[i] = link;
        if (pinDir != null) {
            String path = pinDir.resolve("link_" + name).toString();
            long old = Files.exists(Path.of(path)) ? bpf.linkOpen(cstring(path)) : -Errno.ENOENT;
            if (old > 0) { // an earlier run's link: ours is attached, so no gap in enforcement
                bpf.linkUnpin(old);
                bpf.linkDestroy(old);
            }
            check(Stage.PIN, bpf.linkPin(link, cstring(path)), "pin of " + name + " at " + path);
        }
    }

    /**
     * Attaches one program by name (objects other than esf4j.bpf.o); the link is destroyed on
     * close.
     *
     * @param program the program's name
     */
    void attach(String program) {
        long prog = bpf.findProgram(obj, cstring(program));
        if (prog == 0) {
            throw new Esf4jException("program '" + program + "' not found");
        }
        long link = bpf.programAttach(prog);
        if (link < 0) {
            throw error(Stage.ATTACH, (int) -link, "attach of " + program);
        }
        for (int i = 0; i < links.length; i++) {
            if (links[i] == 0) {
                links[i] = link;
                return;
            }
        }
        bpf.linkDestroy(link);
        throw new IllegalStateException("no room for another link");
    }


    /** @return the pin directory, or null */
    Path pinDir() {
        return pinDir;
    }

    /**
     * Detaches the programs and frees the object, or, when pinned, leaves programs and maps in
     * the kernel. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < links.length; i++) {
            if (links[i] != 0) {
                bpf.linkDestroy(links[i]); // closes our fd: a pinned link stays attached through its pin
                links[i] = 0;
            }
        }
        bpf.objectClose(obj);
        image.close();
        names.close();
    }

    /**
     * Removes every pin an earlier run left in {@code pinDir} (links first: that detaches the
     * programs), then the directory. Nothing happens when it does not exist.
     *
     * @param pinDir the pin directory
     * @throws Esf4jException when a pin cannot be removed
     */
    static void unpinAll(Path pinDir) {
        if (!Files.isDirectory(pinDir)) {
            return;
        }
        try {
            for (String prefix : new String[] {"link_", "map_"}) {
                try (var s = Files.list(pinDir)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        if (p.getFileName().toString().startsWith(prefix)) {
                            Files.delete(p);
                        }
                    }
                }
            }
            Files.deleteIfExists(pinDir);
        } catch (IOException e) {
            throw new Esf4jException("cannot remove the pins in " + pinDir + ": " + e, e);
        }
    }
}
