package org.wirechat.model;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.wirechat.server.PropertyDeadline;

/**
 * The model suite's switches for a concurrent property: skipped unless its {@link On target} is chosen
 * ({@code wirechat.model.stores}, {@code wirechat.model.transports}); {@code -Dwirechat.model.tries=N}
 * replaces the bounded default number of runs (a soak); and a hang guard — jqwik has no {@code @Timeout}
 * — that interrupts the property past a minute a run (each run bounds its own scripts to a minute too).
 */
final class ConcurrentSettings implements SkipExecutionHook, AroundPropertyHook {
    private static final Duration PER_RUN = Duration.ofSeconds(60);

    /** The store and transport a property runs on. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface On {
        ConcurrentTarget value();
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        return context.findAnnotation(On.class).filter(on -> !on.value().selected())
                .map(on -> SkipResult.skip(on.value() + " is not chosen (wirechat.model.stores, wirechat.model.transports)"))
                .orElse(SkipResult.doNotSkip());
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        context.attributes().setTries(ModelRun.tries(context.attributes().tries().orElse(100)));
        return PropertyDeadline.run(context, property, PER_RUN.multipliedBy(context.attributes().tries().orElse(100) + 20L), () -> { }); // shrinking runs too
    }
}
