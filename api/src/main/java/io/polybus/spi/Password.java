package io.polybus.spi;

/** A secret configuration value. Its {@code toString} never shows it; call {@link #value()} where it is used. */
public final class Password {
    private final String value;

    public Password(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return "[hidden]";
    }
}
