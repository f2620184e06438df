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
    private TsemRecord record;
    private boolean waiting;
    private long earliestNanos;
    /** For an Exec: the program's path (from the exec's own open), raw JSON string content. */
    private byte[] execPath;
    private int execPathLength;
    private String coefficient;
    private long execBeganNanos;
    private int execUid;
    private int execGid;
    private Map<String, String> extra;

    TsemRawEvent(ProcFiles proc) {
        this.proc = proc;
    }

    void source(TsemRecord r, boolean waiting, long earliestNanos, String coefficient) {
        this.record = r;
        this.waiting = waiting;
        this.earliestNanos = earliestNanos;
        this.execPath = null;
        this.execPathLength = 0;
        this.execBeganNanos = 0;
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
            List<String> argv = waiting ? proc.cmdline(pid()) : List.of();
            boolean known = argv != null && !argv.isEmpty();
            return execEvent(h, known ? argv : List.of(), known ? Accuracy.EXACT : Accuracy.UNKNOWN, interpreter());
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

    /** The program that runs the executed file, when it is not that file itself (a script's interpreter). */
    private String interpreter() {
        if (!waiting) {
            return "";
        }
        String exe = proc.exeString(pid());
        String target = targetPathString();
        return exe == null || exe.isEmpty() || exe.equals(target) ? "" : exe;
    }

    @Override
    public ProcessInfo process(ProcessModel model) {
        if (execPath != null) {
            // the record that shows the exec comes after it: the caller was the image before, which
            // the process model knows from the proc connector (or gives as unknown); the real ids
            // do not change across an exec, the record's COE has them
            int ppid = waiting && proc.stat(pid()) ? proc.ppid() : -1;
            return model.callerOfCompletedExec(pid(), tid(), execBeganNanos, receivedNanos(), targetPathString(),
                    interpreter(), ppid, execUid, execGid);
        }
        if (waiting) {
            return model.waiting(pid(), tid(), proc);
        }
        return model.during(pid(), tid(), earliestNanos, receivedNanos());
    }
}
