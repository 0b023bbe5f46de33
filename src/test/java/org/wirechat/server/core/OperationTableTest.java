package org.wirechat.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The operation table: complete, one entry per request record, and {@link Chat} refuses it otherwise. */
@Timeout(30)
class OperationTableTest {
    @Test
    void everyRequestRecordHasExactlyOneOperationAndEveryNameIsUnique() {
        List<Operation<?, ?>> table = Operations.table();
        assertThat(table).hasSize(30);
        assertThat(table).extracting(Operation::name).doesNotHaveDuplicates();
        List<Class<?>> requests = table.stream().<Class<?>>map(Operation::request).toList();
        assertThat(requests).containsExactlyInAnyOrder(ChatRequest.class.getPermittedSubclasses());
        assertThat(Chat.index(table)).hasSize(ChatRequest.class.getPermittedSubclasses().length);
    }

    @Test
    void aRequestRecordWithoutAnOperationIsRefusedAtConstruction() {
        List<Operation<?, ?>> table = new ArrayList<>(Operations.table());
        table.removeIf(op -> op.request() == ChatRequest.GroupReceipts.class);
        assertThatThrownBy(() -> Chat.index(table)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no operation for GroupReceipts");
    }

    @Test
    void twoOperationsForOneRequestRecordAreRefusedAtConstruction() {
        List<Operation<?, ?>> table = new ArrayList<>(Operations.table());
        table.add(table.get(0));
        assertThatThrownBy(() -> Chat.index(table)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("two operations for Ping");
    }

    @Test
    void onlyTheMailOperationsNeedTheDeviceHeldAndOnlyTheLoginsAndPingsNoLogin() {
        for (Operation<?, ?> op : Operations.table()) {
            Login expected = switch (op.name()) {
                case "FETCH", "ACK", "NEXT", "SYNC", "SYNC_NEXT" -> Login.HOLDING;
                case "PING", "SERVER_INFO", "CREATE_ACCOUNT", "LOGIN", "LOGIN_DEVICE" -> Login.NONE;
                default -> Login.TOKEN;
            };
            assertThat(op.login()).as(op.name()).isEqualTo(expected);
        }
    }

    @Test
    void theRateClassColumnIsTheSpecsList() {
        for (Operation<?, ?> op : Operations.table()) {
            RateClass expected = switch (op.name()) {
                case "CREATE_ACCOUNT" -> RateClass.ACCOUNT_CREATION;
                case "LOGIN", "LOGIN_DEVICE", "DELETE_ACCOUNT", "CHANGE_PASSWORD" -> RateClass.PASSWORD_CHECK;
                case "SEND" -> RateClass.MESSAGE_TO_GROUP;
                case "SEARCH_MESSAGES" -> RateClass.SEARCH;
                default -> RateClass.NONE;
            };
            assertThat(op.rate()).as(op.name()).isEqualTo(expected);
        }
    }

    @Test
    void aMessageToGroupRowWhoseRequestIsNotASendIsRefusedAtConstruction() {
        assertThatThrownBy(() -> new Operation<>("PING", ChatRequest.Ping.class, ChatResult.Pong.class, Login.NONE,
                RateClass.MESSAGE_TO_GROUP, (q, asker) -> null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only a SEND counts against MESSAGE_TO_GROUP, not Ping");
    }
}
