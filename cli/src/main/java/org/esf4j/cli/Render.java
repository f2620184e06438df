package org.esf4j.cli;

import org.esf4j.api.DropNotice;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.SecurityEvent;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.UringCmdEvent;
import org.esf4j.api.Verdict;

/** Text and JSON renderings of events for the command line. */
final class Render {

    private Render() {
    }

    static String line(SecurityEvent e) {
        return line(e, null);
    }

    static String line(SecurityEvent e, Verdict v) {
        ProcessInfo p = e.process();
        String what;
        if (e instanceof ExecEvent x) {
            what = "exec  " + x.executable();
        } else if (e instanceof FileOpenEvent x) {
            what = "open  " + x.path();
        } else if (e instanceof SocketBindEvent x) {
            what = "bind  " + x.address() + ":" + x.port() + " family=" + x.family();
        } else {
            UringCmdEvent x = (UringCmdEvent) e;
            what = "uring " + x.targetPath() + " op=" + x.commandOp();
        }
        return String.format("#%d %s pid=%d %s %s%s", e.sequence(), e.header().source(), p.pid(),
                p.executable().isEmpty() ? "?" : p.executable(), what, v == null ? "" : " -> " + v);
    }

    static String json(SecurityEvent e) {
        return json(e, null);
    }

    static String json(SecurityEvent e, Verdict v) {
        ProcessInfo p = e.process();
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"seq\":").append(e.sequence())
          .append(",\"type\":").append(Main.quote(e.type().shortName()))
          .append(",\"mode\":").append(Main.quote(e.header().mode().name()))
          .append(",\"source\":").append(Main.quote(e.header().source()))
          .append(",\"kernelTimeNanos\":").append(e.header().kernelTimeNanos())
          .append(",\"receivedNanos\":").append(e.header().receivedNanos())
          .append(",\"process\":{\"pid\":").append(p.pid()).append(",\"ppid\":").append(p.ppid())
          .append(",\"uid\":").append(p.uid()).append(",\"euid\":").append(p.euid())
          .append(",\"gid\":").append(p.gid()).append(",\"egid\":").append(p.egid())
          .append(",\"exe\":").append(Main.quote(p.executable()))
          .append(",\"comm\":").append(Main.quote(p.comm()))
          .append(",\"startTime\":").append(p.startTimeTicks()).append('}');
        if (e instanceof ExecEvent x) {
            sb.append(",\"executable\":").append(Main.quote(x.executable())).append(",\"argv\":[");
            for (int i = 0; i < x.argv().size(); i++) {
                sb.append(i > 0 ? "," : "").append(Main.quote(x.argv().get(i)));
            }
            sb.append("],\"dev\":").append(x.file().device()).append(",\"ino\":").append(x.file().inode());
        } else if (e instanceof FileOpenEvent x) {
            sb.append(",\"path\":").append(Main.quote(x.path()))
              .append(",\"dev\":").append(x.file().device()).append(",\"ino\":").append(x.file().inode())
              .append(",\"flags\":").append(x.openFlags());
        } else if (e instanceof SocketBindEvent x) {
            sb.append(",\"family\":").append(x.family())
              .append(",\"address\":").append(Main.quote(x.address())).append(",\"port\":").append(x.port());
        } else if (e instanceof UringCmdEvent x) {
            sb.append(",\"target\":").append(Main.quote(x.targetPath())).append(",\"op\":").append(x.commandOp());
        }
        if (v != null) {
            sb.append(",\"verdict\":").append(Main.quote(v.isAllowed() ? "allow" : "deny"))
              .append(",\"reason\":").append(Main.quote(v.reason().name()));
        }
        return sb.append('}').toString();
    }

    static String json(DropNotice d) {
        return "{\"drop\":{\"source\":" + Main.quote(d.source()) + ",\"layer\":" + Main.quote(d.layer())
                + ",\"count\":" + d.count() + ",\"firstMissingSequence\":" + d.firstMissingSequence()
                + ",\"detail\":" + Main.quote(d.detail()) + "}}";
    }
}
