package org.esf4j.backend.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.MuteRule;
import org.junit.jupiter.api.Test;

/** The wire form of rules, their keys, and which keys count as leftovers. */
class AuditRuleTest {

    @Test
    void execRuleMatchesTheDocumentedWireForm() {
        // -a always,exit -F arch=b64 -S execve,execveat -k esf4j_exec
        byte[] r = new AuditRule(AuditRule.LIST_EXIT, AuditRule.ALWAYS).syscalls(59, 322)
                .field(AuditRule.F_ARCH, AuditRule.OP_EQUAL, AuditRule.ARCH_X86_64)
                .field(AuditRule.F_FILTERKEY, AuditRule.OP_EQUAL, "esf4j_exec").toBytes();
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1052, r.length, "1040 + 10 bytes of key, padded to 4");
        assertEquals(4, b.getInt(0));
        assertEquals(2, b.getInt(4));
        assertEquals(2, b.getInt(8));
        assertEquals(1 << (59 % 32), b.getInt(12 + 4 * (59 / 32)));
        assertEquals(1 << (322 % 32), b.getInt(12 + 4 * (322 / 32)));
        assertEquals(11, b.getInt(268));
        assertEquals(0xC000003E, b.getInt(524));
        assertEquals(0x40000000, b.getInt(780));
        assertEquals(210, b.getInt(272));
        assertEquals(10, b.getInt(528));
        assertEquals(10, b.getInt(1036));
        assertEquals("esf4j_exec", new String(r, 1040, 10, StandardCharsets.US_ASCII));
        assertEquals("esf4j_exec", AuditRule.key(r));
    }

    @Test
    void keyIsFoundAfterOtherStringFieldsAndMalformedRulesHaveNone() {
        byte[] r = new AuditRule(AuditRule.LIST_EXIT, AuditRule.ALWAYS).syscalls(257)
                .field(AuditRule.F_DIR, AuditRule.OP_EQUAL, "/srv/data")
                .field(AuditRule.F_EXE, AuditRule.OP_NOT_EQUAL, "/usr/bin/x")
                .field(AuditRule.F_FILTERKEY, AuditRule.OP_EQUAL, "k1").toBytes();
        assertEquals("k1", AuditRule.key(r));
        assertNull(AuditRule.key(new byte[100]));
        byte[] bad = r.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(1036, 1 << 20);
        assertNull(AuditRule.key(bad));
        assertNull(AuditRule.key(new AuditRule(4, 2).syscalls(1).toBytes()));
        assertThrows(IllegalArgumentException.class,
                () -> new AuditRule(4, 2).field(AuditRule.F_FILTERKEY, AuditRule.OP_EQUAL, "k".repeat(257)));
    }

    @Test
    void leftoverKeysAreThoseOfGoneProcesses() {
        String self = AuditRules.startTime("self");
        long pid = ProcessHandle.current().pid();
        assertFalse(AuditRules.isLeftover("esf4j:" + pid + ":" + self + ":1:exec"), "this JVM");
        assertTrue(AuditRules.isLeftover("esf4j:" + pid + ":" + self + "9:1:exec"), "same pid, other start");
        assertTrue(AuditRules.isLeftover("esf4j:999999999:1:1:exec"), "no such process");
        assertFalse(AuditRules.isLeftover("other-tool"));
        assertFalse(AuditRules.isLeftover(null));
        assertFalse(AuditRules.isLeftover("esf4j:malformed"));
    }

    @Test
    void rulesFollowSubscriptionsScopesAndMuting() {
        ClientConfig cfg = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.NOTIFY).eventHandler(e -> { })
                .scope(org.esf4j.api.Scope.path(java.nio.file.Path.of("/srv")))
                .mute(MuteRule.process(4242)).mute(MuteRule.executable("/usr/bin/quiet"))
                .mute(MuteRule.executablePrefix("/opt/")).build();
        AuditRules r = AuditRules.compile(1234, cfg, Set.of(EventKind.FILE_OPEN), true);
        String text = r.toString();
        assertTrue(text.contains("-A never,exit -S all -F pid=1234"), text);
        assertFalse(text.contains("io_uring"), "no uring rule without UringCmd/SocketBind: " + text);
        assertFalse(text.contains("exec ") || text.contains("bind"), text);
        assertTrue(text.contains("-S open -F success=1 -F dir=/srv -F pid!=4242 -F exe!=/usr/bin/quiet"), text);
        assertFalse(text.contains("/opt/"), "prefix muting stays in the engine: " + text);
        for (String d : r.descriptions()) {
            assertTrue(d.contains(" -k " + r.owner()), d);
        }
    }

    @Test
    void connectsAreReportedWhetherTheySucceedOrNot() {
        ClientConfig cfg = ClientConfig.builder().subscribe(EventKind.SOCKET_CONNECT, Mode.NOTIFY).onEvent(e -> { })
                .build();
        AuditRules r = AuditRules.compile(1234, cfg, Set.of(EventKind.SOCKET_CONNECT, EventKind.SOCKET_BIND), true);
        for (String d : r.descriptions()) {
            if (d.contains("connect")) {
                assertFalse(d.contains("success=1"), "a non-blocking connect fails with EINPROGRESS: " + d);
            }
        }
        String text = r.toString();
        assertTrue(text.contains("-S connect"), text);
        assertTrue(text.contains("-a always,io_uring -U bind -F success=1"), text);
        assertTrue(text.contains("-a always,io_uring -U connect -k"), text);
        if (Syscalls.forThisMachine().length > 1) {
            assertTrue(text.contains("-S connect(i386) -F a0=3 -k"), "socketcall(SYS_CONNECT): " + text);
            assertTrue(text.contains("-S bind(i386) -F a0=2 -F success=1"), "socketcall(SYS_BIND): " + text);
        }
    }

    @Test
    void executableMutingOfExecsIsLeftToTheEngine() {
        ClientConfig cfg = ClientConfig.builder().subscribe(EventKind.EXEC, Mode.NOTIFY)
                .subscribe(EventKind.FILE_OPEN, Mode.NOTIFY).eventHandler(e -> { })
                .mute(MuteRule.executable("/usr/bin/quiet")).mute(MuteRule.process(4242)).build();
        AuditRules r = AuditRules.compile(1234, cfg, Set.of(EventKind.EXEC, EventKind.FILE_OPEN), true);
        for (String d : r.descriptions()) {
            if (d.contains("-S exec")) {
                // the kernel compares exe at the exit of execve: the program started, not the caller
                assertFalse(d.contains("exe!="), d);
                assertTrue(d.contains("pid!=4242"), d);
            } else if (d.contains("-S open")) {
                assertTrue(d.contains("exe!=/usr/bin/quiet"), d);
            }
        }
    }
}
