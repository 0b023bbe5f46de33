package org.wirechat.server.storage;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Locale;
import java.util.regex.Pattern;
import org.wirechat.server.storage.FaultPlan.Fault;
import org.wirechat.server.storage.FaultPlan.Point;

/**
 * A JDBC connection as the real one, but each statement that writes and each commit is a point of the
 * {@link FaultPlan} (dynamic proxies over {@link Connection}, {@link Statement} and
 * {@link PreparedStatement}, so every other method is the driver's own).
 */
final class FaultyJdbc {
    /** Words that make a statement a write; row locks ({@code FOR UPDATE}) alone do not. */
    private static final Pattern WRITES = Pattern.compile("\\b(insert|update|delete|replace|notify|pg_notify)\\b");
    private static final Pattern LOCKS = Pattern.compile("\\bfor (no key )?(update|share)\\b");

    private FaultyJdbc() {
    }

    static Connection connection(Connection real, FaultPlan plan) {
        return (Connection) Proxy.newProxyInstance(FaultyJdbc.class.getClassLoader(), new Class<?>[] {Connection.class},
                new OnConnection(real, plan));
    }

    static boolean writes(String sql) {
        String s = LOCKS.matcher(sql.toLowerCase(Locale.ROOT)).replaceAll("");
        return WRITES.matcher(s).find();
    }

    private static Object call(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Runs {@code op} at a point of the plan: as usual, failed before, failed after, or after an action. */
    private static Object at(FaultPlan plan, Point p, String what, Connection real, Op op) throws Throwable {
        Fault f = plan.reached(p, what);
        if (f == null) {
            return op.run();
        }
        switch (f) {
            case ACTION -> {
                plan.act(real);
                return op.run();
            }
            case IO_ERROR_AFTER -> {
                op.run();
                throw plan.sqlFailure(f);
            }
            default -> throw plan.sqlFailure(f);
        }
    }

    @FunctionalInterface
    private interface Op {
        Object run() throws Throwable;
    }

    private static final class OnConnection implements InvocationHandler {
        private final Connection real;
        private final FaultPlan plan;
        /** The statements that wrote since the last commit or rollback: what a commit is described by. */
        private volatile String lastWrite = "";

        OnConnection(Connection real, FaultPlan plan) {
            this.real = real;
            this.plan = plan;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "commit":
                    try {
                        return at(plan, Point.SQL_COMMIT, "a commit after " + lastWrite, real, () -> call(real, m, args));
                    } finally {
                        lastWrite = "";
                    }
                case "rollback":
                    lastWrite = "";
                    return call(real, m, args);
                case "prepareStatement", "createStatement", "prepareCall": {
                    Statement s = (Statement) call(real, m, args);
                    String sql = args != null && args.length > 0 && args[0] instanceof String q ? q : null;
                    Class<?> type = s instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
                    return Proxy.newProxyInstance(FaultyJdbc.class.getClassLoader(), new Class<?>[] {type},
                            new OnStatement(s, sql, (Connection) proxy, this));
                }
                case "unwrap":
                    return args[0] == Connection.class ? proxy : real.unwrap((Class<?>) args[0]);
                case "isWrapperFor":
                    return args[0] == Connection.class || real.isWrapperFor((Class<?>) args[0]);
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "faulty " + real;
                default:
                    return call(real, m, args);
            }
        }
    }

    private record OnStatement(Statement real, String sql, Connection connection, OnConnection on) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            if (name.startsWith("execute")) {
                String text = args != null && args.length > 0 && args[0] instanceof String q ? q : sql;
                if (name.equals("executeBatch") || name.equals("executeLargeBatch") || text != null && writes(text)) {
                    String shown = text == null ? "a batch" : text.length() > 80 ? text.substring(0, 80) + "…" : text;
                    on.lastWrite = on.lastWrite + shown + "; ";
                    return at(on.plan, Point.SQL_WRITE, "a statement: " + shown, on.real, () -> call(real, m, args));
                }
            }
            return switch (name) {
                case "getConnection" -> connection;
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "faulty " + real;
                default -> call(real, m, args);
            };
        }
    }
}
