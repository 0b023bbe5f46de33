package org.wirechat.server.storage;

/**
 * The PostgreSQL database a store connects to, as the configuration gave it ({@code server.PostgresSettings}
 * parses and checks the URL): the password is never in {@code toString()}.
 *
 * @param jdbcUrl the URL for the official driver
 * @param where the host, port and database, for messages (never the user or the password)
 * @param password the password, or an empty array when the server trusts the connection
 * @param poolSize connections the store keeps open to the database
 */
public record PostgresTarget(String jdbcUrl, String where, char[] password, int poolSize) {
    @Override
    public String toString() {
        return "PostgresTarget[" + where + ", password=<redacted>, poolSize=" + poolSize + "]";
    }
}
