package org.wirechat.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Locale;
import org.wirechat.server.storage.PostgresTarget;

/**
 * Where the shared PostgreSQL database is: a {@code postgresql://HOST[:PORT]/DB[?user=NAME&...]} URL
 * (the form {@code psql} takes) and a password kept apart from it. The password never appears in
 * {@code toString()}, and a URL carrying one is refused, so that it stays off command lines and logs.
 *
 * @param url the URL as given, without a password
 * @param password the password, or an empty array when the server trusts the connection
 * @param poolSize connections this server keeps open to the database
 */
public record PostgresSettings(String url, char[] password, int poolSize) {
    public static final int DEFAULT_POOL_SIZE = 16;

    public PostgresSettings {
        parse(url);
        if (password == null) {
            password = new char[0];
        }
        if (poolSize < 2) {
            throw new IllegalArgumentException("the PostgreSQL pool needs at least 2 connections: " + poolSize);
        }
    }

    /** The JDBC URL for the official driver. */
    public String jdbcUrl() {
        return "jdbc:" + url;
    }

    /** What the PostgreSQL store connects to. */
    public PostgresTarget target() {
        return new PostgresTarget(jdbcUrl(), where(), password, poolSize);
    }

    /** The host, port and database, for messages (never the user or the password). */
    public String where() {
        URI u = parse(url);
        return u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath();
    }

    private static URI parse(String url) {
        if (url == null || !url.startsWith("postgresql://")) {
            throw new IllegalArgumentException("the store must be a URL like postgresql://HOST:PORT/DATABASE?user=NAME, not: "
                    + (url == null ? "nothing" : url.replaceAll(":[^/@:]*@", ":***@")));
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the store URL is malformed: " + e.getReason());
        }
        if (u.getHost() == null || u.getPath() == null || u.getPath().length() < 2) {
            throw new IllegalArgumentException("the store URL needs a host and a database: postgresql://HOST:PORT/DATABASE");
        }
        String query = u.getRawQuery() == null ? "" : u.getRawQuery().toLowerCase(Locale.ROOT);
        if (u.getRawUserInfo() != null && u.getRawUserInfo().contains(":") || ("&" + query).contains("&password=")) {
            throw new IllegalArgumentException("put the database password in WIRECHAT_DB_PASSWORD or --store-password-file,"
                    + " not in the store URL (command lines are visible to every user of the machine)");
        }
        return u;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PostgresSettings p && p.url.equals(url) && Arrays.equals(p.password, password) && p.poolSize == poolSize;
    }

    @Override
    public int hashCode() {
        return url.hashCode();
    }

    @Override
    public String toString() {
        return "PostgresSettings[url=" + url + ", password=<redacted>, poolSize=" + poolSize + "]";
    }
}
