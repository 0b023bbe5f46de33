package org.wirechat.launch;

import java.lang.reflect.InvocationTargetException;

/**
 * The first class either jar runs, compiled for Java 8 so that it loads on any Java a person may have
 * on the PATH: on a Java older than wirechat needs it says so in plain words (exit status 2) instead of
 * letting the JVM fail with {@code UnsupportedClassVersionError}; on a new enough one it hands over to
 * the real main class. Nothing else in wirechat may use it.
 */
public final class Launcher {
    /** The Java feature release wirechat is built for. */
    public static final int MIN_JAVA = 21;

    private Launcher() {
    }

    /** The feature release of a {@code java.specification.version} ("1.8" is 8, "17" is 17). */
    static int feature(String specificationVersion) {
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int dot = v.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static void launch(String mainClass, String script, String[] args) throws Throwable {
        int running = feature(System.getProperty("java.specification.version", "0"));
        if (running < MIN_JAVA) {
            System.err.println("wirechat needs Java " + MIN_JAVA + " or newer; this is Java " + running + " at "
                    + System.getProperty("java.home") + ". Use scripts/" + script
                    + " (it finds a newer JDK by itself), or set JAVA_HOME and PATH to a Java " + MIN_JAVA
                    + " or newer: Eclipse Temurin 21 or 25, or an openjdk-21 package where your system has one (see the README).");
            System.exit(2);
        }
        try {
            Class.forName(mainClass).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
