/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Learning, saving, loading and enforcing a model, in the orchestrators' file format. */
class TsemModelTest {

    @TempDir
    Path tmp;

    private static List<String> vectors() throws IOException {
        try (InputStream in = TsemModelTest.class.getResourceAsStream("vectors.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private static void feed(TsemModel m, List<String> lines, boolean[] verdicts) throws Exception {
        TsemRecord r = new TsemRecord();
        int i = 0;
        for (String l : lines) {
            byte[] b = (l + "\n").getBytes(StandardCharsets.UTF_8);
            r.decode(b, b.length);
            if (r.exportType == TsemRecord.AGGREGATE) {
                m.aggregate(r);
            } else if (r.exportType == TsemRecord.EVENT || r.exportType == TsemRecord.ASYNC_EVENT) {
                boolean v = m.observe(r);
                if (verdicts != null) {
                    verdicts[i] = v;
                }
                i++;
            }
        }
    }

    @Test
    void learnSaveLoadEnforce() throws Exception {
        List<String> all = vectors();
        TsemModel learnt = TsemModel.learning("sha256");
        feed(learnt, all.subList(0, 10), null);
        assertEquals(9, learnt.points().size());
        Path f = tmp.resolve("workload.model");
        learnt.save(f);
        List<String> text = Files.readAllLines(f);
        assertEquals("aggregate " + "0".repeat(64), text.get(2));
        assertEquals(List.of("seal", "end"), text.subList(text.size() - 2, text.size()));

        TsemModel enforcing = TsemModel.load(f);
        assertTrue(enforcing.isSealed());
        assertEquals(learnt.points(), enforcing.points());
        boolean[] v = new boolean[all.size()];
        feed(enforcing, all, v);
        // the first nine events are in the model, the later ones (other CELLs) are not, except the repeat
        for (int i = 0; i < 9; i++) {
            assertTrue(v[i], "event " + i);
        }
        assertFalse(v[9]);
        assertTrue(v[17], "the repeated file_open is the first event's point");
        assertEquals(9, enforcing.outside());
        assertEquals(9, enforcing.forensics().size());
        // the same events in the same order give the same measurement; state covers forensics too
        TsemModel again = TsemModel.learning("sha256");
        feed(again, all, null);
        assertEquals(again.measurement(), enforcing.measurement());
        assertEquals(again.state(), enforcing.state());
    }

    @Test
    void badModelFilesAreRefusedWithTheLine() throws Exception {
        Path f = tmp.resolve("bad");
        Files.writeString(f, "aggregate " + "0".repeat(64) + "\nstate 12\nseal\nend\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TsemModel.load(f));
        assertTrue(e.getMessage().contains(":2:"), e.getMessage());
        Files.writeString(f, "frobnicate\n");
        assertThrows(IllegalArgumentException.class, () -> TsemModel.load(f));
        Files.writeString(f, "end\nstate " + "0".repeat(64) + "\n");
        assertThrows(IllegalArgumentException.class, () -> TsemModel.load(f));
        Files.writeString(f, "# digest md4\n");
        assertThrows(IllegalArgumentException.class, () -> TsemModel.load(f));
    }
}
