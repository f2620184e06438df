package org.esf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esf4j.api.EventKind;
import org.esf4j.api.Rule;
import org.esf4j.api.Scope;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.Test;

class CliTest {

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(rc), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void probeJsonListsFanotifyWithTheRequiredFields() {
        String[] r = run("probe", "--json");
        assertEquals("0", r[0], r[2]);
        String json = r[1].trim();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertTrue(json.contains("\"backends\":["), json);
        Matcher m = Pattern.compile("\\{\"name\":\"fanotify\",\"available\":(true|false),\"reasonCode\":\"([A-Z_]+)\","
                + "\"reason\":\"[^\"]*\"(,\"remedy\":\"[^\"]*\")?,\"binding\":\"(ffm|jna|)\",\"events\":\\{([^}]*)\\}\\}")
                .matcher(json);
        assertTrue(m.find(), json);
        if (Kernel.required("fanotify")) {
            assertEquals("true", m.group(1), json);
        }
        if (m.group(1).equals("true")) {
            assertTrue(m.group(5).contains("\"open\":\"USERSPACE\""), json);
            assertTrue(m.group(5).contains("\"exec\":\"USERSPACE\""), json);
        } else {
            assertTrue(m.group(3) != null, "an unavailable backend has a remedy: " + json);
        }
    }

    @Test
    void probeTextNeverFails() {
        String[] r = run("probe");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("fanotify"), r[1]);
        assertTrue(r[1].contains("best:"), r[1]);
    }

    @Test
    void badCommandLinesExitTwoWithUsage() {
        for (String[] args : List.of(new String[] {"frobnicate"}, new String[] {"watch", "--events", "nope"},
                new String[] {"watch", "--path"}, new String[] {"probe", "--backend", "x"},
                new String[] {"watch", "--deny-exec", "/bin/true"}, new String[] {"enforce", "--wat"},
                new String[] {"enforce", "--deny-exec", "bin/true"}, new String[] {"enforce", "--deny-open", ""},
                new String[] {"enforce", "--deny-exec", "/no/such/file/for/esf4j"},
                new String[] {"watch", "--path", "mount:"}, new String[] {"watch", "--path", "."})) {
            String[] r = run(args);
            assertEquals("2", r[0], String.join(" ", args));
            assertTrue(r[2].contains("usage: esf4j"), r[2]);
        }
    }

    @Test
    void parsesOptions() {
        Main.Options o = Main.Options.parse(new String[] {"watch", "--events", "exec,open", "--path", "fs:/",
            "--backend", "fanotify", "--json"});
        assertEquals(java.util.Set.of(EventKind.EXEC, EventKind.FILE_OPEN), o.events);
        assertEquals(Scope.Kind.FILESYSTEM, o.scopes.get(0).kind());
        assertEquals("fanotify", o.backend);
        assertTrue(o.json);
        assertThrows(IllegalArgumentException.class, () -> Main.Options.scope("/no/such/dir/anywhere"));
        assertThrows(IllegalArgumentException.class, () -> Main.Options.scope("weird:/"));
        Main.Options c = Main.Options.parse(new String[] {"enforce", "--deny-connect", "203.0.113.0/24,443",
            "--deny-connect", "2001:db8::/32,8000-8999", "--deny-connect", "10.0.0.1", "--events", "connect"});
        assertEquals(java.util.Set.of(EventKind.SOCKET_CONNECT), c.events);
        assertEquals(List.of(Rule.denyConnect("203.0.113.0/24", 443, 443), Rule.denyConnect("2001:db8::/32", 8000, 8999),
                Rule.denyConnect("10.0.0.1/32", 0, 65535)), c.denyConnect);
        for (String bad : List.of("203.0.113.0/33", "10.0.0.1,x", "10.0.0.1,70000", "example.org", "10.0.0.1,9-1")) {
            assertThrows(IllegalArgumentException.class, () -> Main.Options.parse(new String[] {"enforce",
                "--deny-connect", bad}), bad);
        }
    }

    /** {@code esf4j enforce --deny-exec} in a child JVM, against a real exec by another process. */
    @Test
    void enforceDeniesExecAndCtrlCLeavesTheSystemAsItWas() throws Exception {
        String[] probe = run("probe", "--json");
        boolean available = probe[1].contains("\"name\":\"fanotify\",\"available\":true");
        Kernel.require("fanotify", available, probe[1]);
        Path dir = Files.createTempDirectory("esf4j-cli-test");
        sh("mount -t tmpfs -o size=16m esf4j-cli-test " + dir);
        Process cli = null;
        try {
            Path bad = dir.resolve("bad");
            Path good = dir.resolve("good");
            Files.copy(Path.of("/bin/true"), bad);
            Files.copy(Path.of("/bin/true"), good);
            bad.toFile().setExecutable(true, false);
            good.toFile().setExecutable(true, false);
            String java = ProcessHandle.current().info().command().orElse("java");
            cli = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), Main.class.getName(), "enforce", "--deny-exec", bad.toString(),
                    "--path", dir.toString(), "--json").start();
            BufferedReader err = new BufferedReader(new InputStreamReader(cli.getErrorStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = err.readLine()) != null && !line.startsWith("esf4j enforce:")) {
                // log lines
            }
            assertTrue(line != null, "enforce did not start");
            assertEquals(126, sh(bad.toString()), "exec of the denied file must fail");
            assertEquals(0, sh(good.toString()));
            // the ways round a rule on a name: a hard link, a rename, the file's own loader
            Path link = Files.createLink(dir.resolve("link"), bad);
            assertEquals(126, sh(link.toString()), "a hard link to the denied file");
            Path moved = dir.resolve("moved");
            Files.move(bad, moved);
            assertEquals(126, sh(moved.toString()), "the denied file renamed");
            String loader = org.esf4j.testsuite.Witness.interpreter(moved);
            assertTrue(sh(loader + " " + moved) != 0, "ld.so FILE runs the denied file");
            assertEquals(0, sh(loader + " " + good), "ld.so runs a file no rule names");
            Files.move(moved, bad);
            // SIGTERM, like Ctrl-C: the shutdown hook closes the client. (Process.destroy() would
            // also close our end of its stdout before we could read it.)
            cli.toHandle().destroy();
            assertTrue(cli.waitFor(20, TimeUnit.SECONDS), "enforce did not stop");
            String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(out.contains("\"executable\":\"" + bad + "\"") && out.contains("\"verdict\":\"deny\""), out);
            assertTrue(out.contains("\"reason\":\"KERNEL_POLICY\""), out);
            assertEquals(0, sh(bad.toString()), "after Ctrl-C nothing is enforced any more");
        } finally {
            if (cli != null) {
                cli.destroyForcibly();
            }
            sh("umount -l " + dir);
            Files.deleteIfExists(dir);
        }
    }

    private static int sh(String command) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), command);
        return p.exitValue();
    }
}
