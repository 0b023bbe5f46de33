package org.wirechat.server.web;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A real headless Chromium (Debian's {@code chromium}), driven by Selenium through Debian's {@code chromedriver}, with a
 * fresh profile. Without the two programs the tests that need it are skipped, saying why, unless
 * {@code WIRECHAT_REQUIRE_BROWSER} is set (as {@code .ci/run} sets it): then they fail. One per test class: Chromium
 * takes a second or two to start.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("WIRECHAT_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("WIRECHAT_CHROMEDRIVER", "/usr/bin/chromedriver"));

    final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts Chromium, or skips the calling test (fails it under {@code WIRECHAT_REQUIRE_BROWSER}) if it is not installed. */
    static Browser start() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && System.getenv("WIRECHAT_REQUIRE_BROWSER") != null) {
            throw new AssertionError("no " + CHROMIUM + " or " + CHROMEDRIVER + ", and WIRECHAT_REQUIRE_BROWSER is set (as .ci/run"
                    + " sets it): apt-get install chromium chromium-driver");
        }
        assumeTrue(installed, "the browser tests need Chromium and ChromeDriver (" + CHROMIUM + ", " + CHROMEDRIVER
                + "): apt-get install chromium chromium-driver");
        Path profile;
        try {
            profile = Files.createTempDirectory("wirechat-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // no network of its own (this machine's is closed, and a test needs none): only the pages it is sent to
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(30)).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return new Browser(driver, profile);
    }

    /** What the page logged to its console (errors, CSP violations among them) since the last call. */
    List<String> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(e -> e.getLevel() + " " + e.getMessage()).toList();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory left behind
            }
        }
    }
}
