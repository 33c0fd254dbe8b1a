package io.polybus.spring.internal;

import io.polybus.Brokers;
import io.polybus.Config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code polybus.broker.*} as Spring bound it, turned into the broker's {@link Config}. */
public final class BrokerSection {
    /** Spring binds the items of a YAML list as keys of their own: {@code bootstrap-servers.0}, {@code .1}, ... */
    private static final Pattern LIST_ITEM = Pattern.compile("(.+)\\.(\\d+)");

    private BrokerSection() {
    }

    /**
     * The broker configuration, lists joined with commas as {@link Config#of(Map)} does, {@code type} defaulting
     * to {@code memory}, validated by the broker module's keys.
     *
     * @throws io.polybus.ConfigException naming every bad key as {@code polybus.broker.<key>}
     */
    public static Config config(Map<String, String> bound) {
        Map<String, String> keys = new LinkedHashMap<>();
        Map<String, TreeMap<Integer, String>> lists = new LinkedHashMap<>();
        bound.forEach((key, value) -> {
            Matcher item = LIST_ITEM.matcher(key);
            if (item.matches()) {
                lists.computeIfAbsent(item.group(1), k -> new TreeMap<>()).put(Integer.parseInt(item.group(2)), value);
            } else {
                keys.put(key, value);
            }
        });
        lists.forEach((key, items) -> keys.put(key, String.join(",", items.values())));
        return Brokers.section(keys, "polybus.broker");
    }
}
