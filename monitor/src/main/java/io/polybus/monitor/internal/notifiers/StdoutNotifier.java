package io.polybus.monitor.internal.notifiers;

import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;

import java.io.PrintStream;

/** One line per notice on the console, as text for people or as JSON; the user asked for it in config. */
final class StdoutNotifier implements Notifier {
    private final PrintStream out;
    private final boolean json;

    StdoutNotifier(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    @Override
    public void send(Alert alert) {
        if (json) {
            out.println(alert.toJson());
        } else {
            out.println(alert.at() + " " + alert.status() + " [" + alert.severity() + "] " + alert.summary());
        }
        out.flush();
    }
}
