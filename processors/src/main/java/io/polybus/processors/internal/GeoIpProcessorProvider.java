package io.polybus.processors.internal;

import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.AsnResponse;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import com.maxmind.geoip2.record.Location;
import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.SharedFields;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code geoip}: the country, city, location and autonomous system of an IP address field, looked up with MaxMind's
 * reader in the {@code .mmdb} databases the user supplies (GeoLite2 or GeoIP2 City, Country and ASN, DB-IP's
 * files of the same formats). Private, loopback and link-local addresses are tagged, not looked up; a value that is
 * not an IP address is tagged; neither is dropped. Each processor keeps the results of its latest distinct
 * addresses.
 */
public final class GeoIpProcessorProvider implements ProcessorProvider {
    static final String PRIVATE = "_geoip_private";
    static final String INVALID = "_geoip_invalid";
    static final String NOT_FOUND = "_geoip_not_found";
    static final String FAILURE = "_geoip_lookup_failure";
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "geoip")
            .define("field", Type.STRING, "remote_addr", "The field holding the IP address (v4 or v6).")
            .defineRequired("databases", Type.LIST, ConfigDef.nonEmpty(),
                    "Paths of MaxMind `.mmdb` files, each a City, Country or ASN database, e.g. `[/var/lib/GeoIP/GeoLite2-City.mmdb, /var/lib/GeoIP/GeoLite2-ASN.mmdb]`.")
            .define("target", Type.STRING, "geo", "Where `country`, `country_name`, `city`, `location` (`lat`, `lon`), `asn` and `as_org` go (a field path).")
            .define("cache-size", Type.INT, "10000", ConfigDef.atLeast(0), "How many distinct addresses' results are kept (0: none).")
            .build();

    private enum Kind { CITY, COUNTRY, ASN }

    private record Database(DatabaseReader reader, Kind kind) {
    }

    /** What one address gave: the fields, or none and a tag. */
    private record Result(SharedFields fields, String tag) {
    }

    @Override
    public String type() {
        return "geoip";
    }

    @Override
    public String description() {
        return "Country, city, location and ASN of an IP address from MaxMind .mmdb databases, with a cache; tags private and invalid addresses.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        FieldPath field = FieldPath.of(config, "field");
        FieldPath target = FieldPath.of(config, "target");
        List<Database> databases = new ArrayList<>();
        for (String path : config.getList("databases")) {
            databases.add(open(path, config.pathOf("databases")));
        }
        LookupCache<Result> cache = new LookupCache<>(config.getInt("cache-size"));
        return (event, chain) -> {
            Object v = event.get(field);
            if (v != null) {
                Result r = cache.get(String.valueOf(v), text -> lookup(text, databases));
                if (r.tag() != null) {
                    event.tag(r.tag());
                } else {
                    event.set(target, r.fields());
                }
            }
            chain.proceed(event);
        };
    }

    private static Database open(String path, String key) {
        DatabaseReader reader;
        try {
            reader = new DatabaseReader.Builder(new File(path)).fileMode(Reader.FileMode.MEMORY_MAPPED)
                    .locales(List.of("en")).build();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(key, path, "cannot be read as a MaxMind database: " + e.getMessage());
        }
        String type = reader.getMetadata().getDatabaseType();
        String t = type.toUpperCase(Locale.ROOT);
        Kind kind = t.contains("ASN") ? Kind.ASN : t.contains("CITY") ? Kind.CITY : t.contains("COUNTRY") ? Kind.COUNTRY : null;
        if (kind == null) {
            throw new ConfigException(key, path, "is a '" + type + "' database; expected a City, Country or ASN database");
        }
        return new Database(reader, kind);
    }

    private static Result lookup(String text, List<Database> databases) {
        InetAddress address = literal(text.strip());
        if (address == null) {
            return new Result(null, INVALID);
        }
        if (isPrivate(address)) {
            return new Result(null, PRIVATE);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            for (Database db : databases) {
                switch (db.kind()) {
                    case CITY -> db.reader().tryCity(address).ifPresent(c -> city(c, out));
                    case COUNTRY -> db.reader().tryCountry(address).ifPresent(c -> country(c, out));
                    case ASN -> db.reader().tryAsn(address).ifPresent(a -> asn(a, out));
                }
            }
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            return new Result(null, FAILURE);
        }
        return out.isEmpty() ? new Result(null, NOT_FOUND) : new Result(SharedFields.of(out), null);
    }

    private static void country(CountryResponse c, Map<String, Object> out) {
        putIfPresent(out, "country", c.getCountry().getIsoCode());
        putIfPresent(out, "country_name", c.getCountry().getName());
    }

    private static void city(CityResponse c, Map<String, Object> out) {
        putIfPresent(out, "country", c.getCountry().getIsoCode());
        putIfPresent(out, "country_name", c.getCountry().getName());
        putIfPresent(out, "city", c.getCity().getName());
        Location l = c.getLocation();
        if (l.getLatitude() != null && l.getLongitude() != null) {
            Map<String, Object> location = new LinkedHashMap<>();
            location.put("lat", l.getLatitude());
            location.put("lon", l.getLongitude());
            out.put("location", location);
        }
    }

    private static void asn(AsnResponse a, Map<String, Object> out) {
        putIfPresent(out, "asn", a.getAutonomousSystemNumber());
        putIfPresent(out, "as_org", a.getAutonomousSystemOrganization());
    }

    private static void putIfPresent(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    /** The address written in {@code s} (never a name lookup), or null when it is not an IPv4 or IPv6 literal. */
    static InetAddress literal(String s) {
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                    return null;
                }
            }
            try {
                return InetAddress.getByName(s);
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            int n = Integer.parseInt(p);
            if (n > 255) {
                return null;
            }
            bytes[i] = (byte) n;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Private (RFC 1918, RFC 4193, shared 100.64/10), loopback, link-local, unspecified or multicast. */
    static boolean isPrivate(InetAddress a) {
        byte[] b = a.getAddress();
        boolean ula = b.length == 16 && (b[0] & 0xfe) == 0xfc;
        boolean shared = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
        return a.isSiteLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress() || ula || shared;
    }
}
