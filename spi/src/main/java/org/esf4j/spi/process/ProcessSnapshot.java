package org.esf4j.spi.process;

import java.util.List;
import java.util.Optional;
import org.esf4j.api.ProcessId;
import org.esf4j.api.ProcessInfo;

/**
 * The process model's answer for one event: immutable, with the parent and lineage looked up in
 * the model on request.
 */
final class ProcessSnapshot implements ProcessInfo {

    private final ProcessModel model;
    private final int pid;
    private final int tid;
    private final int ppid;
    private final int uid;
    private final int euid;
    private final int gid;
    private final int egid;
    private final String executable;
    private final String comm;
    private final long startTicks;
    private final long parentStartTicks;
    private final long cgroupId;
    private final List<String> argv;

    ProcessSnapshot(ProcessModel model, int pid, int tid, int ppid, int uid, int euid, int gid, int egid,
                    String executable, String comm, long startTicks, long parentStartTicks, long cgroupId,
                    List<String> argv) {
        this.model = model;
        this.pid = pid;
        this.tid = tid;
        this.ppid = ppid;
        this.uid = uid;
        this.euid = euid;
        this.gid = gid;
        this.egid = egid;
        this.executable = executable == null ? "" : executable;
        this.comm = comm == null ? "" : comm;
        this.startTicks = startTicks;
        this.parentStartTicks = ppid > 0 ? parentStartTicks : UNKNOWN;
        this.cgroupId = cgroupId;
        this.argv = argv == null ? List.of() : List.copyOf(argv);
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int tid() {
        return tid;
    }

    @Override
    public int ppid() {
        return ppid;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int euid() {
        return euid;
    }

    @Override
    public int gid() {
        return gid;
    }

    @Override
    public int egid() {
        return egid;
    }

    @Override
    public String executable() {
        return executable;
    }

    @Override
    public String comm() {
        return comm;
    }

    @Override
    public long startTimeTicks() {
        return startTicks;
    }

    @Override
    public Optional<ProcessId> id() {
        return startTicks >= 0 && pid > 0 ? Optional.of(new ProcessId(model.bootId(), pid, startTicks))
                : Optional.empty();
    }

    @Override
    public Optional<ProcessId> parentId() {
        return parentStartTicks >= 0 && ppid > 0 ? Optional.of(new ProcessId(model.bootId(), ppid, parentStartTicks))
                : Optional.empty();
    }

    @Override
    public Optional<ProcessInfo> parent() {
        return parentStartTicks >= 0 && ppid > 0 ? Optional.ofNullable(model.known(ppid, parentStartTicks))
                : Optional.empty();
    }

    @Override
    public long cgroupId() {
        return cgroupId;
    }

    @Override
    public List<String> argv() {
        return argv;
    }

    @Override
    public String toString() {
        return "Process[pid=" + pid + (tid > 0 ? " tid=" + tid : "") + " ppid=" + ppid + " uid=" + uid + "/" + euid
                + " gid=" + gid + "/" + egid + " exe=" + executable + " comm=" + comm + " start=" + startTicks + "]";
    }
}
