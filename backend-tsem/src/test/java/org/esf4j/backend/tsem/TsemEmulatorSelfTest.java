/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The emulator held to the ABI by its own self-test ({@code src/test/emulator/selftest}): files and
 * modes, command errors, one record per read, ENODATA, lseek, poll, blocking and releases in both
 * syntaxes, taint and enforce, outsiders never stopped. Whatever the backend's tests prove against
 * the emulator rests on this.
 */
class TsemEmulatorSelfTest {

    @Test
    void emulatorPassesItsSelfTest() throws Exception {
        Path bin = TsemEmulator.binary();
        Process p = new ProcessBuilder("bash", Path.of("src", "test", "emulator", "selftest").toString(), bin.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the self-test ended");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("checks passed"), out);
    }
}
