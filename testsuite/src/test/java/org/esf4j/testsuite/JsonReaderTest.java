package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonReaderTest {

    @Test
    void readsValuesOfEveryType() {
        Map<String, Object> m = JsonReader.object(
                "{\"s\":\"a\\tb\\u00e9\\n\",\"i\":-12,\"d\":1.5e3,\"e\":2E-1,\"l\":[true,false,null],\"o\":{}}");
        assertEquals("a\tb\u00e9\n", m.get("s"));
        assertEquals(-12L, m.get("i"));
        assertEquals(1500.0, m.get("d"));
        assertEquals(0.2, m.get("e"));
        assertEquals(java.util.Arrays.asList(true, false, null), m.get("l"));
        assertEquals(Map.of(), m.get("o"));
        assertEquals(List.of(), JsonReader.parse(" [ ] "));
    }

    @Test
    void refusesWhatIsNotJson() {
        for (String bad : new String[] {"", "{", "{\"a\":1,\"a\":2}", "[1,]", "\"raw\ttab\"", "1.", "-", "1e",
            "{\"a\":1} x", "\"\\x\""}) {
            assertThrows(IllegalArgumentException.class, () -> JsonReader.parse(bad), bad);
        }
    }
}
