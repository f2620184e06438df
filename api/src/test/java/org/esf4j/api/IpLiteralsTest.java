package org.esf4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The text forms events use, checked against the examples of RFC 5952 (section 4 and 5) and the
 * parser against what it must refuse. The conformance suite checks the backends' addresses against
 * the C library's {@code inet_ntop}.
 */
class IpLiteralsTest {

    @ParameterizedTest
    @CsvSource({
        // input, canonical form (RFC 5952 4.1: no leading zeros; 4.2.1: :: as long as possible;
        // 4.2.2: not for one group; 4.2.3: the first of equal runs; 4.3: lower case; 5: mapped v4)
        "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
        "2001:db8:0:0:0:0:2:1,                    2001:db8::2:1",
        "2001:db8:0000:1:1:1:1:1,                 2001:db8:0:1:1:1:1:1",
        "2001:db8:0:0:1:0:0:1,                    2001:db8::1:0:0:1",
        "2001:0:0:1:0:0:0:1,                      2001:0:0:1::1",
        "2001:DB8::AAAA:1,                        2001:db8::aaaa:1",
        "0:0:0:0:0:0:0:1,                         ::1",
        "0:0:0:0:0:0:0:0,                         ::",
        "1:0:0:0:0:0:0:0,                         1::",
        "::ffff:192.0.2.1,                        ::ffff:192.0.2.1",
        "0:0:0:0:0:ffff:c000:0201,                ::ffff:192.0.2.1",
        "fe80::1:2:3:4,                           fe80::1:2:3:4",
        "192.0.2.1,                               192.0.2.1",
        "0.0.0.0,                                 0.0.0.0",
        "255.255.255.255,                         255.255.255.255",
    })
    void formatsCanonically(String input, String canonical) {
        assertEquals(canonical, IpLiterals.format(IpLiterals.parse(input)));
        assertArrayEquals(IpLiterals.parse(input), IpLiterals.parse(canonical));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "1..2.3", ":::", "1::2::3",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::1", "g::1", "::1.2.3.256", "1:2:3:4:5:6:7::8:9",
        "example.org", " 1.2.3.4"})
    void refusesWhatIsNotALiteral(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpLiterals.parse(s));
        assertTrue(e.getMessage().contains("'" + s + "'"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8,        10.255.1.2,  true",
        "10.0.0.0/8,        11.0.0.1,    false",
        "192.0.2.128/25,    192.0.2.200, true",
        "192.0.2.128/25,    192.0.2.1,   false",
        "0.0.0.0/0,         203.0.113.9, true",
        "2001:db8::/32,     2001:db8:ffff::1, true",
        "2001:db8::/32,     2001:db9::1, false",
        "::1/128,           ::1,         true",
        "10.0.0.0/8,        ::ffff:10.0.0.1, false",
    })
    void networksContainTheirAddresses(String cidr, String address, boolean inside) {
        IpLiterals.Network n = IpLiterals.network(cidr);
        byte[] a = IpLiterals.parse(address);
        assertEquals(inside, IpLiterals.contains(n.address(), n.prefixLength(), a, a.length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x"})
    void refusesBadPrefixes(String cidr) {
        assertThrows(IllegalArgumentException.class, () -> IpLiterals.network(cidr));
    }

    @org.junit.jupiter.api.Test
    void anAddressOfAnotherLengthNeverMatches() {
        assertFalse(IpLiterals.contains(new byte[4], 0, new byte[16], 16));
    }
}
