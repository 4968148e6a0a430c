package io.steadyproxy.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Every setting SteadyProxy knows, with its canonical snake_case key (the JSON key of the seed's
 * {@code proxy_config.json}), its environment variable and its command-line flag.
 */
public enum Key {
    HOST("0.0.0.0"),
    PORT("8000"),
    ADMIN_PORT(null),
    UPSTREAM_URL(null),
    ROUTES(null),
    PRESERVE_HOST("false"),
    MAX_CONNECTIONS("100"),
    MAX_KEEPALIVE_CONNECTIONS("20"),
    KEEPALIVE_EXPIRY("30"),
    CONNECT_TIMEOUT("10"),
    READ_TIMEOUT("60"),
    WRITE_TIMEOUT("10"),
    POOL_TIMEOUT("5"),
    MEMORY_CHECK_INTERVAL("30"),
    MAX_MEMORY_USAGE("500"),
    CLEANUP_THRESHOLD("400"),
    MAX_REQUEST_BODY("0"),
    SHUTDOWN_GRACE_PERIOD("30"),
    ADMIN_TOKEN(null),
    LOG_FILE("proxy.log"),
    LOG_LEVEL("INFO"),
    LOG_MAX_SIZE("10MB"),
    LOG_MAX_FILES("5"),
    ACCESS_LOG("true");

    private final String defaultValue;

    Key(String defaultValue) {
        this.defaultValue = defaultValue;
    }

    /** The JSON/YAML key, e.g. {@code max_connections}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The environment variable, e.g. {@code PROXY_MAX_CONNECTIONS}. */
    public String env() {
        return "PROXY_" + name();
    }

    /** The command-line flag, e.g. {@code --max-connections}. */
    public String flag() {
        return "--" + key().replace('_', '-');
    }

    /** The default as the seed wrote it, if the setting has one. */
    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    /** The key for a JSON/YAML key, accepting {@code max-connections} as well as {@code max_connections}. */
    static Optional<Key> fromKey(String key) {
        String normalized = key.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (Key k : values()) {
            if (k.name().equals(normalized)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
