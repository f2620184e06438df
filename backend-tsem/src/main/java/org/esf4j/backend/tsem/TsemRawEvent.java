/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.util.List;
import java.util.Map;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.GenericEvent;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.process.ExecFiles;
import org.esf4j.spi.process.ProcFiles;
import org.esf4j.spi.process.ProcessModel;

/**
 * A TSEM record as the engine sees it, valid while the reader hands it over. The path is the
 * kernel's own ({@code path.pathname} at the hook); TSEM gives no inode number, so the file's
 * identity is absent. The process of a blocked record is read from /proc while it waits (exact);
 * that of an asynchronous record is the process model's view of the time window.
 */
final class TsemRawEvent extends RawEvent {

    private final ProcFiles proc;
    private final ExecFiles exec;
    private TsemRecord record;
    private boolean waiting;
    private long earliestNanos;
    /** For an Exec: the program's path (from the exec's own open), raw JSON string content. */
    private byte[] execPath;
    private int execPathLength;
    private String coefficient;
    /** /proc's exe of the waiting process, read once per event. */
    private String exe;
    private long execBeganNanos;
    private int execUid;
    private int execGid;
    private Map<String, String> extra;

    TsemRawEvent(ProcFiles proc, ExecFiles exec) {
        this.proc = proc;
        this.exec = exec;
    }

    void source(TsemRecord r, boolean waiting, long earliestNanos, String coefficient) {
        this.record = r;
        this.waiting = waiting;
        this.earliestNanos = earliestNanos;
        this.execPath = null;
        this.execPathLength = 0;
        this.execBeganNanos = 0;
        this.exe = null;
        this.coefficient = coefficient;
        this.extra = null;
    }

    /**
     * Makes this an Exec of {@code path} (escaped JSON string content), seen after the exec: its
     * process is the caller as it was before, from the process model, between the exec's first
     * open and now.
     */
    void execOf(byte[] path, int length, long beganNanos, int uid, int gid) {
        this.execPath = path;
        this.execPathLength = length;
        this.execBeganNanos = beganNanos;
        this.execUid = uid;
        this.execGid = gid;
    }

    /** Fields of a log record, which has no CELL. */
    void extra(Map<String, String> fields) {
        this.extra = fields;
    }

    @Override
    protected int loadTargetPath(byte[] dst) {
        if (execPath != null) {
            return TsemRecord.unescape(execPath, 0, execPathLength, dst);
        }
        if (!record.hasFile || record.pathnameLen < 0) {
            return -1;
        }
        int n = record.unescape(record.pathnameOff, record.pathnameLen, dst);
        if (n > 0) {
            int stripped = withoutDeletedSuffix(dst, n);
            if (stripped >= 0) {
                targetPathState(PathState.DELETED);
                return stripped;
            }
            targetPathState(PathState.EXACT);
        }
        return n;
    }

    @Override
    protected int loadExecutablePath(byte[] dst) {
        return waiting ? proc.exePath(pid(), dst) : -1;
    }

    @Override
    protected void loadFileId() {
        // TSEM's file CELL names no device number and no inode: the identity stays absent
    }

    @Override
    public Event toEvent(EventHeader h) {
        EventKind k = kind();
        if (k == EventKind.EXEC) {
            return exec(h);
        }
        if (!k.isExtension()) {
            return builtInEvent(h);
        }
        Map<String, String> fields = extra != null ? new java.util.LinkedHashMap<>(extra) : record.cellFields();
        fields.put("tsem.type", record.eventType());
        if (record.exportType == TsemRecord.EVENT || record.exportType == TsemRecord.ASYNC_EVENT) {
            fields.put("tsem.task_id", record.ascii(record.taskIdOff, record.taskIdLen));
            fields.put("tsem.ttd", Long.toString(record.ttd));
            if (coefficient != null) {
                fields.put("tsem.coefficient", coefficient);
            }
        }
        return new GenericEvent(h, k, fields);
    }

    /**
     * The exec's arguments, read from the new program's command line while it waits (the kernel
     * has set it up before the program runs). For a {@code #!} script the kernel rewrote them for
     * the interpreter ({@code interpreter, [argument,] the script as the caller named it, argv[1..]}):
     * the event gives the script as named and {@code argv[1..]}, APPROXIMATE ({@code argv[0]} is
     * lost); none read is UNKNOWN.
     */
    private Event exec(EventHeader h) {
        List<String> args = waiting ? commandLine() : null;
        String interpreter = interpreter();
        if (args == null || args.isEmpty()) {
            return execEvent(h, List.of(), Accuracy.UNKNOWN, interpreter);
        }
        String exe = exe();
        String target = targetPathString();
        if (exe != null && !exe.isEmpty() && !exe.equals(target)) {
            // a script: find the script as the caller named it, after the interpreter and its argument
            for (int i = 1; i < args.size() && i <= 10; i++) {
                if (namesFile(args.get(i), target)) {
                    return execEvent(h, List.copyOf(args.subList(i, args.size())), Accuracy.APPROXIMATE, interpreter);
                }
            }
            return execEvent(h, List.of(), Accuracy.UNKNOWN, interpreter);
        }
        return execEvent(h, args, Accuracy.EXACT, interpreter);
    }

    /** The whole command line (an exec's arguments may be far longer than a page), or null. */
    private List<String> commandLine() {
        byte[] b;
        try {
            b = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", Integer.toString(pid()), "cmdline"));
        } catch (java.io.IOException e) {
            return null;
        }
        List<String> out = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                out.add(new String(b, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < b.length) {
            out.add(new String(b, start, b.length - start, java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Whether {@code name}, relative to the process's working directory, is the file {@code path}. */
    private boolean namesFile(String name, String path) {
        try {
            java.nio.file.Path p = java.nio.file.Path.of(name);
            if (!p.isAbsolute()) {
                p = java.nio.file.Path.of("/proc", Integer.toString(pid()), "cwd").toRealPath().resolve(p);
            }
            return p.toRealPath().toString().equals(path);
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /**
     * The executed file's interpreter, read while the new program waits: for an ELF program its
     * PT_INTERP, from the running image itself ({@code /proc/<pid>/exe}); for a script (the running
     * image is not the executed file) its {@code #!} line, when it names the running image, else
     * unknown.
     */
    private String interpreter() {
        if (!waiting) {
            return "";
        }
        String exe = exe();
        String target = targetPathString();
        if (exe == null || exe.isEmpty()) {
            return "";
        }
        if (exe.equals(target)) {
            String i = exec.interpreter(java.nio.file.Path.of("/proc", Integer.toString(pid()), "exe"));
            return i == null ? "" : i;
        }
        String i = exec.interpreter(java.nio.file.Path.of(target));
        if (i == null || !exec.script()) {
            return "";
        }
        try {
            return java.nio.file.Path.of(i).toRealPath().toString().equals(exe) ? i : "";
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            return "";
        }
    }

    private String exe() {
        if (exe == null) {
            exe = proc.exeString(pid());
        }
        return exe;
    }

    @Override
    public ProcessInfo process(ProcessModel model) {
        if (execPath != null) {
            // the record that shows the exec comes after it: the caller was the image before, which
            // the process model knows from the proc connector (or gives as unknown); the real ids
            // do not change across an exec, the record's COE has them
            int ppid = waiting && proc.stat(pid()) ? proc.ppid() : -1;
            String exe = exe();
            String script = exe != null && !exe.isEmpty() && !exe.equals(targetPathString()) ? exe : "";
            return model.callerOfCompletedExec(pid(), tid(), execBeganNanos, receivedNanos(), targetPathString(),
                    script, ppid, execUid, execGid);
        }
        if (waiting) {
            return model.waiting(pid(), tid(), proc);
        }
        return model.during(pid(), tid(), earliestNanos, receivedNanos());
    }
}
