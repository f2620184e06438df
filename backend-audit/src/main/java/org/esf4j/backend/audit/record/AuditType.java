package org.esf4j.backend.audit.record;

/**
 * Audit message types ({@code nlmsg_type} of kernel audit messages, {@code include/uapi/linux/audit.h})
 * and how the reassembler groups them.
 *
 * <p>Ranges: 1100&ndash;1199 and 2100&ndash;2999 user-space messages, 1200&ndash;1299 audit daemon
 * messages, 1300&ndash;1399 kernel event records, 1400+ LSM (AVC &hellip;), 1700+ anomalies, 1800+
 * integrity, 2000 kernel. Only 1300&ndash;1399 records form multi-record events that end with
 * {@link #EOE}; every other type is an event of its own.
 *
 * <p>Not API, may change without notice.
 */
public final class AuditType {
    /** a user-space message (single record) (1005). */
    public static final int USER = 1005;
    /** syscall exit: arch, syscall, success, exit, a0..a3, items, ids, comm, exe, key (1300). */
    public static final int SYSCALL = 1300;
    /** one path item: item, name, inode, dev, mode, ouid, ogid, rdev, nametype, cap_* (1302). */
    public static final int PATH = 1302;
    /** IPC object (1303). */
    public static final int IPC = 1303;
    /** socketcall(2) arguments (i386) (1304). */
    public static final int SOCKETCALL = 1304;
    /** audit configuration change (1305). */
    public static final int CONFIG_CHANGE = 1305;
    /** the raw sockaddr as hex: {@code saddr=} (1306). */
    public static final int SOCKADDR = 1306;
    /** working directory: {@code cwd=} (1307). */
    public static final int CWD = 1307;
    /** execve arguments: {@code argc=}, {@code aN=}, or {@code aN_len=} and {@code aN[i]=} chunks (1309). */
    public static final int EXECVE = 1309;
    /** pipe/socketpair fds (1317). */
    public static final int FD_PAIR = 1317;
    /** signal target (1318). */
    public static final int OBJ_PID = 1318;
    /** TTY input (1319). */
    public static final int TTY = 1319;
    /** end of a multi-record event (no fields) (1320). */
    public static final int EOE = 1320;
    /** file capabilities applied by exec (1321). */
    public static final int BPRM_FCAPS = 1321;
    /** capset(2) (1322). */
    public static final int CAPSET = 1322;
    /** mmap(2) fd and flags (1323). */
    public static final int MMAP = 1323;
    /** seccomp action (1326). */
    public static final int SECCOMP = 1326;
    /** the process title as hex: {@code proctitle=} (1327). */
    public static final int PROCTITLE = 1327;
    /** audit feature change (1328). */
    public static final int FEATURE_CHANGE = 1328;
    /** probe of a registered audit daemon (1329). */
    public static final int REPLACE = 1329;
    /** kernel module load (1330). */
    public static final int KERN_MODULE = 1330;
    /** fanotify permission response (1331). */
    public static final int FANOTIFY = 1331;
    /** BPF program load/unload (1334). */
    public static final int BPF = 1334;
    /** a multicast listener joined or left (1335). */
    public static final int EVENT_LISTENER = 1335;
    /** an io_uring operation: {@code uring_op=}, success, exit, items, ids, key (1336). */
    public static final int URINGOP = 1336;
    /** openat2(2) open_how: oflag, mode, resolve (1337). */
    public static final int OPENAT2 = 1337;
    /** SELinux access decision (1400). */
    public static final int AVC = 1400;
    /** audit subsystem initialisation (2000). */
    public static final int KERNEL = 2000;

    /** First kernel event record type. */
    public static final int FIRST_KERNEL_EVENT = 1300;
    /** Last kernel event record type. */
    public static final int LAST_KERNEL_EVENT = 1399;

    private static final int NAMES_FIRST = 1000;
    private static final String[] NAMES = new String[2000];

    static {
        // The names auditd and libaudit use in the "type=" field of audit.log (libaudit 3.0.9).
        String table = "1005 USER 1006 LOGIN 1100 USER_AUTH 1101 USER_ACCT 1102 USER_MGMT 1103 CRED_ACQ "
            + "1104 CRED_DISP 1105 USER_START 1106 USER_END 1107 USER_AVC 1108 USER_CHAUTHTOK "
            + "1109 USER_ERR 1110 CRED_REFR 1111 USYS_CONFIG 1112 USER_LOGIN 1113 USER_LOGOUT "
            + "1114 ADD_USER 1115 DEL_USER 1116 ADD_GROUP 1117 DEL_GROUP 1118 DAC_CHECK 1119 CHGRP_ID "
            + "1120 TEST 1121 TRUSTED_APP 1122 USER_SELINUX_ERR 1123 USER_CMD 1124 USER_TTY "
            + "1125 CHUSER_ID 1126 GRP_AUTH 1127 SYSTEM_BOOT 1128 SYSTEM_SHUTDOWN 1129 SYSTEM_RUNLEVEL "
            + "1130 SERVICE_START 1131 SERVICE_STOP 1132 GRP_MGMT 1133 GRP_CHAUTHTOK 1134 MAC_CHECK "
            + "1135 ACCT_LOCK 1136 ACCT_UNLOCK 1137 USER_DEVICE 1138 SOFTWARE_UPDATE 1200 DAEMON_START "
            + "1201 DAEMON_END 1202 DAEMON_ABORT 1203 DAEMON_CONFIG 1205 DAEMON_ROTATE "
            + "1206 DAEMON_RESUME 1207 DAEMON_ACCEPT 1208 DAEMON_CLOSE 1209 DAEMON_ERR 1300 SYSCALL "
            + "1302 PATH 1303 IPC 1304 SOCKETCALL 1305 CONFIG_CHANGE 1306 SOCKADDR 1307 CWD "
            + "1309 EXECVE 1311 IPC_SET_PERM 1312 MQ_OPEN 1313 MQ_SENDRECV 1314 MQ_NOTIFY "
            + "1315 MQ_GETSETATTR 1316 KERNEL_OTHER 1317 FD_PAIR 1318 OBJ_PID 1319 TTY 1320 EOE "
            + "1321 BPRM_FCAPS 1322 CAPSET 1323 MMAP 1324 NETFILTER_PKT 1325 NETFILTER_CFG "
            + "1326 SECCOMP 1327 PROCTITLE 1328 FEATURE_CHANGE 1330 KERN_MODULE 1331 FANOTIFY "
            + "1332 TIME_INJOFFSET 1333 TIME_ADJNTPVAL 1334 BPF 1335 EVENT_LISTENER 1336 URINGOP "
            + "1337 OPENAT2 1400 AVC 1401 SELINUX_ERR 1402 AVC_PATH 1403 MAC_POLICY_LOAD "
            + "1404 MAC_STATUS 1405 MAC_CONFIG_CHANGE 1406 MAC_UNLBL_ALLOW 1407 MAC_CIPSOV4_ADD "
            + "1408 MAC_CIPSOV4_DEL 1409 MAC_MAP_ADD 1410 MAC_MAP_DEL 1411 MAC_IPSEC_ADDSA "
            + "1412 MAC_IPSEC_DELSA 1413 MAC_IPSEC_ADDSPD 1414 MAC_IPSEC_DELSPD 1415 MAC_IPSEC_EVENT "
            + "1416 MAC_UNLBL_STCADD 1417 MAC_UNLBL_STCDEL 1418 MAC_CALIPSO_ADD 1419 MAC_CALIPSO_DEL "
            + "1500 APPARMOR 1501 APPARMOR_AUDIT 1502 APPARMOR_ALLOWED 1503 APPARMOR_DENIED "
            + "1504 APPARMOR_HINT 1505 APPARMOR_STATUS 1506 APPARMOR_ERROR 1507 APPARMOR_KILL "
            + "1700 ANOM_PROMISCUOUS 1701 ANOM_ABEND 1702 ANOM_LINK 1703 ANOM_CREAT "
            + "1800 INTEGRITY_DATA 1801 INTEGRITY_METADATA 1802 INTEGRITY_STATUS 1803 INTEGRITY_HASH "
            + "1804 INTEGRITY_PCR 1805 INTEGRITY_RULE 1806 INTEGRITY_EVM_XATTR "
            + "1807 INTEGRITY_POLICY_RULE 2000 KERNEL 2100 ANOM_LOGIN_FAILURES 2101 ANOM_LOGIN_TIME "
            + "2102 ANOM_LOGIN_SESSIONS 2103 ANOM_LOGIN_ACCT 2104 ANOM_LOGIN_LOCATION "
            + "2105 ANOM_MAX_DAC 2106 ANOM_MAX_MAC 2107 ANOM_AMTU_FAIL 2108 ANOM_RBAC_FAIL "
            + "2109 ANOM_RBAC_INTEGRITY_FAIL 2110 ANOM_CRYPTO_FAIL 2111 ANOM_ACCESS_FS 2112 ANOM_EXEC "
            + "2113 ANOM_MK_EXEC 2114 ANOM_ADD_ACCT 2115 ANOM_DEL_ACCT 2116 ANOM_MOD_ACCT "
            + "2117 ANOM_ROOT_TRANS 2118 ANOM_LOGIN_SERVICE 2119 ANOM_LOGIN_ROOT "
            + "2120 ANOM_ORIGIN_FAILURES 2121 ANOM_SESSION 2200 RESP_ANOMALY 2201 RESP_ALERT "
            + "2202 RESP_KILL_PROC 2203 RESP_TERM_ACCESS 2204 RESP_ACCT_REMOTE "
            + "2205 RESP_ACCT_LOCK_TIMED 2206 RESP_ACCT_UNLOCK_TIMED 2207 RESP_ACCT_LOCK "
            + "2208 RESP_TERM_LOCK 2209 RESP_SEBOOL 2210 RESP_EXEC 2211 RESP_SINGLE 2212 RESP_HALT "
            + "2213 RESP_ORIGIN_BLOCK 2214 RESP_ORIGIN_BLOCK_TIMED 2215 RESP_ORIGIN_UNBLOCK_TIMED "
            + "2300 USER_ROLE_CHANGE 2301 ROLE_ASSIGN 2302 ROLE_REMOVE 2303 LABEL_OVERRIDE "
            + "2304 LABEL_LEVEL_CHANGE 2305 USER_LABELED_EXPORT 2306 USER_UNLABELED_EXPORT "
            + "2307 DEV_ALLOC 2308 DEV_DEALLOC 2309 FS_RELABEL 2310 USER_MAC_POLICY_LOAD "
            + "2311 ROLE_MODIFY 2312 USER_MAC_CONFIG_CHANGE 2313 USER_MAC_STATUS 2400 CRYPTO_TEST_USER "
            + "2401 CRYPTO_PARAM_CHANGE_USER 2402 CRYPTO_LOGIN 2403 CRYPTO_LOGOUT 2404 CRYPTO_KEY_USER "
            + "2405 CRYPTO_FAILURE_USER 2406 CRYPTO_REPLAY_USER 2407 CRYPTO_SESSION 2408 CRYPTO_IKE_SA "
            + "2409 CRYPTO_IPSEC_SA 2500 VIRT_CONTROL 2501 VIRT_RESOURCE 2502 VIRT_MACHINE_ID "
            + "2503 VIRT_INTEGRITY_CHECK 2504 VIRT_CREATE 2505 VIRT_DESTROY 2506 VIRT_MIGRATE_IN "
            + "2507 VIRT_MIGRATE_OUT ";
        String[] parts = table.trim().split(" ");
        for (int i = 0; i + 1 < parts.length; i += 2) {
            NAMES[Integer.parseInt(parts[i]) - NAMES_FIRST] = parts[i + 1];
        }
    }

    private AuditType() {
    }

    /**
     * Whether records of this type belong to a kernel multi-record event that ends with {@link #EOE}
     * (1300&ndash;1399). Records of every other type are complete events by themselves.
     *
     * @param type the audit message type
     * @return true for 1300&ndash;1399
     */
    public static boolean isKernelEvent(int type) {
        return type >= FIRST_KERNEL_EVENT && type <= LAST_KERNEL_EVENT;
    }

    /**
     * The audit.log name of a type ({@code SYSCALL}, {@code PATH} &hellip;), or {@code UNKNOWN[n]}.
     * Allocates for unknown types; meant for logging.
     *
     * @param type the audit message type
     * @return the name
     */
    public static String name(int type) {
        int i = type - NAMES_FIRST;
        if (i >= 0 && i < NAMES.length && NAMES[i] != null) {
            return NAMES[i];
        }
        return "UNKNOWN[" + type + "]";
    }

    /**
     * The type for an audit.log name, the inverse of {@link #name(int)} (also {@code UNKNOWN[n]}).
     *
     * @param name the name
     * @return the type, or -1 when the name is not known
     */
    public static int forName(String name) {
        if (name == null) {
            return -1;
        }
        if (name.startsWith("UNKNOWN[") && name.endsWith("]") && name.length() > 9 && name.length() <= 18) {
            long v = 0;
            for (int i = 8; i < name.length() - 1; i++) {
                char c = name.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                v = v * 10 + (c - '0');
            }
            return v <= 0xffff ? (int) v : -1;
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (name.equals(NAMES[i])) {
                return i + NAMES_FIRST;
            }
        }
        return -1;
    }
}
