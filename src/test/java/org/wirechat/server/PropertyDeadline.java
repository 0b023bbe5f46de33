package org.wirechat.server;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * JUnit's {@code @Timeout} for a jqwik property (jqwik has none), with JUnit's same-thread semantics: past
 * its limit the property's thread is interrupted, and the property fails once it returns. A hang guard,
 * not a speed check. (jqwik needs its own thread to run the property, so this cannot move it to another.)
 * The one guard every property hook of the suite uses.
 */
public final class PropertyDeadline {
    private PropertyDeadline() {
    }

    /** Runs the property; past {@code limit}, {@code onLate} runs and the property's thread is interrupted. */
    public static PropertyExecutionResult run(PropertyLifecycleContext context, PropertyExecutor property, Duration limit,
            Runnable onLate) {
        Thread runner = Thread.currentThread();
        AtomicBoolean late = new AtomicBoolean();
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        ScheduledFuture<?> alarm = watch.schedule(() -> {
            late.set(true);
            onLate.run();
            runner.interrupt();
        }, limit.toMillis(), TimeUnit.MILLISECONDS);
        try {
            PropertyExecutionResult result = property.execute();
            alarm.cancel(false);
            return late.get() ? result.mapToFailed(context.label() + " did not finish within " + limit) : result;
        } finally {
            watch.shutdownNow();
            Thread.interrupted(); // an alarm that fired as the property ended must not leak into the next one
        }
    }
}
