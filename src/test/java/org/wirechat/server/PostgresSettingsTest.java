package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PostgresSettingsTest {
    @Test
    void aUrlBecomesTheDriversAndSaysWhereWithoutTheUser() {
        PostgresSettings s = new PostgresSettings("postgresql://db.example.org:5433/chat?user=wirechat&sslmode=verify-full",
                "s3cret".toCharArray(), 16);
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.org:5433/chat?user=wirechat&sslmode=verify-full");
        assertThat(s.where()).isEqualTo("db.example.org:5433/chat");
        assertThat(new PostgresSettings("postgresql://db/chat", null, 2).where()).isEqualTo("db:5432/chat");
    }

    @Test
    void thePasswordNeverShowsAndIsRefusedInTheUrl() {
        PostgresSettings s = new PostgresSettings("postgresql://db/chat?user=wirechat", "s3cret".toCharArray(), 16);
        assertThat(s.toString()).doesNotContain("s3cret").contains("<redacted>");
        assertThatThrownBy(() -> new PostgresSettings("postgresql://db/chat?user=u&password=s3cret", null, 16))
                .hasMessageContaining("WIRECHAT_DB_PASSWORD").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> new PostgresSettings("postgresql://db/chat?user=u&PASSWORD=s3cret", null, 16))
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> new PostgresSettings("postgresql://u:s3cret@db/chat", null, 16))
                .hasMessageContaining("WIRECHAT_DB_PASSWORD").hasMessageNotContaining("s3cret");
    }

    @Test
    void malformedUrlsAndPoolsAreRefusedClearly() {
        assertThatThrownBy(() -> new PostgresSettings("mysql://db/chat", null, 16)).hasMessageContaining("postgresql://HOST");
        assertThatThrownBy(() -> new PostgresSettings("postgresql://db", null, 16)).hasMessageContaining("a host and a database");
        assertThatThrownBy(() -> new PostgresSettings("postgresql://db/", null, 16)).hasMessageContaining("a host and a database");
        assertThatThrownBy(() -> new PostgresSettings("postgresql://db/chat", null, 1)).hasMessageContaining("at least 2");
        assertThat(new PostgresSettings("postgresql://db/chat", null, 2).poolSize()).isEqualTo(2);
    }
}
