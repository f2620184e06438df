/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decoder against the record shapes of the TSEM ABI (tsem.md §6), including every quirk it names. */
class TsemRecordTest {

    private static final String D = "ab".repeat(32);
    private static final String P = "cd".repeat(32);

    private final TsemRecord r = new TsemRecord();

    private void decode(String json) throws TsemRecord.Malformed {
        byte[] b = (json + "\n").getBytes(StandardCharsets.UTF_8);
        r.decode(b, b.length);
    }

    /** The ABI's own illustrative file open, post-v4 key set. */
    @Test
    void fileOpenOfTheLaterKeySet() throws Exception {
        decode("{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"1234\", \"tnum\": \"5678\", \"context\": \"1\","
                + " \"number\": \"42\", \"process\": \"cat\", \"type\": \"file_open\", \"ttd\": \"17\", \"p_ttd\": \"12\","
                + " \"task_id\": \"" + D + "\", \"p_task_id\": \"" + P + "\", \"ts\": \"123456789012\"}, \"COE\": {\"uid\":"
                + " \"0\", \"euid\": \"0\", \"suid\": \"0\", \"gid\": \"0\", \"egid\": \"0\", \"sgid\": \"0\", \"fsuid\": \"0\","
                + " \"fsgid\": \"0\", \"capeff\": \"0x1ffffffffff\"}, \"file_open\": {\"file\": {\"flags\": \"32768\","
                + " \"inode\": {\"uid\": \"0\", \"gid\": \"0\", \"mode\": \"0100644\", \"s_magic\": \"0xef53\", \"s_id\":"
                + " \"vda1\", \"s_uuid\": \"" + "0f".repeat(16) + "\"}, \"path\": {\"dev\": {\"major\": \"254\", \"minor\":"
                + " \"1\"}, \"type\": \"root\", \"pathname\": \"/etc/hosts\"}, \"digest\": \"" + D + "\"}}}");
        assertEquals(TsemRecord.EVENT, r.exportType);
        assertEquals(1234, r.pid);
        assertEquals(5678, r.tnum);
        assertEquals(1, r.context);
        assertEquals(42, r.number);
        assertEquals(17, r.ttd);
        assertEquals(12, r.pTtd);
        assertEquals(123456789012L, r.ts);
        assertEquals("cat", r.ascii(r.processOff, r.processLen));
        assertEquals("file_open", r.eventType());
        assertEquals(0x1ffffffffffL, r.coe[TsemRecord.CAPEFF]);
        assertEquals(0x1ff, r.coeSeen);
        assertTrue(r.hasFile);
        assertEquals(32768, r.fileFlags);
        assertEquals(0100644, r.inodeMode, "the mode is octal");
        assertEquals(0xef53, r.sMagic, "s_magic is hex");
        assertEquals("vda1", r.ascii(r.sIdOff, r.sIdLen));
        assertEquals(254, r.devMajor);
        assertEquals(1, r.devMinor);
        assertEquals("root", r.ascii(r.pathTypeOff, r.pathTypeLen));
        assertEquals("/etc/hosts", r.text(r.pathnameOff, r.pathnameLen));
        assertEquals(D, r.ascii(r.digestOff, r.digestLen));
    }

    /** v3 code's key set (no tnum, context, number), keys in another order, and a bind of 127.0.0.1:80. */
    @Test
    void bindOfTheV3KeySetInAnyOrder() throws Exception {
        decode("{\"socket_bind\": {\"addr\": {\"af_inet\": {\"address\": \"16777343\", \"port\": \"20480\"}}, \"sock\":"
                + " {\"family\": \"2\", \"type\": \"1\", \"protocol\": \"6\", \"owner\": \"" + D + "\"}}, \"COE\": {\"uid\":"
                + " \"1000\", \"capeff\": \"0x0\"}, \"event\": {\"ts\": \"987654321\", \"type\": \"socket_bind\", \"pid\": \"900\","
                + " \"process\": \"nc\", \"ttd\": \"3\", \"p_ttd\": \"2\", \"task_id\": \"" + D + "\", \"p_task_id\": \"" + P
                + "\"}, \"export\": {\"type\": \"event\"}}");
        assertEquals(900, r.pid);
        assertEquals(-1, r.tnum, "absent, not guessed");
        assertEquals(-1, r.context);
        assertEquals(TsemRecord.ADDR_INET, r.addrKind);
        assertEquals(80, TsemAddresses.port(r.port), "network byte order read as a host integer");
        assertEquals(0x0100007fL, r.inetAddress);
        assertEquals(2, r.sockFamily);
        assertEquals(1, r.sockType);
    }

    @Test
    void misspelledAddrressOfSendmsgAndIpv6() throws Exception {
        decode("{\"export\": {\"type\": \"async_event\"}, \"event\": {\"pid\": \"7\", \"process\": \"x\", \"type\":"
                + " \"socket_sendmsg\", \"ttd\": \"1\", \"p_ttd\": \"1\", \"task_id\": \"" + D + "\", \"p_task_id\": \"" + D
                + "\", \"ts\": \"1\"}, \"COE\": {}, \"socket_sendmsg\": {\"sock\": {\"family\": \"10\", \"type\": \"2\","
                + " \"protocol\": \"17\", \"owner\": \"" + D + "\"}, \"addrress\": {\"af_inet6\": {\"port\": \"13568\", \"flow\":"
                + " \"0\", \"scope\": \"0\", \"address\": \"00000000000000000000000000000001\"}}}}");
        assertEquals(TsemRecord.ASYNC_EVENT, r.exportType);
        assertEquals(TsemRecord.ADDR_INET6, r.addrKind);
        assertEquals(53, TsemAddresses.port(r.port));
        Map<String, String> f = r.cellFields();
        assertEquals("00000000000000000000000000000001", f.get("addrress.af_inet6.address"));
        assertEquals("10", f.get("sock.family"));
    }

    @Test
    void aggregateAndLogRecords() throws Exception {
        decode("{\"export\": {\"type\": \"aggregate\"}, \"aggregate\": {\"value\": \"" + "0".repeat(64) + "\"}}");
        assertEquals(TsemRecord.AGGREGATE, r.exportType);
        assertEquals(64, r.valueLen);
        decode("{\"export\": {\"type\": \"log\"}, \"log\": {\"process\": \"cat\", \"event\": \"file_open\", \"action\":"
                + " \"DENY\"}}");
        assertEquals(TsemRecord.LOG, r.exportType);
        assertEquals("file_open", r.eventType());
        assertEquals("DENY", r.ascii(r.logActionOff, r.logActionLen));
    }

    @Test
    void escapesInPathsAndUnknownKeysAreKept() throws Exception {
        decode("{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"5\", \"tnum\": \"6\", \"process\": \"a\\\"b\","
                + " \"type\": \"file_open\", \"future_key\": \"x\", \"ttd\": \"1\", \"p_ttd\": \"1\", \"task_id\": \"" + D
                + "\", \"p_task_id\": \"" + D + "\", \"ts\": \"1\"}, \"COE\": {}, \"file_open\": {\"file\": {\"flags\": \"0\","
                + " \"path\": {\"pathname\": \"/tmp/a\\nb \\u00e9\\\\\"}, \"new\": {\"nested\": [\"1\", {\"k\": \"v\"}]}}}}");
        byte[] out = new byte[64];
        int n = r.unescape(r.pathnameOff, r.pathnameLen, out);
        assertEquals("/tmp/a\nb \u00e9\\", new String(out, 0, n, StandardCharsets.UTF_8));
        assertEquals("a\"b", r.text(r.processOff, r.processLen));
        assertFalse(r.hasInode, "an absent member stays absent");
        assertEquals(-1, r.devMajor);
    }

    @Test
    void malformedAndTruncatedRecordsAreRefusedWithTheirReason() {
        String ok = "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"5\", \"tnum\": \"9\", \"type\": \"capable\"},"
                + " \"COE\": {}, \"capable\": {\"cap\": \"1\"}}";
        for (int cut = 1; cut < ok.length(); cut++) {
            byte[] b = (ok.substring(0, cut) + "\n").getBytes(StandardCharsets.UTF_8);
            assertThrows(TsemRecord.Malformed.class, () -> r.decode(b, b.length), ok.substring(0, cut));
        }
        byte[] noNewline = ok.getBytes(StandardCharsets.UTF_8);
        TsemRecord.Malformed m = assertThrows(TsemRecord.Malformed.class, () -> r.decode(noNewline, noNewline.length));
        assertTrue(m.getMessage().contains("truncated"), m.getMessage());
        // the pid read before the fault names the task to release
        byte[] b = "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"77\", \"tnum\": \"8\", \"type\": \"x\", ]\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThrows(TsemRecord.Malformed.class, () -> r.decode(b, b.length));
        assertEquals(77, r.pid);
        assertEquals(8, r.tnum);
        for (String bad : new String[] {
            "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"0x\", \"type\": \"a\"}}",
            "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"08\", \"type\": \"a\"}}",
            "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"99999999999999999999\", \"type\": \"a\"}}",
            "{\"export\": {\"type\": \"bogus\"}}",
            "{\"export\": {\"type\": \"event\"}, \"event\": {\"type\": \"a\"}}",
            "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"1\", \"type\": \"a\"}, \"b\": {}}",
            "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"1\", \"type\": \"a\", \"task_id\": \"XY\"}}",
            "{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"1\", \"type\": \"a\"}} trailing",
            "[]",
        }) {
            byte[] x = (bad + "\n").getBytes(StandardCharsets.UTF_8);
            assertThrows(TsemRecord.Malformed.class, () -> r.decode(x, x.length), bad);
        }
    }

    @Test
    void unsignedSixtyFourBitNumbers() throws Exception {
        decode("{\"export\": {\"type\": \"event\"}, \"event\": {\"pid\": \"1\", \"tnum\": \"18446744073709551615\","
                + " \"type\": \"a\"}, \"COE\": {\"capeff\": \"0xffffffffffffffff\"}, \"a\": {}}");
        assertEquals(-1L, r.tnum, "2^64-1 as an unsigned long");
        assertEquals(-1L, r.coe[TsemRecord.CAPEFF]);
    }
}
