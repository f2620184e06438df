/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

/**
 * What the reader remembers of each task of one namespace to see its execs: the last trust
 * transition descriptor ({@code ttd}) and the program of an exec in progress. An open-addressing
 * map by pid that allocates only for a task it has not seen; entries of tasks not heard of for
 * {@value #CAPACITY} newer tasks are reused. Reader thread only.
 */
final class TsemTasks {

    static final int CAPACITY = 1 << 14;

    /** One task. */
    static final class Task {
        int pid;
        long ttd = -1;
        /** The program of the exec in progress (the JSON string content of its first open), or null. */
        byte[] execPath;
        /** The TASK_ID the exec in progress should give, computed from the program's open, or null. */
        byte[] expectedTaskId;
        /** When the exec's first open was read ({@link System#nanoTime()}). */
        long execOpenNanos;
        /** The exec in progress was started by another thread of this thread group. */
        boolean execFromThread;
        /** The development tree's bprm_check_security reported this exec already. */
        boolean execReported;
    }

    private final Task[] table = new Task[CAPACITY];

    /**
     * The task with this pid; a new one (ttd unknown) when none is known.
     *
     * @param pid the task's pid
     * @return the task
     */
    Task task(int pid) {
        int i = mix(pid);
        for (int probe = 0; probe < 8; probe++) {
            int at = (i + probe) & (CAPACITY - 1);
            Task t = table[at];
            if (t == null) {
                t = new Task();
                t.pid = pid;
                table[at] = t;
                return t;
            }
            if (t.pid == pid) {
                return t;
            }
        }
        // a full neighbourhood: reuse the home slot (a task not heard of for long loses its exec in progress)
        Task t = table[i];
        t.pid = pid;
        t.ttd = -1;
        t.execPath = null;
        t.execReported = false;
        t.execFromThread = false;
        t.expectedTaskId = null;
        return t;
    }

    private static int mix(int pid) {
        int h = pid * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (CAPACITY - 1);
    }
}
