package org.esf4j.spi.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Binding selection, each case in a child JVM (the selection is made once per JVM) started with
 * this JVM's {@code java} and class path. The child prints its selection on stdout; SLF4J
 * (slf4j-simple, test scope) writes the one INFO line to stderr.
 */
class NativesTest {

    private static final int FEATURE = Runtime.version().feature();
    private static final String ENABLE = "--enable-native-access=ALL-UNNAMED";

    @TempDir
    Path tmp;

    /** Child JVM: prints the selection, one line. */
    public static final class PrintSelection {
        public static void main(String[] args) {
            System.out.println("available=" + Natives.isAvailable() + "|binding=" + Natives.binding() + "|cause="
                    + Natives.unavailabilityCause() + "|pid-ok="
                    + (Natives.isAvailable() && Natives.get().getpid() == ProcessHandle.current().pid()));
        }
    }

    /** What a child saw: its stdout line split into fields, and the log lines of Natives. */
    record Child(String available, String binding, String cause, String pidOk, List<String> info, String all) {
        @Override
        public String toString() {
            return all;
        }
    }

    private static Child run(List<String> jvmArgs, String classPath) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", classPath, PrintSelection.class.getName()));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = readAll(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child hung: " + cmd);
        String all = cmd + "\nstdout:\n" + out + "stderr:\n" + err.get();
        assertEquals(0, p.exitValue(), all);
        List<String> lines = out.lines().collect(Collectors.toList());
        assertEquals(1, lines.size(), "the native layer must not print:\n" + all);
        String[] f = lines.get(0).split("\\|");
        List<String> info = err.get().lines().filter(l -> l.contains(Natives.class.getName())).collect(Collectors.toList());
        return new Child(value(f[0]), value(f[1]), value(f[2]), value(f[3]), info, all);
    }

    private static String value(String field) {
        return field.substring(field.indexOf('=') + 1);
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Child run(String... jvmArgs) throws Exception {
        return run(List.of(jvmArgs), System.getProperty("java.class.path"));
    }

    /** Exactly one INFO line from Natives (when slf4j-simple is the test-scope provider). */
    private static void assertOneInfoLine(Child c, String... contains) {
        if (!slf4jSimplePresent()) {
            return;
        }
        assertEquals(1, c.info.size(), c.all);
        assertTrue(c.info.get(0).contains(" INFO "), c.all);
        for (String s : contains) {
            assertTrue(c.info.get(0).contains(s), "'" + s + "' missing in: " + c.all);
        }
    }

    private static boolean slf4jSimplePresent() {
        try {
            Class.forName("org.slf4j.simple.SimpleLogger");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void forcedJna() throws Exception {
        Child c = run(ENABLE, "-Desf4j.native.binding=jna");
        assertEquals("true", c.available, c.all);
        assertEquals("jna", c.binding, c.all);
        assertEquals("true", c.pidOk, c.all);
        assertOneInfoLine(c, "esf4j native binding: jna");
    }

    @Test
    void forcedFfm() throws Exception {
        Child c = run(ENABLE, "-Desf4j.native.binding=ffm");
        if (FEATURE >= 22) {
            assertEquals("ffm", c.binding, c.all);
            assertEquals("true", c.pidOk, c.all);
            assertOneInfoLine(c, "esf4j native binding: ffm");
        } else {
            assertEquals("false", c.available, c.all);
            assertEquals("none", c.binding, c.all);
            assertTrue(c.cause.contains("JDK 22+") && c.cause.contains("this is JDK " + FEATURE), c.all);
            assertOneInfoLine(c, "unavailable");
        }
    }

    @Test
    void autoIsFfmOn22AndJnaBefore() throws Exception {
        Child c = run(ENABLE); // the default is auto
        if (FEATURE >= 22) {
            assertEquals("ffm", c.binding, c.all);
            assertOneInfoLine(c, "esf4j native binding: ffm");
        } else {
            assertEquals("jna", c.binding, c.all);
            assertOneInfoLine(c, "esf4j native binding: jna", "ffm rejected", "JDK 22+");
        }
        assertEquals("true", c.pidOk, c.all);
    }

    @Test
    void unknownValueIsUnavailable() throws Exception {
        Child c = run(ENABLE, "-Desf4j.native.binding=panama");
        assertEquals("false", c.available, c.all);
        assertTrue(c.cause.contains("esf4j.native.binding=panama is not one of auto, ffm, jna"), c.all);
        assertOneInfoLine(c, "unavailable");
    }

    /**
     * With native access denied, forced FFM is unavailable and says which flag fixes it. JNA
     * cannot take over here: on JDK 24+ its own {@code System.load} of {@code jnidispatch} is a
     * restricted method too, and on the class path JNA sits in the same unnamed module, so auto
     * is unavailable as well, with the flag named for both.
     */
    @Test
    void deniedNativeAccessNamesTheFlag() throws Exception {
        assumeTrue(FEATURE >= 24, "--illegal-native-access exists on JDK 24+");
        Child ffm = run("--illegal-native-access=deny", "-Desf4j.native.binding=ffm");
        assertEquals("false", ffm.available, ffm.all);
        assertTrue(ffm.cause.contains("--enable-native-access=ALL-UNNAMED")
                && ffm.cause.contains("--enable-native-access=org.esf4j.spi"), ffm.all);
        assertOneInfoLine(ffm, "unavailable", "--enable-native-access=ALL-UNNAMED");

        Child auto = run("--illegal-native-access=deny");
        assertEquals("false", auto.available, auto.all);
        assertTrue(auto.cause.contains("ffm: ") && auto.cause.contains("jna: "), auto.all);
        assertTrue(auto.cause.indexOf("--enable-native-access=ALL-UNNAMED")
                != auto.cause.lastIndexOf("--enable-native-access=ALL-UNNAMED"), "named for both: " + auto.all);
        assertOneInfoLine(auto, "unavailable");
    }

    /** auto on JDK 22+ falls back to JNA when FFM fails (here: a jar built without the FFM classes). */
    @Test
    void autoFallsBackToJnaWhenFfmFails() throws Exception {
        assumeTrue(FEATURE >= 22, "the fallback from FFM exists on JDK 22+ (before, auto goes straight to JNA)");
        Path own = Path.of(Natives.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path stripped = tmp.resolve("without-ffm" + (Files.isDirectory(own) ? "" : ".jar"));
        copyWithout(own, stripped, "org/esf4j/spi/nativeio/ffm/");
        String cp = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().equals(own.toAbsolutePath()) ? stripped.toString() : e)
                .collect(Collectors.joining(File.pathSeparator));
        Child c = run(List.of(ENABLE), cp);
        assertEquals("jna", c.binding, c.all);
        assertEquals("true", c.pidOk, c.all);
        assertOneInfoLine(c, "esf4j native binding: jna", "ffm rejected", "ClassNotFoundException");
    }

    @Test
    void jnaMissingFromTheClassPathNamesTheArtifact() throws Exception {
        String cp = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().startsWith("jna-"))
                .collect(Collectors.joining(File.pathSeparator));
        Child c = run(List.of(ENABLE, "-Desf4j.native.binding=jna"), cp);
        assertEquals("false", c.available, c.all);
        assertTrue(c.cause.contains("net.java.dev.jna:jna"), c.all);
        assertOneInfoLine(c, "unavailable", "net.java.dev.jna:jna");
    }

    private static void copyWithout(Path from, Path to, String prefix) throws IOException {
        if (Files.isDirectory(from)) {
            try (Stream<Path> all = Files.walk(from)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    String rel = from.relativize(p).toString().replace(File.separatorChar, '/');
                    if (rel.startsWith(prefix) || (rel + "/").equals(prefix)) {
                        continue;
                    }
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
            return;
        }
        try (ZipFile in = new ZipFile(from.toFile()); OutputStream os = Files.newOutputStream(to);
             ZipOutputStream out = new ZipOutputStream(os)) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                if (e.getName().startsWith(prefix)) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream is = in.getInputStream(e)) {
                    is.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }
}
