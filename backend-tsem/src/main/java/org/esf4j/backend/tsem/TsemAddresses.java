/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import org.esf4j.spi.RawEvent;

/**
 * The {@code sock} and {@code addr} members of a CELL as esf4j's family, address and port. TSEM
 * prints {@code af_inet.port}, {@code af_inet6.port} and {@code af_inet.address} from the raw
 * {@code sockaddr} fields: network byte order read as a host (little-endian) integer, so port 80
 * arrives as {@code "20480"} and 127.0.0.1 as {@code "16777343"}. An IPv6 address is 32 hex digits
 * of its 16 bytes; a UNIX address is its path.
 */
final class TsemAddresses {

    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    private TsemAddresses() {
    }

    /** @return the port as the caller gave it (host order) */
    static int port(long raw) {
        return Integer.reverseBytes((int) raw) >>> 16 & 0xffff;
    }

    /**
     * Sets the event's family, address and port.
     *
     * @param a 16 bytes of scratch (the reader's own: nothing is allocated per event)
     */
    static void apply(TsemRecord r, RawEvent e, byte[] a) {
        int type = r.sockType >= 0 ? (int) r.sockType : -1;
        switch (r.addrKind) {
            case TsemRecord.ADDR_INET -> {
                long v = r.inetAddress;
                for (int i = 0; i < 4; i++) {
                    a[i] = (byte) (v >>> (8 * i)); // the u32's little-endian bytes are the address's network-order bytes
                }
                e.socket(AF_INET, a, 0, 4, r.port >= 0 ? port(r.port) : 0, type);
            }
            case TsemRecord.ADDR_INET6 -> {
                byte[] b = r.buffer();
                for (int i = 0; i < 16; i++) {
                    a[i] = (byte) (Character.digit(b[r.addrTextOff + 2 * i], 16) << 4
                            | Character.digit(b[r.addrTextOff + 2 * i + 1], 16));
                }
                e.socket(AF_INET6, a, 0, 16, r.port >= 0 ? port(r.port) : 0, type);
            }
            case TsemRecord.ADDR_UNIX -> e.socket(AF_UNIX, r.text(r.addrTextOff, r.addrTextLen), 0, type);
            case TsemRecord.ADDR_OTHER -> e.socket(r.sockFamily >= 0 ? (int) r.sockFamily : 0,
                    "digest:" + r.ascii(r.addrTextOff, r.addrTextLen), 0, type);
            default -> e.socket(r.sockFamily >= 0 ? (int) r.sockFamily : 0, "", 0, type);
        }
    }
}
