/** The in-process broker: {@code type: memory}, the embedded default. See docs/memory.md. */
package io.polybus.memory;
