package org.wirechat.server.account;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * JUnit's {@code @Timeout} for a jqwik property (jqwik has none), with JUnit's same-thread semantics:
 * past {@link #LIMIT} the property's thread is interrupted, and the property fails once it returns.
 * A hang guard, not a speed check. (jqwik needs its own thread to run the property, so this cannot
 * move it to another.)
 */
class PropertyTimeout implements AroundPropertyHook {
    static final Duration LIMIT = Duration.ofSeconds(120);

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        Thread runner = Thread.currentThread();
        AtomicBoolean late = new AtomicBoolean();
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        ScheduledFuture<?> alarm = watch.schedule(() -> {
            late.set(true);
            runner.interrupt();
        }, LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            PropertyExecutionResult result = property.execute();
            alarm.cancel(false);
            return late.get() ? result.mapToFailed(context.label() + " did not finish within " + LIMIT) : result;
        } finally {
            watch.shutdownNow();
            Thread.interrupted(); // an alarm that fired as the property ended must not leak into the next one
        }
    }
}
