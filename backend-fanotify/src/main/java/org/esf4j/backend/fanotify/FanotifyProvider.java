package org.esf4j.backend.fanotify;

import static org.esf4j.spi.Coverage.Field.*;
import static org.esf4j.spi.Coverage.Support.*;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.Coverage;

/**
 * The {@code fanotify} backend provider. Loads on JDK 17: all native access goes through the
 * spi's native layer (FFM on JDK 22+, JNA otherwise).
 *
 * @since 0.1
 */
public final class FanotifyProvider implements BackendProvider {

    /** Backend name. */
    public static final String NAME = "fanotify";

    /** For {@link java.util.ServiceLoader}. */
    public FanotifyProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public Map<EventKind, DecisionClass> offers() {
        Map<EventKind, DecisionClass> m = new TreeMap<>();
        m.put(EventKind.EXEC, DecisionClass.USERSPACE);
        m.put(EventKind.FILE_OPEN, DecisionClass.USERSPACE);
        return m;
    }

    /**
     * A permission event's process waits in the kernel, so everything read then is exact; a
     * notification is read after the fact (its process from the process model, its path the file's
     * name when read). No thread id, no exec arguments, no open flags, no kernel time.
     */
    @Override
    public Coverage coverage() {
        Object[] waiting = {PID, EXACT, PPID, EXACT, UID_GID, EXACT, EUID_EGID, EXACT, PROCESS_EXECUTABLE, EXACT,
            COMM, EXACT, START_TIME, EXACT, PARENT_ID, EXACT_OR_ABSENT, CGROUP, EXACT, PROCESS_ARGV, MARKED,
            PATH, MARKED, DEVICE_INODE, EXACT, CHANGE_TIME, EXACT};
        Object[] later = {PID, EXACT, PPID, EXACT_OR_ABSENT, UID_GID, EXACT_OR_ABSENT, EUID_EGID, EXACT_OR_ABSENT,
            PROCESS_EXECUTABLE, EXACT_OR_ABSENT, COMM, EXACT_OR_ABSENT, START_TIME, EXACT_OR_ABSENT,
            PARENT_ID, EXACT_OR_ABSENT, PROCESS_ARGV, MARKED, PATH, MARKED, DEVICE_INODE, EXACT,
            CHANGE_TIME, EXACT_OR_ABSENT};
        return Coverage.builder()
                .kind(EventKind.EXEC, Set.of(Mode.AUTH), Coverage.with(waiting, INTERPRETER, EXACT))
                .kind(EventKind.EXEC, Set.of(Mode.NOTIFY), Coverage.with(later, INTERPRETER, EXACT_OR_ABSENT))
                .kind(EventKind.FILE_OPEN, Set.of(Mode.AUTH), waiting)
                .kind(EventKind.FILE_OPEN, Set.of(Mode.NOTIFY), later)
                .quirks(EventKind.EXEC, Coverage.Quirk.SCOPED_EXECS, Coverage.Quirk.EXEC_ATTEMPTS)
                .quirks(EventKind.FILE_OPEN, Coverage.Quirk.EXEC_OPENS, Coverage.Quirk.DIRECTORY_OPENS,
                        Coverage.Quirk.MERGED_NOTIFICATIONS)
                .build();
    }


    @Override
    public BackendStatus probe() {
        FanotifyProbe.Result r = FanotifyProbe.result();
        Map<EventKind, DecisionClass> events = offers();
        if (r.status().available() && !r.features().execPermission()) {
            events.remove(EventKind.EXEC);
        }
        return r.status().status(NAME, events);
    }

    @Override
    public Backend open(BackendContext context) {
        return FanotifyBackend.open(context, FanotifyProbe.ensureAvailable());
    }
}
