package io.polybus.cli;

import io.polybus.cli.internal.PolybusCommand;

/** The {@code polybus} command (see {@code bin/polybus}): {@code agent}, {@code validate}, {@code produce}, ... */
public final class PolybusMain {
    private PolybusMain() {
    }

    public static void main(String[] args) {
        System.exit(PolybusCommand.commandLine().execute(args));
    }
}
