package org.wirechat.model;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.wirechat.server.Backend;
import org.wirechat.server.PropertyDeadline;

/**
 * The model suite's settings, from system properties, for a kill property: {@code wirechat.model.tries}
 * (sequences per property; the default suite's few when unset), {@code wirechat.model.stores} (a comma
 * list of {@code sqlite}, {@code postgresql}; both by default: a property of a store not listed is
 * skipped), {@code wirechat.model.transports} ({@code wire}, {@code grpc}; both by default),
 * {@code wirechat.model.seed} (jqwik's seed, to run a reported failure again). Also the
 * property's hang guard (jqwik has no {@code @Timeout}): past a minute a sequence, the property's thread
 * is interrupted and the property fails — never a speed check.
 */
final class KillSettings implements AroundPropertyHook, SkipExecutionHook {
    /** Sequences per store in the default suite: each starts the server once, and once more per kill. */
    static final int DEFAULT_TRIES = 1;
    private static final Duration PER_SEQUENCE = Duration.ofSeconds(60);

    static int tries() {
        return ModelRun.tries(DEFAULT_TRIES);
    }

    /** The transports chosen ({@code wirechat.model.transports}), in lower case: {@code wire}, {@code grpc}. */
    static List<String> transports() {
        return Arrays.stream(ModelRun.Transport.values()).filter(ModelRun::selected)
                .map(t -> t.name().toLowerCase(Locale.ROOT)).toList();
    }

    /** The store a property is for, from its name: {@code sqlite…} or {@code postgresql…}. */
    private static Backend store(LifecycleContext context) {
        return context.label().toLowerCase(Locale.ROOT).startsWith("postgresql") ? Backend.POSTGRESQL : Backend.SQLITE;
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        Backend store = store(context);
        return ModelRun.selected(store) ? SkipResult.doNotSkip()
                : SkipResult.skip(store + " is not in wirechat.model.stores=" + System.getProperty("wirechat.model.stores"));
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        context.attributes().setTries(tries());
        String seed = System.getProperty("wirechat.model.seed", "");
        if (!seed.isBlank()) {
            context.attributes().setSeed(seed.strip());
        }
        return PropertyDeadline.run(context, property, PER_SEQUENCE.multipliedBy(tries() + 2L), () -> { });
    }
}
