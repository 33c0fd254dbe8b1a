/** The {@code polybus} command: {@link io.polybus.cli.PolybusMain}. */
package io.polybus.cli;
