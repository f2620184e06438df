/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One TSEM export record ({@code external_tma/<id>}, one per {@code read()}), decoded in place:
 * the fields esf4j uses become primitives and byte ranges of the record's own buffer, nothing is
 * allocated, and no JSON tree is built. Everything else of the CELL stays in the buffer and is
 * flattened only when a user's event asks for it ({@link #cellFields()}).
 *
 * <p>The record shapes are those of the TSEM ABI (v3/v4 and the later development tree):
 * {@code {"export": {"type": T}, "event": {...}, "COE": {...}, "<cell>": {...}}} for
 * {@code event} and {@code async_event}, {@code aggregate} and {@code log} records. Keys are
 * matched by name, never by position (their order differs between versions); unknown keys are
 * skipped; every scalar is a JSON string holding a C integer literal ({@code strtoll(…, 0)}: decimal,
 * {@code 0} octal, {@code 0x} hex). A record that is not such JSON, or is cut short, throws
 * {@link Malformed} and is never half-used, except that the task's {@code pid} and {@code tnum},
 * when they were read before the fault, stay available so that a blocked task can still be
 * released.
 *
 * <p>Not thread-safe: one per reader.
 */
final class TsemRecord {

    /** {@code export.type}. */
    static final int UNKNOWN = 0;
    static final int EVENT = 1;
    static final int ASYNC_EVENT = 2;
    static final int AGGREGATE = 3;
    static final int LOG = 4;

    /** Address families of the CELL's {@code addr} member. */
    static final int ADDR_NONE = 0;
    static final int ADDR_INET = 1;
    static final int ADDR_INET6 = 2;
    static final int ADDR_UNIX = 3;
    static final int ADDR_OTHER = 4;

    /** Indexes of {@link #coe}, in the ABI's order. */
    static final int UID = 0;
    static final int EUID = 1;
    static final int SUID = 2;
    static final int GID = 3;
    static final int EGID = 4;
    static final int SGID = 5;
    static final int FSUID = 6;
    static final int FSGID = 7;
    static final int CAPEFF = 8;
    static final int COE_FIELDS = 9;

    /** Thrown for a record that is not a TSEM record; preallocated cause-less exceptions are not used, it is rare. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private static final int MAX_DEPTH = 12;

    // contexts of the object being parsed
    private static final int C_ROOT = 0;
    private static final int C_EXPORT = 1;
    private static final int C_EVENT = 2;
    private static final int C_COE = 3;
    private static final int C_CELL = 4;
    private static final int C_FILE = 5;
    private static final int C_INODE = 6;
    private static final int C_PATH = 7;
    private static final int C_DEV = 8;
    private static final int C_SOCK = 9;
    private static final int C_ADDR = 10;
    private static final int C_INET = 11;
    private static final int C_INET6 = 12;
    private static final int C_UNIX = 13;
    private static final int C_OTHER_ADDR = 14;
    private static final int C_AGGREGATE = 15;
    private static final int C_LOG = 16;
    private static final int C_SKIP = 17;

    private static final byte[] K_EXPORT = b("export");
    private static final byte[] K_EVENT = b("event");
    private static final byte[] K_COE = b("COE");
    private static final byte[] K_AGGREGATE = b("aggregate");
    private static final byte[] K_LOG = b("log");
    private static final byte[] K_TYPE = b("type");
    private static final byte[] K_ASYNC_EVENT = b("async_event");
    private static final byte[] K_PID = b("pid");
    private static final byte[] K_TNUM = b("tnum");
    private static final byte[] K_CONTEXT = b("context");
    private static final byte[] K_NUMBER = b("number");
    private static final byte[] K_PROCESS = b("process");
    private static final byte[] K_TTD = b("ttd");
    private static final byte[] K_P_TTD = b("p_ttd");
    private static final byte[] K_TASK_ID = b("task_id");
    private static final byte[] K_P_TASK_ID = b("p_task_id");
    private static final byte[] K_TS = b("ts");
    private static final byte[][] K_COE_FIELDS = {b("uid"), b("euid"), b("suid"), b("gid"), b("egid"), b("sgid"),
        b("fsuid"), b("fsgid"), b("capeff")};
    private static final byte[] K_FILE = b("file");
    private static final byte[] K_FLAGS = b("flags");
    private static final byte[] K_INODE = b("inode");
    private static final byte[] K_PATH = b("path");
    private static final byte[] K_DIGEST = b("digest");
    private static final byte[] K_UID = b("uid");
    private static final byte[] K_GID = b("gid");
    private static final byte[] K_MODE = b("mode");
    private static final byte[] K_S_MAGIC = b("s_magic");
    private static final byte[] K_S_ID = b("s_id");
    private static final byte[] K_S_UUID = b("s_uuid");
    private static final byte[] K_DEV = b("dev");
    private static final byte[] K_MAJOR = b("major");
    private static final byte[] K_MINOR = b("minor");
    private static final byte[] K_PATHNAME = b("pathname");
    private static final byte[] K_SOCK = b("sock");
    private static final byte[] K_FAMILY = b("family");
    private static final byte[] K_PROTOCOL = b("protocol");
    private static final byte[] K_OWNER = b("owner");
    private static final byte[] K_ADDR = b("addr");
    /** The ABI's own spelling in the sendmsg/recvmsg CELLs. */
    private static final byte[] K_ADDRRESS = b("addrress");
    private static final byte[] K_AF_INET = b("af_inet");
    private static final byte[] K_AF_INET6 = b("af_inet6");
    private static final byte[] K_AF_UNIX = b("af_unix");
    private static final byte[] K_AF_OTHER = b("af_other");
    private static final byte[] K_PORT = b("port");
    private static final byte[] K_ADDRESS = b("address");
    private static final byte[] K_FLOW = b("flow");
    private static final byte[] K_SCOPE = b("scope");
    private static final byte[] K_VALUE = b("value");
    private static final byte[] K_ACTION = b("action");
    private static final byte[] K_PROT = b("prot");
    private static final byte[] K_CMD = b("cmd");
    private static final byte[] K_SIG = b("sig");
    private static final byte[] K_CROSS_NS = b("cross_ns");
    private static final byte[] K_CAP = b("cap");
    private static final byte[] K_OPTS = b("opts");
    private static final byte[] K_KERN = b("kern");
    private static final byte[] K_TARGET = b("target");
    private static final byte[] K_INSTANCE = b("instance");

    private byte[] buf = new byte[0];
    private int end;
    private int pos;
    private int start;

    int exportType;
    long pid;
    long tnum;
    long context;
    long number;
    long ttd;
    long pTtd;
    long ts;
    int processOff;
    int processLen;
    int typeOff;
    int typeLen;
    int taskIdOff;
    int taskIdLen;
    int pTaskIdOff;
    int pTaskIdLen;
    final long[] coe = new long[COE_FIELDS];
    int coeSeen;

    int cellNameOff;
    int cellNameLen;
    /** The CELL object's text, braces included. */
    int cellOff;
    int cellEnd;

    boolean hasFile;
    long fileFlags;
    boolean hasInode;
    long inodeUid;
    long inodeGid;
    long inodeMode;
    long sMagic;
    int sIdOff;
    int sIdLen;
    int sUuidOff;
    int sUuidLen;
    long devMajor;
    long devMinor;
    int pathTypeOff;
    int pathTypeLen;
    int pathnameOff;
    int pathnameLen;
    int digestOff;
    int digestLen;
    /** CELL-level scalars some CELLs have ({@code mmap_file}, {@code task_kill}, {@code capable}, …); -1 when absent. */
    long prot;
    long cellFlags;
    long cmd;
    long sig;
    long crossNs;
    long cap;
    long opts;
    long kern;
    long cellFamily;
    long cellType;
    long cellProtocol;
    int targetOff;
    int targetLen;
    long instance;
    int pathOwnerOff;
    int pathOwnerLen;
    int sockOwnerOff;
    int sockOwnerLen;

    boolean hasSock;
    long sockFamily;
    long sockType;
    long sockProtocol;
    int addrKind;
    long port;
    long flow;
    long scope;
    /** IPv4: the raw value; other families: see {@link #addrTextOff}. */
    long inetAddress;
    int addrTextOff;
    int addrTextLen;

    int valueOff;
    int valueLen;
    int logEventOff;
    int logEventLen;
    int logActionOff;
    int logActionLen;

    private final int[] contextStack = new int[MAX_DEPTH + 1];

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** @return the buffer the ranges refer to */
    byte[] buffer() {
        return buf;
    }

    /** @return where the record's text ends in {@link #buffer()} (its final newline excluded) */
    int length() {
        return end;
    }

    /** @return where the record starts in {@link #buffer()} */
    int start() {
        return start;
    }

    /**
     * Decodes {@code length} bytes of {@code record}, which this object keeps (no copy).
     *
     * @param record the bytes of one {@code read()}
     * @param length how many
     * @throws Malformed when it is not one complete TSEM record
     */
    void decode(byte[] record, int length) throws Malformed {
        decode(record, 0, length);
    }

    /**
     * Decodes the record at {@code offset} (of a stream of records, for example).
     *
     * @param record the buffer
     * @param offset where the record starts
     * @param length its length, final newline included
     * @throws Malformed when it is not one complete TSEM record
     */
    void decode(byte[] record, int offset, int length) throws Malformed {
        clear();
        this.buf = record;
        this.start = offset;
        this.pos = offset;
        this.end = offset + length;
        if (length == 0 || record[offset + length - 1] != '\n') {
            throw new Malformed(length == 0 ? "empty record" : "truncated record (no final newline in "
                    + length + " bytes)");
        }
        this.end = offset + length - 1;
        skipWs();
        parseObject(C_ROOT, 0);
        skipWs();
        if (pos != end) {
            throw new Malformed("text after the record's object at byte " + pos);
        }
        if (exportType == UNKNOWN) {
            throw new Malformed("no export.type");
        }
        if (exportType == EVENT || exportType == ASYNC_EVENT) {
            if (typeLen <= 0) {
                throw new Malformed("an event record without event.type");
            }
            if (cellNameLen > 0 && !Arrays.equals(buf, cellNameOff, cellNameOff + cellNameLen, buf, typeOff,
                    typeOff + typeLen)) {
                throw new Malformed("the CELL member '" + ascii(cellNameOff, cellNameLen)
                        + "' is not named after event.type '" + ascii(typeOff, typeLen) + "'");
            }
            if (exportType == EVENT && pid <= 0) {
                throw new Malformed("a blocking event without a pid: nobody could release it");
            }
        }
    }

    private void clear() {
        exportType = UNKNOWN;
        pid = -1;
        tnum = -1;
        context = -1;
        number = -1;
        ttd = -1;
        pTtd = -1;
        ts = -1;
        // offsets too: a range of length 0 still points inside this record, never into an earlier one
        processOff = typeOff = taskIdOff = pTaskIdOff = cellNameOff = sIdOff = sUuidOff = pathTypeOff = 0;
        pathnameOff = digestOff = addrTextOff = valueOff = logEventOff = logActionOff = targetOff = 0;
        pathOwnerOff = sockOwnerOff = 0;
        processLen = 0;
        typeLen = 0;
        taskIdLen = 0;
        pTaskIdLen = 0;
        coeSeen = 0;
        Arrays.fill(coe, -1);
        cellNameLen = 0;
        cellOff = 0;
        cellEnd = 0;
        hasFile = false;
        fileFlags = -1;
        hasInode = false;
        inodeUid = -1;
        inodeGid = -1;
        inodeMode = -1;
        sMagic = -1;
        sIdLen = 0;
        sUuidLen = 0;
        devMajor = -1;
        devMinor = -1;
        pathTypeLen = 0;
        pathnameLen = -1;
        digestLen = 0;
        prot = -1;
        cellFlags = -1;
        cmd = -1;
        sig = -1;
        crossNs = -1;
        cap = -1;
        opts = -1;
        kern = -1;
        cellFamily = -1;
        cellType = -1;
        cellProtocol = -1;
        targetLen = 0;
        instance = -1;
        pathOwnerLen = 0;
        sockOwnerLen = 0;
        hasSock = false;
        sockFamily = -1;
        sockType = -1;
        sockProtocol = -1;
        addrKind = ADDR_NONE;
        port = -1;
        flow = -1;
        scope = -1;
        inetAddress = -1;
        addrTextLen = 0;
        valueLen = 0;
        logEventLen = 0;
        logActionLen = 0;
    }

    // ------------------------------------------------------------------ parser

    private void parseObject(int ctx, int depth) throws Malformed {
        if (depth > MAX_DEPTH) {
            throw new Malformed("objects nested deeper than " + MAX_DEPTH);
        }
        contextStack[depth] = ctx;
        expect('{');
        skipWs();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipWs();
            int keyOff = pos + 1;
            int keyLen = stringRaw();
            skipWs();
            expect(':');
            skipWs();
            byte c = peek();
            if (c == '{') {
                int child = childContext(ctx, keyOff, keyLen, depth);
                int start = pos;
                parseObject(child, depth + 1);
                if (child == C_CELL) {
                    cellOff = start;
                    cellEnd = pos;
                }
            } else if (c == '"') {
                int valOff = pos + 1;
                int valLen = stringRaw();
                scalar(ctx, depth, keyOff, keyLen, valOff, valLen);
            } else {
                skipValue(depth + 1);
            }
            skipWs();
            byte n = next();
            if (n == '}') {
                return;
            }
            if (n != ',') {
                throw new Malformed("expected ',' or '}' at byte " + (pos - 1));
            }
        }
    }

    private int childContext(int ctx, int keyOff, int keyLen, int depth) throws Malformed {
        switch (ctx) {
            case C_ROOT:
                if (key(keyOff, keyLen, K_EXPORT)) {
                    return C_EXPORT;
                }
                if (key(keyOff, keyLen, K_EVENT)) {
                    return C_EVENT;
                }
                if (key(keyOff, keyLen, K_COE)) {
                    return C_COE;
                }
                if (exportType == AGGREGATE && key(keyOff, keyLen, K_AGGREGATE)) {
                    return C_AGGREGATE;
                }
                if (exportType == LOG && key(keyOff, keyLen, K_LOG)) {
                    return C_LOG;
                }
                if (cellNameLen > 0) {
                    throw new Malformed("two CELL members: '" + ascii(cellNameOff, cellNameLen) + "' and '"
                            + ascii(keyOff, keyLen) + "'");
                }
                cellNameOff = keyOff;
                cellNameLen = keyLen;
                return C_CELL;
            case C_CELL:
                if (key(keyOff, keyLen, K_FILE)) {
                    hasFile = true;
                    return C_FILE;
                }
                if (key(keyOff, keyLen, K_SOCK)) {
                    hasSock = true;
                    return C_SOCK;
                }
                if (key(keyOff, keyLen, K_ADDR) || key(keyOff, keyLen, K_ADDRRESS)) {
                    return C_ADDR;
                }
                return C_SKIP;
            case C_FILE:
                if (key(keyOff, keyLen, K_INODE)) {
                    hasInode = true;
                    return C_INODE;
                }
                return key(keyOff, keyLen, K_PATH) ? C_PATH : C_SKIP;
            case C_PATH:
                return key(keyOff, keyLen, K_DEV) ? C_DEV : C_SKIP;
            case C_ADDR:
                if (addrKind != ADDR_NONE) {
                    throw new Malformed("two address families in one addr member");
                }
                if (key(keyOff, keyLen, K_AF_INET)) {
                    addrKind = ADDR_INET;
                    return C_INET;
                }
                if (key(keyOff, keyLen, K_AF_INET6)) {
                    addrKind = ADDR_INET6;
                    return C_INET6;
                }
                if (key(keyOff, keyLen, K_AF_UNIX)) {
                    addrKind = ADDR_UNIX;
                    return C_UNIX;
                }
                if (key(keyOff, keyLen, K_AF_OTHER)) {
                    addrKind = ADDR_OTHER;
                    return C_OTHER_ADDR;
                }
                return C_SKIP;
            default:
                return C_SKIP;
        }
    }

    private void scalar(int ctx, int depth, int k, int kl, int v, int vl) throws Malformed {
        switch (ctx) {
            case C_EXPORT:
                if (key(k, kl, K_TYPE)) {
                    exportType = key(v, vl, K_EVENT) ? EVENT : key(v, vl, K_ASYNC_EVENT) ? ASYNC_EVENT
                            : key(v, vl, K_AGGREGATE) ? AGGREGATE : key(v, vl, K_LOG) ? LOG : UNKNOWN;
                    if (exportType == UNKNOWN) {
                        throw new Malformed("unknown export.type '" + ascii(v, vl) + "'");
                    }
                }
                return;
            case C_EVENT:
                if (key(k, kl, K_PID)) {
                    pid = number(v, vl);
                } else if (key(k, kl, K_TNUM)) {
                    tnum = number(v, vl);
                } else if (key(k, kl, K_CONTEXT)) {
                    context = number(v, vl);
                } else if (key(k, kl, K_NUMBER)) {
                    number = number(v, vl);
                } else if (key(k, kl, K_PROCESS)) {
                    processOff = v;
                    processLen = vl;
                } else if (key(k, kl, K_TYPE)) {
                    typeOff = v;
                    typeLen = vl;
                } else if (key(k, kl, K_TTD)) {
                    ttd = number(v, vl);
                } else if (key(k, kl, K_P_TTD)) {
                    pTtd = number(v, vl);
                } else if (key(k, kl, K_TASK_ID)) {
                    taskIdOff = hex(v, vl);
                    taskIdLen = vl;
                } else if (key(k, kl, K_P_TASK_ID)) {
                    pTaskIdOff = hex(v, vl);
                    pTaskIdLen = vl;
                } else if (key(k, kl, K_TS)) {
                    ts = number(v, vl);
                }
                return;
            case C_COE:
                for (int i = 0; i < COE_FIELDS; i++) {
                    if (key(k, kl, K_COE_FIELDS[i])) {
                        coe[i] = number(v, vl);
                        coeSeen |= 1 << i;
                        return;
                    }
                }
                return;
            case C_CELL:
                if (key(k, kl, K_PROT)) {
                    prot = number(v, vl);
                } else if (key(k, kl, K_FLAGS)) {
                    cellFlags = number(v, vl);
                } else if (key(k, kl, K_CMD)) {
                    cmd = number(v, vl);
                } else if (key(k, kl, K_SIG)) {
                    sig = number(v, vl);
                } else if (key(k, kl, K_CROSS_NS)) {
                    crossNs = number(v, vl);
                } else if (key(k, kl, K_CAP)) {
                    cap = number(v, vl);
                } else if (key(k, kl, K_OPTS)) {
                    opts = number(v, vl);
                } else if (key(k, kl, K_KERN)) {
                    kern = number(v, vl);
                } else if (key(k, kl, K_FAMILY)) {
                    cellFamily = number(v, vl);
                } else if (key(k, kl, K_TYPE)) {
                    cellType = number(v, vl);
                } else if (key(k, kl, K_PROTOCOL)) {
                    cellProtocol = number(v, vl);
                } else if (key(k, kl, K_TARGET)) {
                    targetOff = hex(v, vl);
                    targetLen = vl;
                }
                return;
            case C_FILE:
                if (key(k, kl, K_FLAGS)) {
                    fileFlags = number(v, vl);
                } else if (key(k, kl, K_DIGEST)) {
                    digestOff = hex(v, vl);
                    digestLen = vl;
                }
                return;
            case C_INODE:
                if (key(k, kl, K_UID)) {
                    inodeUid = number(v, vl);
                } else if (key(k, kl, K_GID)) {
                    inodeGid = number(v, vl);
                } else if (key(k, kl, K_MODE)) {
                    inodeMode = number(v, vl);
                } else if (key(k, kl, K_S_MAGIC)) {
                    sMagic = number(v, vl);
                } else if (key(k, kl, K_S_ID)) {
                    sIdOff = v;
                    sIdLen = vl;
                } else if (key(k, kl, K_S_UUID)) {
                    sUuidOff = hex(v, vl);
                    sUuidLen = vl;
                }
                return;
            case C_PATH:
                if (key(k, kl, K_PATHNAME)) {
                    pathnameOff = v;
                    pathnameLen = vl;
                } else if (key(k, kl, K_TYPE)) {
                    pathTypeOff = v;
                    pathTypeLen = vl;
                } else if (key(k, kl, K_INSTANCE)) {
                    instance = number(v, vl);
                } else if (key(k, kl, K_OWNER)) {
                    pathOwnerOff = hex(v, vl);
                    pathOwnerLen = vl;
                }
                return;
            case C_DEV:
                if (key(k, kl, K_MAJOR)) {
                    devMajor = number(v, vl);
                } else if (key(k, kl, K_MINOR)) {
                    devMinor = number(v, vl);
                }
                return;
            case C_SOCK:
                if (key(k, kl, K_FAMILY)) {
                    sockFamily = number(v, vl);
                } else if (key(k, kl, K_TYPE)) {
                    sockType = number(v, vl);
                } else if (key(k, kl, K_PROTOCOL)) {
                    sockProtocol = number(v, vl);
                } else if (key(k, kl, K_OWNER)) {
                    sockOwnerOff = hex(v, vl);
                    sockOwnerLen = vl;
                }
                return;
            case C_INET:
            case C_INET6:
                if (key(k, kl, K_PORT)) {
                    port = number(v, vl);
                } else if (key(k, kl, K_ADDRESS)) {
                    if (ctx == C_INET) {
                        inetAddress = number(v, vl);
                    } else {
                        if (vl != 32) {
                            throw new Malformed("an af_inet6 address of " + vl + " hex digits, not 32");
                        }
                        addrTextOff = hex(v, vl);
                        addrTextLen = vl;
                    }
                } else if (key(k, kl, K_FLOW)) {
                    flow = number(v, vl);
                } else if (key(k, kl, K_SCOPE)) {
                    scope = number(v, vl);
                }
                return;
            case C_UNIX:
            case C_OTHER_ADDR:
                if (key(k, kl, K_ADDRESS)) {
                    addrTextOff = ctx == C_OTHER_ADDR ? hex(v, vl) : v;
                    addrTextLen = vl;
                }
                return;
            case C_AGGREGATE:
                if (key(k, kl, K_VALUE)) {
                    valueOff = hex(v, vl);
                    valueLen = vl;
                }
                return;
            case C_LOG:
                if (key(k, kl, K_PROCESS)) {
                    processOff = v;
                    processLen = vl;
                } else if (key(k, kl, K_EVENT)) {
                    logEventOff = v;
                    logEventLen = vl;
                } else if (key(k, kl, K_ACTION)) {
                    logActionOff = v;
                    logActionLen = vl;
                }
                return;
            default:
        }
    }

    /** Skips a value that is not a string or an object: numbers, literals and arrays (none in the ABI). */
    private void skipValue(int depth) throws Malformed {
        if (depth > MAX_DEPTH) {
            throw new Malformed("values nested deeper than " + MAX_DEPTH);
        }
        byte c = peek();
        if (c == '[') {
            pos++;
            skipWs();
            if (peek() == ']') {
                pos++;
                return;
            }
            while (true) {
                skipWs();
                byte d = peek();
                if (d == '"') {
                    stringRaw();
                } else if (d == '{') {
                    parseObject(C_SKIP, depth + 1);
                } else {
                    skipValue(depth + 1);
                }
                skipWs();
                byte n = next();
                if (n == ']') {
                    return;
                }
                if (n != ',') {
                    throw new Malformed("expected ',' or ']' at byte " + (pos - 1));
                }
            }
        }
        int start = pos;
        while (pos < end) {
            byte d = buf[pos];
            if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\t' || d == '\r' || d == '\n') {
                break;
            }
            if (!(d == '-' || d == '+' || d == '.' || (d >= '0' && d <= '9') || (d >= 'a' && d <= 'z')
                    || (d >= 'A' && d <= 'Z'))) {
                throw new Malformed("unexpected byte 0x" + Integer.toHexString(d & 0xff) + " at " + pos);
            }
            pos++;
        }
        if (pos == start) {
            throw new Malformed(pos >= end ? "record ends inside a value" : "expected a value at byte " + pos);
        }
    }

    /** Reads a JSON string; returns the length of its raw (still escaped) content, which starts after the quote. */
    private int stringRaw() throws Malformed {
        expect('"');
        int start = pos;
        while (pos < end) {
            byte c = buf[pos];
            if (c == '"') {
                pos++;
                return pos - 1 - start;
            }
            if (c == '\\') {
                pos += 2;
                continue;
            }
            if ((c & 0xff) < 0x20) {
                throw new Malformed("a control character inside a string at byte " + pos);
            }
            pos++;
        }
        throw new Malformed("record ends inside a string");
    }

    private void skipWs() {
        while (pos < end) {
            byte c = buf[pos];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return;
            }
            pos++;
        }
    }

    private byte peek() throws Malformed {
        if (pos >= end) {
            throw new Malformed("record ends early at byte " + pos);
        }
        return buf[pos];
    }

    private byte next() throws Malformed {
        byte c = peek();
        pos++;
        return c;
    }

    private void expect(char c) throws Malformed {
        if (next() != c) {
            throw new Malformed("expected '" + c + "' at byte " + (pos - 1));
        }
    }

    private boolean key(int off, int len, byte[] k) {
        return len == k.length && Arrays.equals(buf, off, off + len, k, 0, len);
    }

    /** Checks that a DIGEST value is lowercase hex; returns its offset. */
    private int hex(int off, int len) throws Malformed {
        for (int i = off; i < off + len; i++) {
            byte c = buf[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new Malformed("a digest with a non-hex character at byte " + i);
            }
        }
        return off;
    }

    /** {@code strtoll(…, 0)} over the whole string: decimal, octal with a leading 0, hex with 0x; an optional minus. */
    private long number(int off, int len) throws Malformed {
        int i = off;
        int e = off + len;
        boolean neg = false;
        if (i < e && buf[i] == '-') {
            neg = true;
            i++;
        }
        if (i >= e) {
            throw new Malformed("an empty number at byte " + off);
        }
        int radix = 10;
        if (buf[i] == '0' && i + 1 < e) {
            if (buf[i + 1] == 'x' || buf[i + 1] == 'X') {
                radix = 16;
                i += 2;
                if (i >= e) {
                    throw new Malformed("'0x' without digits at byte " + off);
                }
            } else {
                radix = 8;
                i++;
            }
        }
        long v = 0;
        for (; i < e; i++) {
            int d = Character.digit(buf[i], radix);
            if (d < 0) {
                throw new Malformed("'" + ascii(off, len) + "' is not a " + (radix == 8 ? "octal" : radix == 16 ? "hex"
                        : "decimal") + " number (byte " + i + ")");
            }
            // unsigned 64 bits: task numbers and capability masks use all of them
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, radix)) > 0) {
                throw new Malformed("'" + ascii(off, len) + "' does not fit 64 bits");
            }
            v = v * radix + d;
        }
        return neg ? -v : v;
    }

    // ------------------------------------------------------------------ accessors (may allocate)

    /** @return the pure-ASCII bytes of a range as a String */
    String ascii(int off, int len) {
        return new String(buf, off, Math.max(0, len), StandardCharsets.ISO_8859_1);
    }

    /**
     * Unescapes a JSON string range into {@code dst} as UTF-8 bytes.
     *
     * @return the byte count, or -1 when it does not fit
     */
    int unescape(int off, int len, byte[] dst) {
        return unescape(buf, off, len, dst);
    }

    /** {@link #unescape(int, int, byte[])} over any buffer. */
    static int unescape(byte[] buf, int off, int len, byte[] dst) {
        int o = 0;
        int e = off + len;
        for (int i = off; i < e; i++) {
            byte c = buf[i];
            if (c != '\\') {
                if (o >= dst.length) {
                    return -1;
                }
                dst[o++] = c;
                continue;
            }
            if (++i >= e) {
                return -1;
            }
            int cp;
            switch (buf[i]) {
                case 'n' -> cp = '\n';
                case 't' -> cp = '\t';
                case 'r' -> cp = '\r';
                case 'b' -> cp = '\b';
                case 'f' -> cp = '\f';
                case 'u' -> {
                    if (i + 4 >= e) {
                        return -1;
                    }
                    cp = 0;
                    for (int j = 1; j <= 4; j++) {
                        int d = Character.digit(buf[i + j], 16);
                        if (d < 0) {
                            return -1;
                        }
                        cp = cp * 16 + d;
                    }
                    i += 4;
                }
                default -> cp = buf[i] & 0xff; // \" \\ \/
            }
            // standard JSON: a code point, written as UTF-8 (a surrogate pair joined first)
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < e && buf[i + 1] == '\\' && buf[i + 2] == 'u') {
                int lo = 0;
                for (int j = 3; j <= 6; j++) {
                    int d = Character.digit(buf[i + j], 16);
                    lo = d < 0 ? -1 : lo * 16 + d;
                    if (lo < 0) {
                        break;
                    }
                }
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            int need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (o + need > dst.length) {
                return -1;
            }
            switch (need) {
                case 1 -> dst[o++] = (byte) cp;
                case 2 -> {
                    dst[o++] = (byte) (0xc0 | cp >> 6);
                    dst[o++] = (byte) (0x80 | (cp & 0x3f));
                }
                case 3 -> {
                    dst[o++] = (byte) (0xe0 | cp >> 12);
                    dst[o++] = (byte) (0x80 | (cp >> 6 & 0x3f));
                    dst[o++] = (byte) (0x80 | (cp & 0x3f));
                }
                default -> {
                    dst[o++] = (byte) (0xf0 | cp >> 18);
                    dst[o++] = (byte) (0x80 | (cp >> 12 & 0x3f));
                    dst[o++] = (byte) (0x80 | (cp >> 6 & 0x3f));
                    dst[o++] = (byte) (0x80 | (cp & 0x3f));
                }
            }
        }
        return o;
    }

    /** @return a string range unescaped, as text */
    String text(int off, int len) {
        if (len <= 0) {
            return "";
        }
        byte[] d = new byte[len * 3];
        int n = unescape(off, len, d);
        return n < 0 ? ascii(off, len) : new String(d, 0, n, StandardCharsets.UTF_8);
    }

    /** @return {@code event.type}, or the log record's event */
    String eventType() {
        return exportType == LOG ? text(logEventOff, logEventLen) : ascii(typeOff, typeLen);
    }

    /** Whether {@code event.type} equals {@code name}, without allocating. */
    boolean typeIs(byte[] name) {
        return key(typeOff, typeLen, name);
    }

    /**
     * The CELL flattened to dotted keys ({@code file.path.pathname}, {@code sig}, …), every value
     * unescaped, in record order, for events of TSEM's own kinds.
     *
     * @return the fields
     */
    Map<String, String> cellFields() {
        Map<String, String> out = new LinkedHashMap<>();
        if (cellEnd <= cellOff) {
            return out;
        }
        int savedPos = pos;
        int savedEnd = end;
        pos = cellOff;
        end = cellEnd;
        try {
            flatten("", out, 0);
        } catch (Malformed e) {
            throw new IllegalStateException("a CELL that decoded cannot be flattened", e);
        } finally {
            pos = savedPos;
            end = savedEnd;
        }
        return out;
    }

    private void flatten(String prefix, Map<String, String> out, int depth) throws Malformed {
        expect('{');
        skipWs();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipWs();
            int k = pos + 1;
            int kl = stringRaw();
            String name = prefix + text(k, kl);
            skipWs();
            expect(':');
            skipWs();
            byte c = peek();
            if (c == '{') {
                flatten(name + ".", out, depth + 1);
            } else if (c == '"') {
                int v = pos + 1;
                int vl = stringRaw();
                out.put(name, text(v, vl));
            } else {
                int s = pos;
                skipValue(depth + 1);
                out.put(name, ascii(s, pos - s));
            }
            skipWs();
            byte n = next();
            if (n == '}') {
                return;
            }
            if (n != ',') {
                throw new Malformed("expected ',' or '}'");
            }
        }
    }
}
