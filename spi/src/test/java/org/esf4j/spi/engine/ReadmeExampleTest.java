package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's usage example compiles against today's API (a document that lies is a bug too). */
class ReadmeExampleTest {

    @TempDir
    Path tmp;

    @Test
    void theUsageExampleCompiles() throws Exception {
        // the example switches with patterns (Java 21); the JDK 17 run of the tests cannot compile it
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 21, "the example needs Java 21");
        String readme = Files.readString(Path.of("..", "README.md"));
        int usage = readme.indexOf("## Usage");
        int start = readme.indexOf("```java\n", usage);
        int end = readme.indexOf("```\n", start + 8);
        assertTrue(usage >= 0 && start > usage && end > start, "README has no Java example under ## Usage");
        String code = readme.substring(start + 8, end);
        int cls = code.indexOf("public final class ");
        String name = code.substring(cls + 19, code.indexOf(' ', cls + 19));
        Path src = Files.writeString(tmp.resolve(name + ".java"), code);
        Path out = Files.createDirectories(tmp.resolve("classes"));
        LegacyApiTest.compile(List.of(src), List.of(LegacyApiTest.apiLocation()), out);
        assertTrue(Files.exists(out.resolve(name + ".class")));
    }
}
