package org.esf4j.spi.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles C sources with gcc into {@code target/test-helpers/<name>/} (relative to the working
 * directory, which is the module directory under surefire) and runs the program. A missing gcc
 * is a test failure, not a skip: CI installs it.
 */
final class CHelper {

    private CHelper() {
    }

    /**
     * @param name a directory and program name
     * @param sources file name to C text; all are compiled into one program
     * @return the program's standard output lines
     */
    static List<String> compileAndRun(String name, Map<String, String> sources) throws IOException, InterruptedException {
        Path dir = Path.of("target", "test-helpers", name).toAbsolutePath();
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu11", "-Wall", "-Werror", "-o", dir.resolve(name).toString()));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path src = dir.resolve(e.getKey());
            Files.writeString(src, e.getValue());
            cmd.add(src.toString());
        }
        String compiled;
        try {
            compiled = run(cmd);
        } catch (IOException e) {
            throw new AssertionError("gcc is needed to compile the C reference program (install gcc): " + e, e);
        }
        assertEquals("", compiled.strip(), "gcc output");
        return run(List.of(dir.resolve(name).toString())).lines().toList();
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " timed out");
        }
        assertEquals(0, p.exitValue(), () -> cmd + " failed:\n" + out);
        return out;
    }
}
