package org.wirechat.model;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.wirechat.server.Backend;
import org.wirechat.server.PropertyDeadline;

/**
 * The switches every model property of {@code org.wirechat.model} obeys, so that the default suite runs a
 * bounded number of sequences and {@code scripts/model-soak} runs many, on the stores and transports it
 * names. System properties (each optional):
 * <ul>
 *   <li>{@code wirechat.model.tries}: sequences per store × transport (default: the property's own, see
 *       {@link Combo#tries()});
 *   <li>{@code wirechat.model.stores}: a comma list of {@code sqlite}, {@code postgresql} (default both);
 *   <li>{@code wirechat.model.transports}: a comma list of {@code wire}, {@code grpc} (default both).
 * </ul>
 * A property says which combination it runs with {@link Combo} and takes this class's hooks with
 * {@code @AddLifecycleHook(ModelRun.Hook.class)}: a combination not selected is skipped (the report says
 * why), the tries are set from {@code wirechat.model.tries}, and the property has a timeout (jqwik has no
 * {@code @Timeout}): {@link #timeout(int)} for its number of tries, past which its thread is interrupted
 * and the property fails. jqwik prints each property's seed; the property's name says its store and
 * transport.
 */
public final class ModelRun {
    /** The transports a model property can run over. */
    public enum Transport {
        WIRE,
        GRPC
    }

    /** The store and transport a property runs on, and its default number of sequences. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Combo {
        Backend store();

        Transport transport();

        /** Sequences when {@code wirechat.model.tries} is not set. */
        int tries();
    }

    /** Set once the running property is past its timeout: sequences stop at their next step (see {@link #checkTime()}). */
    private static final AtomicBoolean LATE = new AtomicBoolean();

    private ModelRun() {
    }

    /**
     * Throws once the running property is past its timeout. A sequence calls it at each step: socket reads
     * do not heed an interrupt, and jqwik goes on shrinking a failure until every attempt fails at once.
     */
    public static void checkTime() {
        if (LATE.get()) {
            throw new IllegalStateException("the property is past its timeout: sequence stopped");
        }
    }

    /** Sequences per store × transport: {@code wirechat.model.tries}, else {@code fallback}. */
    public static int tries(int fallback) {
        String v = System.getProperty("wirechat.model.tries");
        if (v == null || v.isBlank()) {
            return fallback;
        }
        int n = Integer.parseInt(v.trim());
        if (n < 1) {
            throw new IllegalArgumentException("wirechat.model.tries must be at least 1: " + v);
        }
        return n;
    }

    /** Whether the store is selected by {@code wirechat.model.stores}. */
    public static boolean selected(Backend store) {
        return listed("wirechat.model.stores", store.name(), Set.of("sqlite", "postgresql"));
    }

    /** Whether the transport is selected by {@code wirechat.model.transports}. */
    public static boolean selected(Transport transport) {
        return listed("wirechat.model.transports", transport.name(), Set.of("wire", "grpc"));
    }

    private static boolean listed(String property, String name, Set<String> known) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            return true;
        }
        Set<String> chosen = Arrays.stream(v.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        for (String c : chosen) {
            if (!known.contains(c)) {
                throw new IllegalArgumentException(property + " names " + c + "; known: " + known);
            }
        }
        return chosen.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The hang guard of a property of {@code tries} sequences: a minute, and two seconds a sequence. */
    public static Duration timeout(int tries) {
        return Duration.ofMinutes(1).plus(Duration.ofSeconds(2).multipliedBy(tries));
    }

    /**
     * Skips a {@link Combo} not selected, sets its tries, and interrupts it past {@link #timeout(int)} (with
     * JUnit's same-thread semantics, as the project's {@code PropertyTimeout} does).
     */
    public static final class Hook implements SkipExecutionHook, AroundPropertyHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            Combo combo = context.findAnnotation(Combo.class).orElse(null);
            if (combo == null) {
                return SkipResult.doNotSkip();
            }
            if (!selected(combo.store())) {
                return SkipResult.skip(combo.store() + " not in wirechat.model.stores=" + System.getProperty("wirechat.model.stores"));
            }
            if (!selected(combo.transport())) {
                return SkipResult.skip(combo.transport() + " not in wirechat.model.transports="
                        + System.getProperty("wirechat.model.transports"));
            }
            return SkipResult.doNotSkip();
        }

        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            int tries = context.findAnnotation(Combo.class).map(c -> tries(c.tries()))
                    .orElseGet(() -> context.attributes().tries().orElse(100));
            context.attributes().setTries(tries);
            try {
                return PropertyDeadline.run(context, property, timeout(tries), () -> LATE.set(true));
            } finally {
                LATE.set(false);
            }
        }
    }
}
