package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SockAddrTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @Test
    void ipv4WithPort() {
        byte[] a = hex("02001F90C0A8010A0000000000000000"); // 192.168.1.10:8080
        assertEquals(SockAddr.AF_INET, SockAddr.family(a, a.length));
        assertEquals(8080, SockAddr.port(a, a.length));
        assertEquals("192.168.1.10", SockAddr.address(a, a.length));
        assertEquals("192.168.1.10", SockAddr.address(a, 8)); // without the zero padding
    }

    @Test
    void ipv6AsInetAddressPrintsIt() throws Exception {
        byte[] a = hex("0A000050" + "00000000" + "20010DB8000000000000000000000001" + "00000000");
        assertEquals(SockAddr.AF_INET6, SockAddr.family(a, a.length));
        assertEquals(80, SockAddr.port(a, a.length));
        assertEquals(InetAddress.getByName("2001:db8::1").getHostAddress(), SockAddr.address(a, a.length));
        assertEquals("2001:db8:0:0:0:0:0:1", SockAddr.address(a, a.length));
        assertEquals("2001:db8:0:0:0:0:0:1", SockAddr.address(a, 24)); // the RFC 2133 size without scope id
        byte[] scoped = hex("0A000000" + "00000000" + "FE800000000000000000000000000001" + "02000000");
        assertEquals("fe80:0:0:0:0:0:0:1%2", SockAddr.address(scoped, scoped.length));
        byte[] mapped = hex("0A000000" + "00000000" + "00000000000000000000FFFF7F000001" + "00000000");
        assertEquals("0:0:0:0:0:ffff:7f00:1", SockAddr.address(mapped, mapped.length)); // stays IPv6
    }

    @Test
    void unixPathsAndAbstractNames() {
        byte[] path = hex("01002F72756E2F782E736F636B00FFFF"); // "/run/x.sock", NUL, garbage
        assertEquals(SockAddr.AF_UNIX, SockAddr.family(path, path.length));
        assertEquals(-1, SockAddr.port(path, path.length));
        assertEquals("/run/x.sock", SockAddr.address(path, path.length));
        byte[] abs = hex("0100006162");
        assertEquals("@ab", SockAddr.address(abs, abs.length));
        byte[] unnamed = hex("0100");
        assertEquals(SockAddr.AF_UNIX, SockAddr.family(unnamed, 2));
        assertEquals("", SockAddr.address(unnamed, 2));
    }

    @Test
    void malformedInputIsFamilyZero() {
        assertEquals(0, SockAddr.family(null, 0));
        assertEquals(0, SockAddr.family(new byte[1], 1));
        assertEquals(0, SockAddr.family(new byte[4], 5));
        assertEquals(0, SockAddr.family(new byte[4], -1));
        byte[] shortV4 = hex("02000050C0A8");
        assertEquals(0, SockAddr.family(shortV4, shortV4.length));
        assertEquals(-1, SockAddr.port(shortV4, shortV4.length));
        assertEquals("", SockAddr.address(shortV4, shortV4.length));
        byte[] shortV6 = hex("0A000050000000000000");
        assertEquals(0, SockAddr.family(shortV6, shortV6.length));
        assertEquals("", SockAddr.address(shortV6, shortV6.length));
        byte[] netlink = hex("10000000");
        assertEquals(16, SockAddr.family(netlink, netlink.length));
        assertEquals(-1, SockAddr.port(netlink, netlink.length));
        assertEquals("", SockAddr.address(netlink, netlink.length));
        assertEquals("", SockAddr.address(null, 10));
    }
}
