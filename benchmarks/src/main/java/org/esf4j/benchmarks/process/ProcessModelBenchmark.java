package org.esf4j.benchmarks.process;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.spi.process.ProcFiles;
import org.esf4j.spi.process.ProcessModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Mode;

/**
 * What the process model costs a backend per event (SampleTime, ns), on the live processes of
 * the machine:
 * <ul>
 *   <li>{@code waiting}: the process of a permission event, read from /proc while it waits
 *       (executable, stat, status, cgroup; arguments from the model's cache);</li>
 *   <li>{@code waitingWithPidfd}: the same with the event's pidfd, as fanotify gives it: ids and
 *       cgroup from {@code PIDFD_GET_INFO} (6.13+) instead of status and cgroup;</li>
 *   <li>{@code during}: the process of a notification read after the fact, looked up in the
 *       model's history for a 1 ms window (no /proc read);</li>
 *   <li>{@code callerOfExec}: the caller of an exec notification (history, with the executed
 *       file).</li>
 * </ul>
 * Pids rotate over the processes alive at set-up.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ProcessModelBenchmark {

    private ProcessModel model;
    private ProcFiles proc;
    private int[] pids;
    private int next;
    private int pidfd;
    private final int self = (int) ProcessHandle.current().pid();

    @Setup(Level.Trial)
    public void setUp() {
        model = ProcessModel.acquire(Natives.get());
        proc = new ProcFiles(Natives.get());
        List<Integer> live = new ArrayList<>();
        String[] names = new File("/proc").list();
        for (String n : names == null ? new String[0] : names) {
            if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                live.add(Integer.parseInt(n));
            }
        }
        pids = live.stream().mapToInt(Integer::intValue).toArray();
        pidfd = Natives.get().pidfdOpen(self, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Natives.get().close(pidfd);
        proc.close();
        model.release();
    }

    private int pid() {
        int p = pids[next];
        next = next + 1 == pids.length ? 0 : next + 1;
        return p;
    }

    @Benchmark
    public ProcessInfo waiting() {
        return model.waiting(self, -1, proc);
    }

    @Benchmark
    public ProcessInfo waitingWithPidfd() {
        return model.waiting(self, -1, proc, pidfd);
    }

    @Benchmark
    public ProcessInfo during() {
        long now = System.nanoTime();
        return model.during(pid(), -1, now - 1_000_000, now);
    }

    @Benchmark
    public ProcessInfo callerOfExec() {
        long now = System.nanoTime();
        return model.callerOfExec(pid(), -1, now - 1_000_000, now, "/usr/bin/true", "");
    }
}
