package org.esf4j.spi.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every public constant of {@link Fanotify}, {@link EpollEvent} and {@link StructStat} against
 * the C headers of this machine: a C program, generated from the list of checks below and
 * compiled with gcc at test time, prints each C value; the test compares it with the Java one.
 * Constants are found by reflection, so a new one cannot escape the comparison.
 *
 * <p>The program has two translation units because the kernel UAPI headers and glibc's
 * {@code <fcntl.h>} clash: {@code uapi.c} sees {@code <linux/fanotify.h>},
 * {@code <linux/fcntl.h>} and {@code <linux/eventpoll.h>} (the values the kernel gets);
 * {@code glibc.c} sees glibc's {@code struct stat}, {@code struct epoll_event},
 * {@code <sys/eventfd.h>} and {@code <fcntl.h>} (the layouts the libc calls fill).
 */
class LayoutTest {

    /**
     * One comparison.
     *
     * @param unit "uapi" or "glibc"
     * @param cExpr the C expression printed
     * @param javaValue the Java constant
     * @param guard a macro that must be defined for the C side to exist (null: always), for
     *              things newer than some installed headers
     */
    record Check(String unit, String cExpr, long javaValue, String guard) {
    }

    private static final List<Check> CHECKS = new ArrayList<>();
    private static Map<String, Long> c;

    /** Java constants whose C counterpart is not the macro of the same name. */
    private static final Map<String, String> FANOTIFY_EXPR = Map.ofEntries(
            Map.entry("METADATA_EVENT_LEN", "offsetof(struct fanotify_event_metadata, event_len)"),
            Map.entry("METADATA_VERS", "offsetof(struct fanotify_event_metadata, vers)"),
            Map.entry("METADATA_METADATA_LEN", "offsetof(struct fanotify_event_metadata, metadata_len)"),
            Map.entry("METADATA_MASK", "offsetof(struct fanotify_event_metadata, mask)"),
            Map.entry("METADATA_FD", "offsetof(struct fanotify_event_metadata, fd)"),
            Map.entry("METADATA_PID", "offsetof(struct fanotify_event_metadata, pid)"),
            Map.entry("INFO_HEADER_SIZE", "sizeof(struct fanotify_event_info_header)"),
            Map.entry("INFO_HEADER_INFO_TYPE", "offsetof(struct fanotify_event_info_header, info_type)"),
            Map.entry("INFO_HEADER_LEN", "offsetof(struct fanotify_event_info_header, len)"),
            // struct fanotify_event_info_pidfd arrived with FAN_EVENT_INFO_TYPE_PIDFD (Linux 5.15
            // headers); older headers lack both, and then the two checks are skipped.
            Map.entry("INFO_PIDFD_SIZE", "sizeof(struct fanotify_event_info_pidfd)"),
            Map.entry("INFO_PIDFD_PIDFD", "offsetof(struct fanotify_event_info_pidfd, pidfd)"),
            Map.entry("RESPONSE_SIZE", "sizeof(struct fanotify_response)"),
            Map.entry("RESPONSE_FD", "offsetof(struct fanotify_response, fd)"),
            Map.entry("RESPONSE_RESPONSE", "offsetof(struct fanotify_response, response)"));

    /** Constants that may be missing from older installed headers, with their guard macro. */
    private static final Map<String, String> FANOTIFY_GUARD = Map.of(
            "FAN_MARK_IGNORE", "FAN_MARK_IGNORE", // 6.0 headers
            "FAN_MARK_EVICTABLE", "FAN_MARK_EVICTABLE", // 5.19 headers
            "FAN_REPORT_PIDFD", "FAN_REPORT_PIDFD",
            "FAN_EVENT_INFO_TYPE_PIDFD", "FAN_EVENT_INFO_TYPE_PIDFD",
            "FAN_REPORT_FD_ERROR", "FAN_REPORT_FD_ERROR",
            "FAN_NOPIDFD", "FAN_NOPIDFD",
            "FAN_EPIDFD", "FAN_EPIDFD",
            "INFO_PIDFD_SIZE", "FAN_EVENT_INFO_TYPE_PIDFD",
            "INFO_PIDFD_PIDFD", "FAN_EVENT_INFO_TYPE_PIDFD");

    /** Macros that glibc's headers define too; they must agree with the kernel's. */
    private static final List<String> GLIBC_TOO = List.of("O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC",
            "O_NONBLOCK", "O_DIRECTORY", "O_NOATIME", "O_CLOEXEC", "EPOLLIN", "EPOLLERR", "EPOLLHUP", "EPOLL_CLOEXEC",
            "EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD", "AT_FDCWD");

    @BeforeAll
    static void runReferenceProgram() throws Exception {
        List<Field> fields = new ArrayList<>(constants(Fanotify.class));
        fields.addAll(constants(Fcntl.class));
        fields.addAll(constants(Epoll.class));
        for (Field f : fields) {
            String n = f.getName();
            long v = f.getLong(null);
            if (n.equals("O_PATH")) {
                CHECKS.add(new Check("glibc", n, v, null)); // <linux/fcntl.h> spells it __O_PATH
                continue;
            }
            if (n.startsWith("EFD_")) {
                CHECKS.add(new Check("glibc", n, v, null)); // <sys/eventfd.h>; the UAPI has no eventfd header
                continue;
            }
            CHECKS.add(new Check("uapi", FANOTIFY_EXPR.getOrDefault(n, n), v, FANOTIFY_GUARD.get(n)));
            if (GLIBC_TOO.contains(n)) {
                CHECKS.add(new Check("glibc", n, v, null));
            }
        }
        for (Field f : constants(StructStat.class)) {
            String n = f.getName();
            String expr = switch (n) {
                case "SIZE" -> "sizeof(struct stat)";
                case "ST_NLINK_SIZE" -> "sizeof(((struct stat *) 0)->st_nlink)";
                default -> "offsetof(struct stat, " + n.toLowerCase(java.util.Locale.ROOT) + ")";
            };
            CHECKS.add(new Check("glibc", expr, f.getLong(null), null));
        }
        CHECKS.add(new Check("glibc", "sizeof(struct epoll_event)", EpollEvent.SIZE, null));
        CHECKS.add(new Check("glibc", "offsetof(struct epoll_event, events)", EpollEvent.EVENTS, null));
        CHECKS.add(new Check("glibc", "offsetof(struct epoll_event, data)", EpollEvent.DATA, null));

        String uapi = program("#include <stddef.h>\n#include <stdio.h>\n#include <linux/fcntl.h>\n"
                + "#include <linux/eventpoll.h>\n#include <linux/fanotify.h>\n", "uapi", "print_uapi");
        String glibc = program("#define _GNU_SOURCE\n#include <stddef.h>\n#include <stdio.h>\n#include <fcntl.h>\n"
                + "#include <sys/epoll.h>\n#include <sys/eventfd.h>\n#include <sys/stat.h>\n"
                + "void print_uapi(void);\n", "glibc", "print_glibc")
                + "int main(void) { print_uapi(); print_glibc(); printf(\"glibc:O_LARGEFILE=%lld\\n\", "
                + "(long long) O_LARGEFILE); return 0; }\n";
        c = new LinkedHashMap<>();
        for (String line : CHelper.compileAndRun("layout", Map.of("uapi.c", uapi, "glibc.c", glibc))) {
            int eq = line.lastIndexOf('=');
            c.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
    }

    private static String program(String includes, String unit, String function) {
        StringBuilder sb = new StringBuilder(includes).append("void ").append(function).append("(void) {\n");
        for (Check k : CHECKS) {
            if (!k.unit.equals(unit)) {
                continue;
            }
            if (k.guard != null) {
                sb.append("#ifdef ").append(k.guard).append('\n');
            }
            sb.append("    printf(\"%s=%lld\\n\", \"").append(unit).append(':').append(k.cExpr)
              .append("\", (long long) (").append(k.cExpr).append("));\n");
            if (k.guard != null) {
                sb.append("#endif\n");
            }
        }
        return sb.append("}\n").toString();
    }

    private static List<Field> constants(Class<?> type) {
        List<Field> out = new ArrayList<>();
        for (Field f : type.getFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) && Modifier.isFinal(m) && (f.getType() == int.class || f.getType() == long.class)) {
                out.add(f);
            }
        }
        return out;
    }

    @Test
    void everyConstantAndOffsetEqualsTheHeaders() {
        List<String> wrong = new ArrayList<>();
        int compared = 0;
        for (Check k : CHECKS) {
            Long value = c.get(k.unit + ":" + k.cExpr);
            if (value == null) {
                if (k.guard == null) {
                    wrong.add(k.unit + ":" + k.cExpr + " was not printed");
                }
                continue; // the installed headers predate it (guarded)
            }
            compared++;
            if (value != k.javaValue) {
                wrong.add(k.unit + ":" + k.cExpr + " is " + value + " in C but " + k.javaValue + " in Java");
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(compared > 80, "only " + compared + " values compared");
    }

    @Test
    void glibcLargefileIsZeroOrTheKernelValue() {
        long glibc = c.get("glibc:O_LARGEFILE");
        assertTrue(glibc == 0 || glibc == Fcntl.O_LARGEFILE, "glibc O_LARGEFILE " + glibc);
    }

    /** The backends rely on these types: event masks are u64, everything else int. */
    @Test
    void eventMasksAreLongAndEverythingElseInt() throws Exception {
        List<String> masks = List.of("FAN_ACCESS", "FAN_MODIFY", "FAN_CLOSE_WRITE", "FAN_CLOSE_NOWRITE", "FAN_OPEN",
                "FAN_OPEN_EXEC", "FAN_Q_OVERFLOW", "FAN_OPEN_PERM", "FAN_ACCESS_PERM", "FAN_OPEN_EXEC_PERM",
                "FAN_EVENT_ON_CHILD", "FAN_ONDIR");
        for (Field f : constants(Fanotify.class)) {
            assertEquals(masks.contains(f.getName()) ? long.class : int.class, f.getType(), f.getName());
        }
    }

    @Test
    void layoutsMatchTheArchitecture() {
        assertTrue(Arch.SUPPORTED, "tests run on x86-64 or aarch64 Linux, not " + Arch.NAME);
        assertEquals(Arch.X86_64 ? 12 : 16, EpollEvent.SIZE);
        assertEquals(Arch.X86_64 ? 144 : 128, StructStat.SIZE);
    }
}
