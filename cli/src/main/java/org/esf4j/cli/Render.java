package org.esf4j.cli;

import java.util.List;
import java.util.Map;
import org.esf4j.api.DropNotice;
import org.esf4j.api.Event;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileId;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.GenericEvent;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessId;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.SocketConnectEvent;
import org.esf4j.api.UringCmdEvent;
import org.esf4j.api.Verdict;

/**
 * Text and JSON renderings of events for the command line. Every kind renders, including kinds
 * added after this code was written ({@link GenericEvent}, or any other {@link Event}: its kind and
 * header). Absent values are written as the API gives them (-1, "", []) next to the marks that say
 * how far a value can be trusted ({@code pathState}, {@code argvAccuracy}).
 */
final class Render {

    private Render() {
    }

    static String line(Event e) {
        return line(e, null);
    }

    static String line(Event e, Verdict v) {
        ProcessInfo p = e.process();
        String what;
        if (e instanceof ExecEvent x) {
            what = "exec  " + x.executable() + mark(x.executableState())
                    + (x.interpreter().isEmpty() ? "" : " interpreter=" + x.interpreter())
                    + (x.argv().isEmpty() ? "" : " argv=" + x.argv());
        } else if (e instanceof FileOpenEvent x) {
            what = "open  " + x.path() + mark(x.pathState());
        } else if (e instanceof SocketBindEvent x) {
            what = "bind  " + hostPort(x.family(), x.address(), x.port()) + " family=" + x.family();
        } else if (e instanceof SocketConnectEvent x) {
            what = "connect " + hostPort(x.family(), x.address(), x.port()) + " family=" + x.family();
        } else if (e instanceof UringCmdEvent x) {
            what = "uring " + x.targetPath() + mark(x.targetPathState()) + " op=" + x.commandOp();
        } else if (e instanceof GenericEvent x) {
            what = x.kind().name() + " " + x.fields();
        } else {
            what = e.kind().name();
        }
        return String.format("#%d %s pid=%d %s %s%s", e.header().sequence(), e.header().source(), p.pid(),
                p.executable().isEmpty() ? "?" : p.executable(), what, v == null ? "" : " -> " + v);
    }

    private static String mark(PathState s) {
        return s == PathState.EXACT ? "" : " [" + s.name().toLowerCase(java.util.Locale.ROOT) + "]";
    }

    private static String hostPort(int family, String address, int port) {
        return family == 10 ? "[" + address + "]:" + port : family == 2 ? address + ":" + port : address;
    }

    static String json(Event e) {
        return json(e, null);
    }

    static String json(Event e, Verdict v) {
        StringBuilder sb = new StringBuilder(384);
        sb.append("{\"seq\":").append(e.header().sequence())
          .append(",\"type\":").append(Main.quote(e.kind().name()))
          .append(",\"mode\":").append(Main.quote(e.header().mode().name()))
          .append(",\"source\":").append(Main.quote(e.header().source()))
          .append(",\"kernelTimeNanos\":").append(e.header().kernelTimeNanos())
          .append(",\"receivedNanos\":").append(e.header().receivedNanos())
          .append(",\"process\":");
        process(sb, e.process());
        if (e instanceof ExecEvent x) {
            sb.append(",\"executable\":").append(Main.quote(x.executable()))
              .append(",\"executableState\":").append(Main.quote(x.executableState().name()))
              .append(",\"argv\":");
            strings(sb, x.argv());
            sb.append(",\"argvAccuracy\":").append(Main.quote(x.argvAccuracy().name()))
              .append(",\"interpreter\":").append(Main.quote(x.interpreter()));
            file(sb, x.file());
        } else if (e instanceof FileOpenEvent x) {
            sb.append(",\"path\":").append(Main.quote(x.path()))
              .append(",\"pathState\":").append(Main.quote(x.pathState().name()));
            file(sb, x.file());
            sb.append(",\"flags\":").append(x.openFlags());
        } else if (e instanceof SocketBindEvent x) {
            socket(sb, x.family(), x.address(), x.port(), x.socketType());
        } else if (e instanceof SocketConnectEvent x) {
            socket(sb, x.family(), x.address(), x.port(), x.socketType());
        } else if (e instanceof UringCmdEvent x) {
            sb.append(",\"target\":").append(Main.quote(x.targetPath()))
              .append(",\"pathState\":").append(Main.quote(x.targetPathState().name()));
            file(sb, x.file());
            sb.append(",\"op\":").append(x.commandOp());
        } else if (e instanceof GenericEvent x) {
            sb.append(",\"fields\":{");
            boolean first = true;
            for (Map.Entry<String, String> f : x.fields().entrySet()) {
                sb.append(first ? "" : ",").append(Main.quote(f.getKey())).append(':').append(Main.quote(f.getValue()));
                first = false;
            }
            sb.append('}');
        }
        if (v != null) {
            sb.append(",\"verdict\":").append(Main.quote(v.isAllowed() ? "allow" : "deny"))
              .append(",\"reason\":").append(Main.quote(v.reason().name()));
        }
        return sb.append('}').toString();
    }

    private static void process(StringBuilder sb, ProcessInfo p) {
        sb.append("{\"pid\":").append(p.pid()).append(",\"tid\":").append(p.tid()).append(",\"ppid\":").append(p.ppid())
          .append(",\"uid\":").append(p.uid()).append(",\"euid\":").append(p.euid())
          .append(",\"gid\":").append(p.gid()).append(",\"egid\":").append(p.egid())
          .append(",\"exe\":").append(Main.quote(p.executable()))
          .append(",\"comm\":").append(Main.quote(p.comm()))
          .append(",\"startTime\":").append(p.startTimeTicks())
          .append(",\"cgroupId\":").append(p.cgroupId())
          .append(",\"argv\":");
        strings(sb, p.argv());
        sb.append(",\"argvAccuracy\":").append(Main.quote(p.argvAccuracy().name()));
        ProcessId id = p.id().orElse(null);
        ProcessId parent = p.parentId().orElse(null);
        sb.append(",\"entityId\":").append(id == null ? "null" : Main.quote(id.entityId()))
          .append(",\"parentEntityId\":").append(parent == null ? "null" : Main.quote(parent.entityId()))
          .append('}');
    }

    private static void file(StringBuilder sb, FileId f) {
        sb.append(",\"dev\":").append(f.device()).append(",\"ino\":").append(f.inode())
          .append(",\"ctime\":").append(f.changeTimeNanos());
    }

    private static void socket(StringBuilder sb, int family, String address, int port, int type) {
        sb.append(",\"family\":").append(family).append(",\"address\":").append(Main.quote(address))
          .append(",\"port\":").append(port).append(",\"socketType\":").append(type);
    }

    private static void strings(StringBuilder sb, List<String> l) {
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
            sb.append(i > 0 ? "," : "").append(Main.quote(l.get(i)));
        }
        sb.append(']');
    }

    static String json(DropNotice d) {
        return "{\"drop\":{\"source\":" + Main.quote(d.source()) + ",\"layer\":" + Main.quote(d.layer())
                + ",\"count\":" + d.count() + ",\"firstMissingSequence\":" + d.firstMissingSequence()
                + ",\"detail\":" + Main.quote(d.detail()) + "}}";
    }
}
