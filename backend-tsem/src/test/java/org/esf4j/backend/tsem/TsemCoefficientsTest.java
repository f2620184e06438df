/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coefficient, measurement and state code against vectors computed independently of it:
 * {@code coefficients.py} (Python's json and hashlib, kept beside its inputs) runs here on the same
 * records, and its committed output must match too, so that neither side can drift unnoticed.
 */
class TsemCoefficientsTest {

    @TempDir
    Path tmp;

    private static List<String> resource(String name) throws IOException {
        try (InputStream in = TsemCoefficientsTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private List<String> java(List<String> records, String digest) throws Exception {
        TsemModel m = TsemModel.learning(digest);
        TsemRecord r = new TsemRecord();
        List<String> out = new ArrayList<>();
        for (String l : records) {
            byte[] b = (l + "\n").getBytes(StandardCharsets.UTF_8);
            r.decode(b, b.length);
            if (r.exportType == TsemRecord.AGGREGATE) {
                m.aggregate(r);
            } else if (r.exportType == TsemRecord.EVENT || r.exportType == TsemRecord.ASYNC_EVENT) {
                assertTrue(m.observe(r), "a learning model trusts every event");
                out.add(m.lastCoefficientHex());
            }
        }
        out.add("measurement " + m.measurement());
        out.add("state " + m.state());
        return out;
    }

    private List<String> python(String digest) throws Exception {
        Path script = tmp.resolve("coefficients.py");
        Path input = tmp.resolve("vectors.jsonl");
        Files.write(script, resource("coefficients.py"));
        Files.write(input, resource("vectors.jsonl"));
        Process p = new ProcessBuilder("python3", script.toString(), input.toString(), digest)
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        return text.lines().toList();
    }

    @Test
    void sha256MatchesTheCommittedVectorsAndPython() throws Exception {
        List<String> j = java(resource("vectors.jsonl"), "sha256");
        assertEquals(resource("vectors.expected"), j);
        assertEquals(python("sha256"), j);
    }

    /** sm3 is one the JDK lacks (Bouncy Castle's); Python's hashlib has it through OpenSSL. */
    @Test
    void sm3MatchesPython() throws Exception {
        assertEquals(python("sm3"), java(resource("vectors.jsonl"), "sm3"));
    }

    @Test
    void kernelLayoutOrEsf4jFallbackIsCounted() throws Exception {
        TsemModel m = TsemModel.learning("sha256");
        TsemRecord r = new TsemRecord();
        for (String l : resource("vectors.jsonl")) {
            byte[] b = (l + "\n").getBytes(StandardCharsets.UTF_8);
            r.decode(b, b.length);
            if (r.exportType == TsemRecord.EVENT || r.exportType == TsemRecord.ASYNC_EVENT) {
                m.observe(r);
            }
        }
        assertEquals(1, m.esf4jCoefficients(), "only inode_create is hashed by esf4j's own rule");
    }

    /** The pseudonym of the documentation's example: HF(u32 length ‖ "/root/.viminfo"). */
    @Test
    void pseudonymOfTheDocumentedExample() throws Exception {
        TsemModel m = TsemModel.learning("sha256").pseudonym("/root/.viminfo");
        Path f = tmp.resolve("m");
        m.save(f);
        String line = Files.readAllLines(f).stream().filter(x -> x.startsWith("pseudonym ")).findFirst().orElseThrow();
        byte[] p = HexFormat.of().parseHex(line.substring(10));
        assertEquals("27a1f6c74b751a0f", HexFormat.of().formatHex(p, 0, 8));
    }

    /** The TASK_ID an exec gives, from the program's open, against the Python computation and its committed output. */
    @Test
    void taskIdOfAnExecMatchesPython() throws Exception {
        Path script = tmp.resolve("coefficients.py");
        Path input = tmp.resolve("exec-opens.jsonl");
        Files.write(script, resource("coefficients.py"));
        Files.write(input, resource("exec-opens.jsonl"));
        Process p = new ProcessBuilder("python3", script.toString(), "--task-ids", input.toString())
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        TsemCoefficients c = new TsemCoefficients("sha256");
        TsemRecord r = new TsemRecord();
        byte[] out = new byte[32];
        List<String> java = new ArrayList<>();
        for (String l : resource("exec-opens.jsonl")) {
            byte[] b = (l + "\n").getBytes(StandardCharsets.UTF_8);
            r.decode(b, b.length);
            assertTrue(c.taskId(r, out), l);
            java.add(HexFormat.of().formatHex(out));
        }
        assertEquals(resource("exec-opens.expected"), java);
        assertEquals(text.lines().toList(), java);
    }
}
