package org.wirechat.server.core.account;

import java.time.Duration;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.wirechat.server.PropertyDeadline;

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
        return PropertyDeadline.run(context, property, LIMIT, () -> { });
    }
}
