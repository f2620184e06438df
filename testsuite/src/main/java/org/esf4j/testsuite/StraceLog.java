package org.esf4j.testsuite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser of what {@code strace -f -qq -y -yy -X raw -s N -v -o FILE} writes: one record per system
 * call, with its arguments decoded into values (strings as raw bytes, numbers, arrays, structures,
 * descriptors with the path or socket strace decoded from {@code /proc} while the tracee was
 * stopped) and its result. Calls that strace split into {@code <unfinished ...>} and
 * {@code <... resumed>} lines are joined; their order is the order in which the calls began.
 */
public final class StraceLog {

    /** A decoded argument. */
    public sealed interface Value permits Str, Num, Arr, Struct, Fd, Other {
    }

    /**
     * A string argument.
     *
     * @param bytes its bytes, escapes decoded
     * @param truncated whether strace cut it ({@code "..."...})
     */
    public record Str(byte[] bytes, boolean truncated) implements Value {
        /** @return the bytes as UTF-8 text (malformed bytes become U+FFFD) */
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /**
     * A number, possibly with flags after it ({@code 0x1200000|17}: the value is the first part).
     *
     * @param value its value
     * @param text the whole text
     */
    public record Num(long value, String text) implements Value {
    }

    /**
     * An array.
     *
     * @param items its items
     * @param truncated whether strace left items out
     */
    public record Arr(List<Value> items, boolean truncated) implements Value {
    }

    /**
     * A structure.
     *
     * @param fields its fields by name
     */
    public record Struct(Map<String, Value> fields) implements Value {
    }

    /**
     * A descriptor with what strace decoded for it ({@code 3</usr/lib/libc.so.6>},
     * {@code 3<TCP:[1234]>}, {@code -100</cwd>}).
     *
     * @param fd the number
     * @param target the decoded path or socket, as bytes
     */
    public record Fd(long fd, byte[] target) implements Value {
        /** @return the target as text */
        public String text() {
            return new String(target, StandardCharsets.UTF_8);
        }
    }

    /**
     * Anything else, as text.
     *
     * @param text the text
     */
    public record Other(String text) implements Value {
    }

    /**
     * One system call.
     *
     * @param order its place in the log (when it began)
     * @param tid the thread that made it
     * @param name the call
     * @param args its arguments
     * @param result the return value ({@code -1} on failure)
     * @param errno the error name on failure ({@code ENOENT}), else null
     * @param resultTarget what strace decoded for a returned descriptor, or null
     * @param pidChangedTo for an exec by a non-leader thread: the pid it took over, else 0
     * @param startMicros when the call began (wall clock, microseconds since the epoch; 0 without -ttt)
     * @param endMicros when it returned (with -T; without it, when strace saw it return if the call
     *                  was interrupted by another thread's line, else {@code startMicros})
     */
    public record Call(int order, int tid, String name, List<Value> args, long result, String errno,
                       byte[] resultTarget, int pidChangedTo, long startMicros, long endMicros) {

        /** @return whether the call succeeded */
        public boolean ok() {
            return errno == null && (result >= 0 || pidChangedTo != 0);
        }

        /** @return the returned descriptor's decoded target as text, or null */
        public String resultText() {
            return resultTarget == null ? null : new String(resultTarget, StandardCharsets.UTF_8);
        }
    }

    /**
     * Something strace reports that is not a call ({@code +++ exited with 0 +++}, signals).
     *
     * @param order its place in the log
     * @param tid the thread
     * @param text the text between the markers
     */
    public record Note(int order, int tid, String text) {
    }

    private final List<Call> calls = new ArrayList<>();
    private final List<Note> notes = new ArrayList<>();

    private StraceLog() {
    }

    /**
     * Parses a log file.
     *
     * @param file the log
     * @return the log
     */
    public static StraceLog parse(Path file) throws IOException {
        return parse(Files.readAllBytes(file));
    }

    /**
     * Parses a log.
     *
     * @param log its bytes
     * @return the log
     */
    public static StraceLog parse(byte[] log) {
        StraceLog l = new StraceLog();
        Map<Integer, String> pending = new HashMap<>();
        Map<Integer, Integer> pendingOrder = new HashMap<>();
        Map<Integer, Long> pendingTime = new HashMap<>();
        // "+++ superseded by execve in pid X +++" on the leader T: X's unfinished execve completes as T
        Map<Integer, Integer> supersededBy = new HashMap<>();
        String text = new String(log, StandardCharsets.ISO_8859_1); // bytes as chars: escapes stay exact
        int order = 0;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                continue;
            }
            int tid;
            try {
                tid = Integer.parseInt(line.substring(0, sp));
            } catch (NumberFormatException e) {
                continue;
            }
            String rest = line.substring(sp + 1).stripLeading();
            long micros = 0;
            int ts = rest.indexOf(' ');
            if (ts > 0 && rest.charAt(0) >= '0' && rest.charAt(0) <= '9' && rest.substring(0, ts).indexOf('.') > 0) {
                String t = rest.substring(0, ts);
                int dot = t.indexOf('.');
                micros = Long.parseLong(t.substring(0, dot)) * 1_000_000L + Long.parseLong(t.substring(dot + 1));
                rest = rest.substring(ts + 1).stripLeading();
            }
            order++;
            // -T: the time spent in the call, "<0.000123>" at the end of the line that completes it
            long spent = -1;
            if (rest.endsWith(">")) {
                int lt = rest.lastIndexOf(" <");
                String d = lt < 0 ? "" : rest.substring(lt + 2, rest.length() - 1);
                int dot = d.indexOf('.');
                if (dot > 0 && d.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
                    spent = Long.parseLong(d.substring(0, dot)) * 1_000_000L + Long.parseLong(d.substring(dot + 1));
                    rest = rest.substring(0, lt);
                }
            }
            if (rest.startsWith("+++") || rest.startsWith("---")) {
                String note = rest.substring(3, Math.max(3, rest.length() - 3)).trim();
                l.notes.add(new Note(order, tid, note));
                if (note.startsWith(SUPERSEDED)) {
                    try {
                        supersededBy.put(tid, Integer.parseInt(note.substring(SUPERSEDED.length()).trim()));
                    } catch (NumberFormatException e) {
                        // not the form expected: the execve stays unfinished
                    }
                }
                continue;
            }
            if (rest.startsWith("<... ")) {
                int close = rest.indexOf(" resumed>");
                Integer execer = supersededBy.get(tid);
                if (execer != null && close > 0 && rest.startsWith("<... execve") && pending.containsKey(execer)
                        && pending.get(execer).startsWith("execve")) {
                    // An exec by a non-leader thread whose start strace printed unfinished: the call
                    // completes on the leader's pid, with no "<pid changed to" marker.
                    supersededBy.remove(tid);
                    String start = pending.remove(execer);
                    int o = pendingOrder.remove(execer);
                    pendingTime.remove(execer);
                    l.addExecByThread(o, execer, start + ")", tid, micros);
                    continue;
                }
                String start = pending.remove(tid);
                Integer o = pendingOrder.remove(tid);
                Long t0 = pendingTime.remove(tid);
                if (start == null || close < 0) {
                    continue;
                }
                long begun = t0 == null ? micros : t0;
                l.add(o, tid, start + rest.substring(close + " resumed>".length()), begun,
                        spent >= 0 ? Math.max(micros, begun + spent) : micros);
                continue;
            }
            int unfinished = rest.indexOf(" <unfinished ...>");
            int changed = rest.indexOf(" <pid changed to ");
            if (changed >= 0) {
                int end = rest.indexOf(' ', changed + 17);
                int newPid = Integer.parseInt(rest.substring(changed + 17, end));
                l.addExecByThread(order, tid, rest.substring(0, changed), newPid, micros);
                continue;
            }
            if (unfinished >= 0) {
                pending.put(tid, rest.substring(0, unfinished));
                pendingOrder.put(tid, order);
                pendingTime.put(tid, micros);
                continue;
            }
            l.add(order, tid, rest, micros, spent >= 0 ? micros + spent : micros);
        }
        l.calls.sort((a, b) -> Integer.compare(a.order(), b.order()));
        return l;
    }

    private static final String SUPERSEDED = "superseded by execve in pid";

    private void addExecByThread(int order, int tid, String call, int newPid, long micros) {
        int open = call.indexOf('(');
        if (open < 0) {
            return;
        }
        Parser p = new Parser(call, open + 1);
        List<Value> args = p.args();
        calls.add(new Call(order, tid, call.substring(0, open), args, 0, null, null, newPid, micros, micros));
    }

    private void add(int order, int tid, String line, long startMicros, long endMicros) {
        int open = line.indexOf('(');
        if (open <= 0) {
            return;
        }
        String name = line.substring(0, open);
        Parser p = new Parser(line, open + 1);
        List<Value> args = p.args();
        String tail = line.substring(Math.min(p.pos, line.length())).trim();
        long result = 0;
        String errno = null;
        byte[] target = null;
        if (tail.startsWith("=")) {
            String r = tail.substring(1).trim();
            int end = 0;
            while (end < r.length() && (Character.isDigit(r.charAt(end)) || r.charAt(end) == '-' || r.charAt(end) == 'x'
                    || (end > 1 && Character.digit(r.charAt(end), 16) >= 0 && r.startsWith("0x")))) {
                end++;
            }
            String num = r.substring(0, end);
            try {
                result = num.startsWith("0x") ? Long.parseUnsignedLong(num.substring(2), 16) : Long.parseLong(num);
            } catch (NumberFormatException e) {
                result = -1;
            }
            String after = r.substring(end);
            if (after.startsWith("<")) {
                Parser q = new Parser(after, 0);
                target = q.angle();
            } else if (result < 0) {
                String[] w = after.trim().split(" ");
                errno = w.length > 0 && !w[0].isEmpty() ? w[0] : "E?";
            }
        }
        calls.add(new Call(order, tid, name, args, result, errno, target, 0, startMicros, endMicros));
    }

    /** @return every call, in the order they began */
    public List<Call> calls() {
        return calls;
    }

    /** @return every note, in order */
    public List<Note> notes() {
        return notes;
    }

    /** A recursive-descent parser of strace's argument syntax. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        List<Value> args() {
            List<Value> out = new ArrayList<>();
            skip();
            if (peek() == ')') {
                pos++;
                return out;
            }
            while (pos < s.length()) {
                out.add(value());
                skip();
                char c = peek();
                if (c == ',') {
                    pos++;
                    continue;
                }
                if (c == ')') {
                    pos++;
                }
                break;
            }
            return out;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : 0;
        }

        private void skip() {
            while (pos < s.length() && s.charAt(pos) == ' ') {
                pos++;
            }
            // comments such as /* 20 vars */
            if (s.startsWith("/*", pos)) {
                int end = s.indexOf("*/", pos);
                pos = end < 0 ? s.length() : end + 2;
                skip();
            }
        }

        Value value() {
            skip();
            char c = peek();
            Value v;
            if (c == '"') {
                v = string();
            } else if (c == '@' && pos + 1 < s.length() && s.charAt(pos + 1) == '"') {
                pos++;
                Str st = string();
                byte[] b = new byte[st.bytes().length + 1];
                b[0] = '@';
                System.arraycopy(st.bytes(), 0, b, 1, st.bytes().length);
                v = new Str(b, st.truncated());
            } else if (c == '[') {
                v = array();
            } else if (c == '{') {
                v = struct();
            } else {
                v = atom();
            }
            skip();
            if (s.startsWith("=>", pos)) { // an in/out structure: {in} => {out}; keep what went in
                pos += 2;
                value();
            }
            return v;
        }

        Str string() {
            pos++; // "
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (pos < s.length() && s.charAt(pos) != '"') {
                char c = s.charAt(pos++);
                if (c != '\\') {
                    b.write(c & 0xff);
                    continue;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> b.write('\n');
                    case 't' -> b.write('\t');
                    case 'r' -> b.write('\r');
                    case 'v' -> b.write(0x0b);
                    case 'f' -> b.write('\f');
                    case 'x' -> {
                        b.write(Integer.parseInt(s.substring(pos, pos + 2), 16));
                        pos += 2;
                    }
                    default -> {
                        if (e >= '0' && e <= '7') {
                            int v = e - '0';
                            for (int k = 0; k < 2 && pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '7'; k++) {
                                v = v * 8 + (s.charAt(pos++) - '0');
                            }
                            b.write(v);
                        } else {
                            b.write(e & 0xff);
                        }
                    }
                }
            }
            pos++; // "
            boolean truncated = s.startsWith("...", pos);
            if (truncated) {
                pos += 3;
            }
            return new Str(b.toByteArray(), truncated);
        }

        Arr array() {
            pos++; // [
            List<Value> items = new ArrayList<>();
            boolean truncated = false;
            skip();
            while (pos < s.length() && peek() != ']') {
                if (s.startsWith("...", pos)) {
                    truncated = true;
                    pos += 3;
                } else {
                    items.add(value());
                }
                skip();
                if (peek() == ',') {
                    pos++;
                    skip();
                }
            }
            pos++; // ]
            return new Arr(items, truncated);
        }

        Struct struct() {
            pos++; // {
            Map<String, Value> fields = new LinkedHashMap<>();
            int anon = 0;
            skip();
            while (pos < s.length() && peek() != '}') {
                int eq = -1;
                for (int i = pos; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c == '=') {
                        eq = i;
                        break;
                    }
                    if (!Character.isLetterOrDigit(c) && c != '_' && c != '.') {
                        break;
                    }
                }
                String key;
                if (eq > pos && !s.startsWith("=>", eq)) {
                    key = s.substring(pos, eq);
                    pos = eq + 1;
                } else {
                    key = "#" + anon++;
                }
                fields.put(key, value());
                skip();
                if (peek() == ',') {
                    pos++;
                    skip();
                } else if (s.startsWith("...", pos)) {
                    pos += 3;
                    skip();
                }
            }
            pos++; // }
            return new Struct(fields);
        }

        Value atom() {
            int start = pos;
            int depth = 0;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    if (depth == 0) {
                        break;
                    }
                    depth--;
                } else if (c == ',' && depth == 0) {
                    break;
                } else if (c == '<' && depth == 0) {
                    // a descriptor's decoded target follows the number
                    String num = s.substring(start, pos).trim();
                    byte[] target = angle();
                    try {
                        return new Fd(Long.parseLong(num), target);
                    } catch (NumberFormatException e) {
                        return new Other(num + "<" + new String(target, StandardCharsets.ISO_8859_1) + ">");
                    }
                } else if (c == '"') {
                    string(); // e.g. inet_pton(AF_INET6, "::1", ...) in non-raw output
                    continue;
                }
                pos++;
            }
            String t = s.substring(start, pos).trim();
            Long n = number(t);
            return n != null ? new Num(n, t) : new Other(t);
        }

        /** {@code <...>} with strace's escapes; pos at '<'. */
        byte[] angle() {
            pos++; // <
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (pos < s.length() && s.charAt(pos) != '>') {
                char c = s.charAt(pos++);
                if (c == '\\' && pos < s.length()) {
                    char e = s.charAt(pos++);
                    if (e == 'x') {
                        b.write(Integer.parseInt(s.substring(pos, pos + 2), 16));
                        pos += 2;
                    } else if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (s.charAt(pos++) - '0');
                        }
                        b.write(v);
                    } else if (e == 'n') {
                        b.write('\n');
                    } else {
                        b.write(e & 0xff);
                    }
                } else {
                    b.write(c & 0xff);
                }
            }
            pos++; // >
            return b.toByteArray();
        }

        private static Long number(String t) {
            String first = t;
            int bar = t.indexOf('|');
            if (bar > 0) {
                first = t.substring(0, bar);
            }
            try {
                if (first.startsWith("0x")) {
                    return Long.parseUnsignedLong(first.substring(2), 16);
                }
                if (first.startsWith("-0x")) {
                    return -Long.parseUnsignedLong(first.substring(3), 16);
                }
                if (first.length() > 1 && first.startsWith("0") && first.chars().allMatch(Character::isDigit)) {
                    return Long.parseLong(first, 8);
                }
                return Long.parseLong(first);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
