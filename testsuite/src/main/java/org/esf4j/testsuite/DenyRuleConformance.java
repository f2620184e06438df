package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;
import org.esf4j.spi.BackendProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A deny rule binds to what it protects, not to a name an attacker can change: the ways round a
 * rule on a file that a user of an enforcing backend would try first, each made by a real process
 * that must see the operation fail. Every backend that enforces exec and open rules subclasses it.
 *
 * <p>A rule on a file covers the file as it was when the rule was applied (its device and inode):
 * a hard link to it, a rename of it and a symbolic link to it are all denied, and so is running it
 * through its own dynamic loader ({@code ld.so FILE}, which maps the file without an exec of it).
 * A rule on a directory covers everything under it. A rule on a path that does not exist is
 * refused when the client is created.
 */
public abstract class DenyRuleConformance {

    private Tmpfs tmpfs;

    /** @return the backend under test */
    protected abstract BackendProvider provider();

    @BeforeEach
    final void mount() throws Exception {
        Kernel.requireBackend(provider());
        tmpfs = new Tmpfs();
    }

    @AfterEach
    final void unmount() throws Exception {
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    /** A client of the backend alone, exec and open in AUTH mode on the tmpfs, with the rules; the handler allows. */
    private Client enforce(PolicyRule... rules) {
        return enforce(List.of(), rules);
    }

    private Client enforce(List<Path> moreMounts, PolicyRule... rules) {
        ClientConfig.Builder b = ClientConfig.builder().scope(Scope.mount(tmpfs.dir));
        moreMounts.forEach(m -> b.scope(Scope.mount(m)));
        for (EventKind k : List.of(EventKind.EXEC, EventKind.FILE_OPEN)) {
            b.subscribe(k, Mode.AUTH).pinBackend(k, provider().name());
        }
        for (PolicyRule r : rules) {
            b.rule(r);
        }
        Events.muteAncestors().forEach(b::mute);
        b.onAuthorization(req -> Verdict.allow()).deadline(Duration.ofSeconds(Kernel.emulated() ? 30 : 5));
        return EndpointSecurity.newClient(b.build());
    }

    private Path program(String name) throws IOException, InterruptedException {
        Files.createDirectories(tmpfs.dir.resolve(name).getParent());
        return tmpfs.executableCopy(name, Path.of("/bin/true").toRealPath());
    }

    /** What a real process sees when it execs the file: EPERM, or the program's exit status. */
    private static String exec(Path file) throws IOException, InterruptedException {
        return Actor.act("exec", file.toString());
    }

    @Test
    final void anExecRuleHoldsForAHardLinkARenameAndASymbolicLink() throws Exception {
        Path f = program("bin/tool");
        Path link = tmpfs.dir.resolve("bin/hard link");
        Files.createLink(link, f);
        Path sym = Files.createSymbolicLink(tmpfs.dir.resolve("symlink"), f);
        Path other = program("bin/other");
        try (Client c = enforce(PolicyRule.denyExec(f.toString()))) {
            assertEquals("EPERM", exec(f), "the file itself");
            assertEquals("EPERM", exec(link), "a hard link made before the rule");
            Path later = tmpfs.dir.resolve("later link");
            Files.createLink(later, f);
            assertEquals("EPERM", exec(later), "a hard link made after the rule");
            assertEquals("EPERM", exec(sym), "a symbolic link");
            Path moved = tmpfs.dir.resolve("renamed");
            Files.move(f, moved);
            assertEquals("EPERM", exec(moved), "the file renamed after the rule");
            assertEquals("exit=0", exec(other), "another file is not denied");
        }
    }

    @Test
    final void anExecRuleHoldsWhenTheFileIsRunThroughItsLoader() throws Exception {
        Path f = tmpfs.executableCopy("echo", Path.of("/bin/echo").toRealPath());
        String loader = Witness.interpreter(f);
        assertTrue(loader != null && !loader.isEmpty(), "/bin/echo is expected to be dynamically linked");
        Path allowed = tmpfs.executableCopy("echo too", Path.of("/bin/echo").toRealPath());
        try (Client c = enforce(PolicyRule.denyExec(f.toString()))) {
            assertEquals(new Ran(0, "allowed ran"), run(loader, allowed.toString(), "allowed", "ran"),
                    "the loader runs a file no rule names");
            Ran denied = run(loader, f.toString(), "denied", "ran");
            assertFalse(denied.out.contains("denied ran"), "ld.so FILE ran a file an exec rule denies: " + denied);
            assertNotEquals(0, denied.exit, "the loader must fail: " + denied);
        }
    }

    @Test
    final void anExecRuleOnADirectoryCoversEverythingUnderIt() throws Exception {
        Path deep = program("denied/sub/dir/tool");
        Path outside = program("allowed/tool");
        Path sibling = program("denied-not/tool"); // a name that starts like the directory's
        try (Client c = enforce(PolicyRule.denyExec(tmpfs.dir.resolve("denied").toString()))) {
            assertEquals("EPERM", exec(deep));
            assertEquals("exit=0", exec(outside));
            assertEquals("exit=0", exec(sibling), "whole path components only");
        }
    }

    @Test
    final void anOpenRuleHoldsForAHardLinkAndARename() throws Exception {
        Path f = tmpfs.file("secret", "s");
        Path link = tmpfs.dir.resolve("innocent");
        Files.createLink(link, f);
        try (Client c = enforce(PolicyRule.denyOpen(f.toString()))) {
            assertEquals("EPERM", Actor.act("open", f.toString()));
            assertEquals("EPERM", Actor.act("open", link.toString()), "a hard link");
            Path moved = tmpfs.dir.resolve("moved");
            Files.move(f, moved);
            assertEquals("EPERM", Actor.act("open", moved.toString()), "the file renamed after the rule");
            assertEquals("OK", Actor.act("open", tmpfs.file("public", "p").toString()));
        }
    }

    /**
     * An overlay whose layers are two file systems, without {@code xino} (as containers stack
     * layers): stat(2) shows a file under its layer's device, while the kernel's hooks see the
     * overlay's inode. Rules on files of either layer, taken by their overlay paths, hold for
     * exec, for the loader mapping the file, for opens, and for a hard link made in the overlay.
     */
    @Test
    final void rulesHoldOnAnOverlayOfTwoFileSystems() throws Exception {
        Path lower = Files.createDirectories(tmpfs.dir.resolve("lower"));
        tmpfs.executableCopy("lower/tool-lower", Path.of("/bin/echo").toRealPath());
        tmpfs.file("lower/secret-lower", "l");
        tmpfs.executableCopy("lower/free", Path.of("/bin/true").toRealPath());
        Path other = Files.createDirectories(tmpfs.dir.resolve("other"));
        Path merged = Files.createDirectories(tmpfs.dir.resolve("merged"));
        Kernel.run(List.of("mount", "-t", "tmpfs", "esf4j-test-upper", other.toString()));
        try {
            Files.createDirectories(other.resolve("upper"));
            Files.createDirectories(other.resolve("work"));
            Kernel.run(List.of("mount", "-t", "overlay", "esf4j-test-overlay", "-o", "xino=off,lowerdir=" + lower
                    + ",upperdir=" + other.resolve("upper") + ",workdir=" + other.resolve("work"), merged.toString()));
            try {
                Path toolUpper = tmpfs.executableCopy("merged/tool-upper", Path.of("/bin/echo").toRealPath());
                Path secretUpper = tmpfs.file("merged/secret-upper", "u");
                Path toolLower = merged.resolve("tool-lower");
                Path secretLower = merged.resolve("secret-lower");
                assertNotEquals(Files.getAttribute(toolUpper, "unix:dev"), Files.getAttribute(merged, "unix:dev"),
                        "stat shows the layer's device");
                String loader = Witness.interpreter(toolUpper);
                try (Client c = enforce(List.of(merged), PolicyRule.denyExec(toolUpper.toString()),
                        PolicyRule.denyExec(toolLower.toString()), PolicyRule.denyOpen(secretUpper.toString()),
                        PolicyRule.denyOpen(secretLower.toString()))) {
                    assertEquals("EPERM", exec(toolUpper), "a file of the upper layer");
                    assertEquals("EPERM", exec(toolLower), "a file of the lower layer");
                    Ran denied = run(loader, toolUpper.toString(), "denied", "ran");
                    assertFalse(denied.out.contains("denied ran"), "ld.so FILE ran a denied file: " + denied);
                    assertEquals("EPERM", Actor.act("open", secretUpper.toString()));
                    assertEquals("EPERM", Actor.act("open", secretLower.toString()));
                    Path link = merged.resolve("link");
                    Files.createLink(link, toolUpper);
                    assertEquals("EPERM", exec(link), "a hard link made in the overlay");
                    assertEquals("exit=0", exec(merged.resolve("free")), "another file of the overlay");
                }
            } finally {
                Kernel.run(List.of("umount", merged.toString()));
            }
        } finally {
            Kernel.run(List.of("umount", "-l", other.toString()));
        }
    }

    @Test
    final void aRuleOnAPathThatDoesNotExistIsRefused() {
        Path missing = tmpfs.dir.resolve("not there");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> enforce(PolicyRule.denyExec(missing.toString())).close());
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> enforce(PolicyRule.denyOpen(missing.toString())).close());
    }

    private record Ran(int exit, String out) {
    }

    /** Runs a command to its end: its exit status and output (both streams). */
    private static Ran run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), List.of(cmd) + " did not finish");
        return new Ran(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    }
}
