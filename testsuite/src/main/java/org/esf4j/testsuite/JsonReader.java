package org.esf4j.testsuite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of JSON (objects, arrays, strings with escapes, numbers, true/false/null), so
 * that tests and reports read the project's JSON (the command line's events, JMH's result files)
 * as data rather than as text. Integers become {@link Long}, other numbers {@link Double}.
 */
public final class JsonReader {

    private final String s;
    private int pos;

    private JsonReader(String s) {
        this.s = s;
    }

    /**
     * Parses one JSON value that spans the whole text.
     *
     * @param text the text
     * @return a Map, List, String, Long, Double, Boolean or null
     */
    public static Object parse(String text) {
        JsonReader r = new JsonReader(text);
        Object v = r.value();
        r.space();
        if (r.pos != text.length()) {
            throw r.error("trailing text");
        }
        return v;
    }

    /**
     * Parses one JSON object that spans the whole text.
     *
     * @param text the text
     * @return its members, in order
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("not an object: " + text);
        }
        return (Map<String, Object>) v;
    }

    private Object value() {
        space();
        if (pos >= s.length()) {
            throw error("value expected");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{' -> {
                pos++;
                Map<String, Object> m = new LinkedHashMap<>();
                space();
                if (peek() == '}') {
                    pos++;
                    return m;
                }
                while (true) {
                    space();
                    String k = string();
                    space();
                    expect(':');
                    if (m.put(k, value()) != null) {
                        throw error("duplicate key " + k);
                    }
                    space();
                    if (peek() == ',') {
                        pos++;
                    } else {
                        expect('}');
                        return m;
                    }
                }
            }
            case '[' -> {
                pos++;
                List<Object> l = new ArrayList<>();
                space();
                if (peek() == ']') {
                    pos++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    space();
                    if (peek() == ',') {
                        pos++;
                    } else {
                        expect(']');
                        return l;
                    }
                }
            }
            case '"' -> {
                return string();
            }
            default -> {
                for (String lit : new String[] {"true", "false", "null"}) {
                    if (s.startsWith(lit, pos)) {
                        pos += lit.length();
                        return lit.equals("null") ? null : Boolean.valueOf(lit);
                    }
                }
                int start = pos;
                if (peek() == '-') {
                    pos++;
                }
                int digits = digits();
                if (digits == 0) {
                    throw error("unexpected '" + c + "'");
                }
                boolean integer = true;
                if (peek() == '.') {
                    pos++;
                    integer = false;
                    if (digits() == 0) {
                        throw error("digits expected after '.'");
                    }
                }
                if (peek() == 'e' || peek() == 'E') {
                    pos++;
                    integer = false;
                    if (peek() == '+' || peek() == '-') {
                        pos++;
                    }
                    if (digits() == 0) {
                        throw error("digits expected in the exponent");
                    }
                }
                String n = s.substring(start, pos);
                return integer ? (Object) Long.parseLong(n) : (Object) Double.parseDouble(n);
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("raw control character in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private int digits() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("'" + c + "' expected");
        }
        pos++;
    }

    private void space() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at " + pos + " of " + s);
    }
}
