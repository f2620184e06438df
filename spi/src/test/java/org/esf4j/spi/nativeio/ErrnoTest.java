package org.esf4j.spi.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The errno table against the running glibc ({@code strerrorname_np}, {@code strerrordesc_np},
 * {@code strerror} in the C locale, glibc 2.32+), through a C program compiled at test time.
 */
class ErrnoTest {

    private static final int LAST = Errno.MAX + 7; // a few numbers past the table

    @Test
    void tableEqualsGlibc() throws Exception {
        StringBuilder src = new StringBuilder("#define _GNU_SOURCE\n#include <errno.h>\n#include <stdio.h>\n"
                + "#include <string.h>\nint main(void) {\n"
                + "    for (int e = 0; e <= " + LAST + "; e++) {\n"
                + "        const char *n = strerrorname_np(e), *d = strerrordesc_np(e);\n"
                + "        printf(\"%d|%s|%s|%s\\n\", e, n ? n : \"\", d ? d : \"\", strerror(e));\n"
                + "    }\n");
        List<Field> constants = new ArrayList<>();
        for (Field f : Errno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && !f.getName().equals("MAX")) {
                constants.add(f);
                src.append("    printf(\"").append(f.getName()).append("=%d\\n\", ").append(f.getName()).append(");\n");
            }
        }
        src.append("    return 0;\n}\n");
        List<String> out = CHelper.compileAndRun("errno", Map.of("errno.c", src.toString()));

        List<String> wrong = new ArrayList<>();
        for (String line : out.subList(0, LAST + 1)) {
            String[] p = line.split("\\|", -1);
            int e = Integer.parseInt(p[0]);
            String name = p[1].isEmpty() ? "E?" + e : p[1];
            if (e > 0 && !name.equals(Errno.name(e))) {
                wrong.add(e + ": name " + Errno.name(e) + ", glibc " + name);
            }
            if (!p[2].isEmpty() && !p[2].equals(Errno.message(e))) {
                wrong.add(e + ": message " + Errno.message(e) + ", glibc strerrordesc_np " + p[2]);
            }
            if (!p[3].equals(Errno.message(e))) {
                wrong.add(e + ": message " + Errno.message(e) + ", glibc strerror " + p[3]);
            }
        }
        for (Field f : constants) {
            String expected = f.getName() + "=" + f.getInt(null);
            if (!out.contains(expected)) {
                wrong.add("constant " + expected + " differs from <errno.h>");
            }
            if (!Errno.name(f.getInt(null)).equals(f.getName())) {
                wrong.add("constant " + f.getName() + " has table name " + Errno.name(f.getInt(null)));
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(31, constants.size(), "errno constants");
    }

    @Test
    void describeFormat() {
        assertEquals("EPERM (1) Operation not permitted", Errno.describe(Errno.EPERM));
        assertEquals("ENOENT (2) No such file or directory", Errno.describe(2));
        assertEquals("EHWPOISON (133) Memory page has hardware error", Errno.describe(133));
        assertSame(Errno.describe(Errno.EAGAIN), Errno.describe(Errno.EAGAIN), "cached, no allocation");
    }

    @Test
    void unknownNumbers() {
        assertEquals("E?41", Errno.name(41));
        assertEquals("E?41 (41) Unknown error 41", Errno.describe(41));
        assertEquals("E?134", Errno.name(134));
        assertEquals("Unknown error 134", Errno.message(134));
        assertEquals("E?1000 (1000) Unknown error 1000", Errno.describe(1000));
        assertEquals("E?-5 (-5) Unknown error -5", Errno.describe(-5));
    }
}
