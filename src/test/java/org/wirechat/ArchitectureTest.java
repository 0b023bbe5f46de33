package org.wirechat;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.re2j.BridgeViolationSample;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.ChatClient;
import org.wirechat.protocol.LayeringViolationSample;
import org.wirechat.protocol.Request;
import org.wirechat.server.ResponseFit;
import org.wirechat.server.SeamViolationSample;
import org.wirechat.server.ServerMain;
import org.wirechat.server.cluster.LocalCluster;
import org.wirechat.server.cluster.StoreUsingClusterSample;
import org.wirechat.server.core.CoreViolationSample;
import org.wirechat.server.core.admission.AdmissionViolationSample;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.rules.RulesViolationSample;
import org.wirechat.server.data.DataViolationSample;
import org.wirechat.server.grpc.TransportViolationSample;
import org.wirechat.server.storage.DataUseViolationSample;
import org.wirechat.server.storage.SqliteStore;
import org.wirechat.server.storage.UpwardViolationSample;
import org.wirechat.server.wire.Answerer;
import org.wirechat.server.wire.Session;
import org.wirechat.server.web.WebViolationSample;

/**
 * The layering, checked on the compiled classes: the protocol depends on nothing of ours (nor on any
 * library); clients — the terminal and desktop clients and the load generator — never use the server;
 * the server never uses a client; storage speaks in its own records, not the protocol's, and uses nothing of
 * the server above it; only the boot code knows which store the server has; the server's packages form no
 * cycle but the boot code's (see {@link #NO_CYCLES_AMONG_THE_SERVER_PACKAGES}); the launchers use nothing of
 * ours but by name. The last tests show the rules failing on classes that break them, so they are known to bite.
 */
@Timeout(60)
class ArchitectureTest {
    private static JavaClasses main;

    static final ArchRule PROTOCOL_STANDS_ALONE = classes().that().resideInAPackage("org.wirechat.protocol..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("org.wirechat.protocol..", "java..")
            .because("the protocol is the one part both sides share, and a second implementation reads it alone");

    static final ArchRule CLIENTS_NEVER_USE_THE_SERVER = noClasses()
            .that().resideInAnyPackage("org.wirechat.client..", "org.wirechat.bench..")
            .should().dependOnClassesThat().resideInAPackage("org.wirechat.server..")
            .because("a client speaks the protocol, as any other implementation would");

    static final ArchRule THE_SERVER_NEVER_USES_A_CLIENT = noClasses().that().resideInAPackage("org.wirechat.server..")
            .should().dependOnClassesThat().resideInAnyPackage("org.wirechat.client..", "org.wirechat.bench..")
            .because("the server jar holds no client");

    static final ArchRule LAUNCHERS_USE_NOTHING_OF_OURS = classes().that().resideInAPackage("org.wirechat.launch..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("org.wirechat.launch..", "java..")
            .because("they are compiled for Java 8 to say which Java is needed, and call the real entry point by name");

    static final ArchRule STORAGE_SPEAKS_NO_PROTOCOL = noClasses().that().resideInAPackage("org.wirechat.server.storage..")
            .should().dependOnClassesThat().resideInAPackage("org.wirechat.protocol..")
            .because("storage holds domain records; a transport turns them into its own");

    static final ArchRule GRPC_STAYS_IN_ITS_TRANSPORT = noClasses()
            .that().resideInAnyPackage("org.wirechat.protocol..", "org.wirechat.server.storage..", "org.wirechat.server.core.auth..",
                    "org.wirechat.server.core.inbox..", "org.wirechat.client", "org.wirechat.client.terminal..",
                    "org.wirechat.client.desktop..")
            .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "com.google.protobuf..", "org.wirechat.grpc..")
            .because("gRPC is one transport: the core, storage and the clients above their connection"
                    + " (org.wirechat.client.grpc is the client's gRPC connection) know nothing of it");

    static final ArchRule ONLY_THE_WIRE_TRANSPORT_TOUCHES_SOCKETS = noClasses()
            .that().resideInAPackage("org.wirechat.server..").and().resideOutsideOfPackage("org.wirechat.server.wire..")
            .should().dependOnClassesThat().haveFullyQualifiedName("java.net.Socket")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("javax.net.ssl.SSLSocket")
            .because("the wire protocol's transport (acceptor, session, frame timer, TLS) is the one part that reads and"
                    + " writes its connections; the core and the gRPC transport never do (the server only holds the"
                    + " listening socket Listener.bind made, to close it and say its port)");

    static final ArchRule THE_CORE_KNOWS_NO_TRANSPORT = noClasses()
            .that().resideInAnyPackage("org.wirechat.server.storage..", "org.wirechat.server.core.auth..", "org.wirechat.server.core.inbox..",
                    "org.wirechat.server.cluster..", "org.wirechat.server.core..")
            .should().dependOnClassesThat().resideInAnyPackage("org.wirechat.server.wire..", "org.wirechat.server.grpc..",
                    "org.wirechat.server.web..")
            .because("transports depend on the core, never the other way");

    static final ArchRule STORAGE_USES_NOTHING_ABOVE_IT = noClasses().that().resideInAPackage("org.wirechat.server.storage..")
            .should().dependOnClassesThat().resideInAnyPackage("org.wirechat.server", "org.wirechat.server.wire..",
                    "org.wirechat.server.grpc..", "org.wirechat.server.cluster..", "org.wirechat.server.core",
                    "org.wirechat.server.core.admission..",
                    "org.wirechat.server.core.auth..", "org.wirechat.server.core.inbox..", "org.wirechat.server.core.account..",
                    "org.wirechat.server.tls..", "io.grpc..", "org.wirechat.grpc..", "org.wirechat.server.web..", "io.helidon..")
            .because("the stores are given what they need (the Cluster PostgreSQL implements is a port of the core);"
                    + " the server, its rules and its transports use storage, never the other way");

    /**
     * The libraries the chat core uses beside the JDK and SLF4J, each made for its job: RE2/J (LIST_ACCOUNTS' patterns,
     * linear matching) and the JDK's own {@code javax.crypto} (password hashing). Since step 5 the core uses nothing
     * else outside itself: no storage class (it reaches every store through its ports, {@code core.port.Storage} and
     * the narrow ports it gathers), and no helper of the server's by name — tokens, password hashing, the waiters of a
     * FETCH and the account matcher, the named exceptions of steps 2–5, moved into the core ({@code core.auth},
     * {@code core.inbox}, {@code core.account}); the per-class lists of steps 3–5 are gone, every class of the core
     * being held to this.
     */
    static final Set<String> LIBRARIES_THE_CORE_USES = Set.of("com.google.re2j", "javax.crypto");

    /** The core's own classes, the JDK (not JDBC), SLF4J and the libraries named above. */
    static final DescribedPredicate<JavaClass> THE_CORE_OR_ITS_LIBRARIES = DescribedPredicate.describe(
            "the core, java (but not JDBC's java.sql), SLF4J or " + LIBRARIES_THE_CORE_USES, c -> {
                JavaClass t = c.isArray() ? c.getBaseComponentType() : c;
                String p = t.getPackageName();
                return t.isPrimitive() || p.equals("org.wirechat.server.core") || p.startsWith("org.wirechat.server.core.")
                        || (p.startsWith("java.") && !p.equals("java.sql") && !p.startsWith("java.sql.")) || p.startsWith("org.slf4j")
                        || LIBRARIES_THE_CORE_USES.stream().anyMatch(l -> p.equals(l) || p.startsWith(l + "."));
            });

    /**
     * Our one class in RE2/J's package ({@code PatternSize}'s bound on a pattern's program, which reaches RE2/J's
     * package-private parse tree): the core may use it as part of RE2/J, so it uses nothing but RE2/J and the JDK —
     * never a class of ours, which would let the core reach past {@link #THE_CORE_STANDS_ALONE} through it.
     */
    static final String OUR_RE2J_BRIDGE = "com.google.re2j.ProgramBound";

    static ArchRule re2jBridgeUsesOnlyRe2j(String name) {
        return classes().that().haveFullyQualifiedName(name)
                .should().onlyDependOnClassesThat(DescribedPredicate.describe("RE2/J or java", c -> {
                    JavaClass t = c.isArray() ? c.getBaseComponentType() : c;
                    String p = t.getPackageName();
                    return t.isPrimitive() || p.equals("com.google.re2j") || p.startsWith("java.");
                }))
                .because("the core uses it as RE2/J: it must not carry anything of ours into the core");
    }

    static final ArchRule OUR_RE2J_BRIDGE_USES_ONLY_RE2J = re2jBridgeUsesOnlyRe2j(OUR_RE2J_BRIDGE);

    static final ArchRule THE_CORE_STANDS_ALONE = classes().that().resideInAPackage("org.wirechat.server.core..")
            .should().onlyDependOnClassesThat(THE_CORE_OR_ITS_LIBRARIES)
            .because("the chat rules are written once, for every transport and store: no protocol record, transport,"
                    + " JDBC or store, no helper of the server's; the libraries it uses are named");

    /** The persistence interfaces and their records (docs/architecture.md §2.1, §2.4), which the core and the stores share. */
    static final String PORTS = "org.wirechat.server.core.port";

    static final ArchRule THE_PORTS_STAND_ALONE = classes().that().resideInAPackage(PORTS + "..")
            .should().onlyDependOnClassesThat(DescribedPredicate.describe("the ports or java (but not JDBC's java.sql)", c -> {
                JavaClass t = c.isArray() ? c.getBaseComponentType() : c;
                String p = t.getPackageName();
                return t.isPrimitive() || p.equals(PORTS) || p.startsWith(PORTS + ".")
                        || (p.startsWith("java.") && !p.equals("java.sql") && !p.startsWith("java.sql."));
            }))
            .because("the core and both stores meet here: records and interfaces over ids and times, nothing of either side");

    /** The pure decisions (docs/architecture.md §2.1): the chat rules over the ports' records, with no I/O and no threads. */
    static final String RULES = "org.wirechat.server.core.rules";

    static final ArchRule THE_RULES_ARE_PURE = classes().that().resideInAPackage(RULES + "..")
            .should().onlyDependOnClassesThat(DescribedPredicate.describe(
                    "the rules, the ports, java.lang or java.util, its functions and streams (not its concurrency)", c -> {
                        JavaClass t = c.isArray() ? c.getBaseComponentType() : c;
                        String p = t.getPackageName();
                        return t.isPrimitive() || p.equals(RULES) || p.startsWith(RULES + ".") || p.equals(PORTS)
                                || p.startsWith(PORTS + ".") || p.equals("java.lang") || p.startsWith("java.lang.")
                                || p.equals("java.util") || p.equals("java.util.function") || p.equals("java.util.stream");
                    }))
            .because("a rule decides over what a store's transaction hands it (GroupTx); it reads no file, socket or"
                    + " database itself and knows nothing of the operations above it, so both stores run the same one");


    /**
     * The stores use nothing of the core but its ports: since step 5's first half not even the group rules, which an
     * account's deletion ran inside its transaction until the core handed it its departures ({@code core.port.Departures});
     * since its last part not the send and mark rules either, which a store's writer asks through the port the boot code
     * gives it ({@code core.port.SendDecisions}) instead of calling them by name.
     */
    static final ArchRule STORES_SEE_ONLY_THE_PORTS = noClasses()
            .that().resideInAnyPackage("org.wirechat.server.storage..", "org.wirechat.server.cluster..")
            .should().dependOnClassesThat(DescribedPredicate.describe("the core beyond its ports", c -> {
                String p = c.getPackageName();
                return (p.equals("org.wirechat.server.core") || p.startsWith("org.wirechat.server.core."))
                        && !p.equals(PORTS) && !p.startsWith(PORTS + ".");
            }))
            .because("a store keeps data and answers queries over the ports' records; the rules are the core's");

    /** The admission (connections, buckets, presence, the abuse limits) is below the chat core: the core uses it, never back. */
    static final ArchRule THE_ADMISSION_IS_BELOW_THE_CORE = noClasses().that().resideInAPackage("org.wirechat.server.core.admission..")
            .should().dependOnClassesThat().resideInAPackage("org.wirechat.server.core")
            .because("both transports and the core use the one admission; it knows nothing of the operations above it");

    static final ArchRule TRANSPORTS_ARE_APART = CompositeArchRule.of(noClasses().that().resideInAPackage("org.wirechat.server.wire..")
            .should().dependOnClassesThat().resideInAPackage("org.wirechat.server.grpc..").allowEmptyShould(true))
            .and(noClasses().that().resideInAPackage("org.wirechat.server.grpc..")
                    .should().dependOnClassesThat().resideInAPackage("org.wirechat.server.wire..").allowEmptyShould(true))
            .because("each transport translates to the core alone (WireMapping, GrpcMapping)");

    /** The class that builds the configured store: the one place that may name a concrete store. */
    /**
     * The web transport carries the wire protocol's frames in WebSocket messages: it may use the protocol, the wire's
     * {@code Answerer} (rate, decoding, the core: one path for both), the core's entry point and admission, the root's
     * settings and metrics, and Helidon — nothing of storage, the ports, the cluster or gRPC; and no other part of the
     * server uses Helidon or the web transport (but the boot code, which starts it).
     */
    static final ArchRule THE_WEB_TRANSPORT_ONLY_CARRIES_FRAMES = CompositeArchRule.of(classes().that()
            .resideInAPackage("org.wirechat.server.web..").should().onlyDependOnClassesThat().resideInAnyPackage(
                    "org.wirechat.server.web..", "org.wirechat.server.wire", "org.wirechat.server.core",
                    "org.wirechat.server.core.admission", "org.wirechat.protocol..", "org.wirechat.server",
                    "org.wirechat.server.tls", "io.helidon..", "org.slf4j..", "java..", "javax.net.ssl.."))
            .and(noClasses().that().resideInAPackage("org.wirechat..").and().resideOutsideOfPackage("org.wirechat.server.web..")
                    .should().dependOnClassesThat().resideInAPackage("io.helidon..").allowEmptyShould(true))
            .and(noClasses().that().resideInAnyPackage("org.wirechat.server.wire..", "org.wirechat.server.grpc..")
                    .should().dependOnClassesThat().resideInAPackage("org.wirechat.server.web..").allowEmptyShould(true))
            .because("the web transport only carries the wire protocol's frames; Helidon stays in it");

    static final String STORE_SELECTION = "org.wirechat.server.Stores";

    static final ArchRule ONLY_THE_BOOT_CODE_KNOWS_WHICH_STORE = noClasses()
            .that().resideOutsideOfPackages("org.wirechat.server.storage..", "org.wirechat.server.data..")
            .and().doNotHaveFullyQualifiedName(STORE_SELECTION)
            .should().dependOnClassesThat().haveNameMatching("org\\.wirechat\\.server\\.storage\\.(SqliteStore|PostgresStore)(\\$.*)?")
            .because("the boot code (" + STORE_SELECTION + ") builds the store the configuration names; everything else sees a"
                    + " Storage (and a Cluster), so a third store or a test double needs no change elsewhere and no instanceof");

    /**
     * The data directory's administration (docs/architecture.md §2.1): it checks the SQLite store's directory and
     * opens the store in it for the boot code, and checks, backs up and restores it (online, through the store's
     * {@code Maintenance.backup}, and stopped). It is the SQLite store's alone: the named storage classes (the SQLite
     * store, its schema, the words for its faults, its disk) and the message log's package, the ports' records.
     */
    static final String DATA = "org.wirechat.server.data";

    static final Set<String> STORAGE_THE_DATA_DIRECTORY_USES = Set.of("org.wirechat.server.storage.SqliteStore",
            "org.wirechat.server.storage.Schema", "org.wirechat.server.storage.FaultCause", "org.wirechat.server.storage.StorageIo");

    static final ArchRule THE_DATA_DIRECTORY_IS_ADMINISTRATION = classes().that().resideInAPackage(DATA + "..")
            .should().onlyDependOnClassesThat(DescribedPredicate.describe("server.data, " + STORAGE_THE_DATA_DIRECTORY_USES
                    + ", server.storage.log, the ports, java, SLF4J", c -> {
                        JavaClass t = c.isArray() ? c.getBaseComponentType() : c;
                        String p = t.getPackageName();
                        return t.isPrimitive() || p.equals(DATA) || p.startsWith(DATA + ".") || p.equals(PORTS) || p.startsWith(PORTS + ".")
                                || p.equals("org.wirechat.server.storage.log") || p.startsWith("java.") || p.startsWith("org.slf4j")
                                || STORAGE_THE_DATA_DIRECTORY_USES.contains(t.getName().split("\\$")[0]);
                    }))
            .because("administering the data directory is file and SQLite work over the SQLite store's own files: no chat"
                    + " rule, no transport, no PostgreSQL");

    static final ArchRule ONLY_THE_BOOT_CODE_ADMINISTERS_THE_DATA_DIRECTORY = noClasses()
            .that().resideOutsideOfPackages("org.wirechat.server", DATA + "..")
            .should().dependOnClassesThat().resideInAPackage(DATA + "..")
            .because("the boot code opens the store through it and the administration (socket and offline commands) uses it;"
                    + " the stores, the core and the transports are below it and never reach it");

    /** Each package of the server one slice ({@code storage.log} with {@code storage}), the root package one too. */
    static final SliceAssignment SERVER_PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            if (p.equals("org.wirechat.server")) {
                return SliceIdentifier.of("server");
            }
            if (p.equals(PORTS) || p.startsWith(PORTS + ".")) { // below both the core and the stores (§2.1)
                return SliceIdentifier.of("server.core.port");
            }
            if (p.equals(RULES) || p.startsWith(RULES + ".")) { // below the core, above the ports (§2.1)
                return SliceIdentifier.of("server.core.rules");
            }
            if (p.startsWith("org.wirechat.server.")) {
                return SliceIdentifier.of("server." + p.substring("org.wirechat.server.".length()).split("\\.")[0]);
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the packages of org.wirechat.server";
        }
    };

    /** WireServer and its nested classes: the boot code, which starts the transports. */
    static final DescribedPredicate<JavaClass> THE_BOOT_CODE = DescribedPredicate.describe("the boot code (WireServer)",
            c -> c.getName().equals("org.wirechat.server.WireServer") || c.getName().startsWith("org.wirechat.server.WireServer$"));

    /**
     * No cycle among the server's packages, but one kind that remains: the root package holds both the boot
     * code ({@code WireServer}, which starts {@code wire.Listener}/{@code wire.Session} and {@code grpc.GrpcTransport})
     * and what the transports still use of it ({@code ServerConfig}, {@code ServerMetrics}, {@code ResponseFit}; the
     * chat core has had its own package, {@code server.core}, since step 2 of issue 28), so root↔wire and
     * root↔grpc are cycles through {@code WireServer}'s edges alone. Those edges are ignored here, and only those:
     * once those three leave the root package, the exception goes.
     */
    static final ArchRule NO_CYCLES_AMONG_THE_SERVER_PACKAGES = slices().assignedFrom(SERVER_PACKAGES).should().beFreeOfCycles()
            .ignoreDependency(THE_BOOT_CODE, JavaClass.Predicates.resideInAnyPackage("org.wirechat.server.wire..",
                    "org.wirechat.server.grpc..", "org.wirechat.server.web.."))
            .because("a cycle makes two packages one: neither can be understood, tested or replaced alone");

    /**
     * {@code NO_FULLY_QUALIFIED_NAMES} (docs/architecture.md §2.8), a source check since bytecode keeps no imports: a
     * class of ours, the JDK's or a library's is named by its import, not by its package in the code. A name may be
     * qualified where another class of the same simple name is imported (SLF4J's {@code Logger} beside Logback's);
     * strings, comments and the import and package lines do not count. No file is left out (the send path's two
     * classes were, until step 5 was done with them).
     */

    static final Pattern QUALIFIED_NAME = Pattern.compile("\\b((?:java|javax|org|com|io)\\.[a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*)*)\\.([A-Z]\\w*)");

    /** The lines of {@code sources} (a folder of Java files) that name a class by its package, each with its file and number. */
    static List<String> qualifiedNames(Path sources) throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f);
            Map<String, String> imported = new HashMap<>(); // simple name → the class imported under it
            for (String line : lines) {
                Matcher m = Pattern.compile("^import ([\\w.]+)\\.(\\w+);").matcher(line);
                if (m.find()) {
                    imported.put(m.group(2), m.group(1) + "." + m.group(2));
                }
            }
            boolean inComment = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (inComment) {
                    inComment = !line.contains("*/");
                    continue;
                }
                if (line.startsWith("/*")) {
                    inComment = !line.contains("*/");
                    continue;
                }
                if (line.startsWith("*") || line.startsWith("//") || line.startsWith("import ") || line.startsWith("package ")) {
                    continue;
                }
                String code = line.replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"").replaceAll("//.*", "");
                Matcher m = QUALIFIED_NAME.matcher(code);
                while (m.find()) {
                    String name = m.group(1) + "." + m.group(2);
                    String other = imported.get(m.group(2));
                    if (other == null || other.equals(name)) {
                        found.add(sources.relativize(f) + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        return found;
    }

    /**
     * Our main classes, from target/classes: the jars on the class path hold none of ours, and looking into each
     * of them for the package took most of this class's time (the same classes and dependencies are imported).
     */
    @BeforeAll
    static void importMain() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("org.wirechat");
        assertThat(List.of(ServerMain.class, ChatClient.class, Request.class))
                .as("the rules look at our main classes").allMatch(main::contain);
    }

    @Test
    void theProtocolDependsOnNothingOfOurs() {
        PROTOCOL_STANDS_ALONE.check(main);
    }

    @Test
    void clientsNeverUseTheServer() {
        CLIENTS_NEVER_USE_THE_SERVER.check(main);
    }

    @Test
    void theServerNeverUsesAClient() {
        THE_SERVER_NEVER_USES_A_CLIENT.check(main);
    }

    @Test
    void storageSpeaksNoProtocol() {
        STORAGE_SPEAKS_NO_PROTOCOL.check(main);
    }

    @Test
    void onlyTheWireTransportTouchesSockets() {
        ONLY_THE_WIRE_TRANSPORT_TOUCHES_SOCKETS.check(main);
    }

    @Test
    void theCoreKnowsNoTransport() {
        THE_CORE_KNOWS_NO_TRANSPORT.check(main);
    }

    @Test
    void grpcStaysInItsTransport() {
        GRPC_STAYS_IN_ITS_TRANSPORT.check(main);
    }

    @Test
    void theLaunchersUseNothingOfOurs() {
        LAUNCHERS_USE_NOTHING_OF_OURS.check(main);
    }

    @Test
    void storageUsesNothingAboveIt() {
        STORAGE_USES_NOTHING_ABOVE_IT.check(main);
    }

    @Test
    void onlyTheBootCodeKnowsWhichStore() {
        ONLY_THE_BOOT_CODE_KNOWS_WHICH_STORE.check(main);
    }

    @Test
    void theDataDirectoryIsAdministration() {
        assertThat(STORAGE_THE_DATA_DIRECTORY_USES).as("each name a class of ours").allMatch(main::contain);
        THE_DATA_DIRECTORY_IS_ADMINISTRATION.check(main);
        ONLY_THE_BOOT_CODE_ADMINISTERS_THE_DATA_DIRECTORY.check(main);
    }

    @Test
    void theDataDirectoryReachingPastTheSqliteStoreOrAStoreReachingItBreaksTheRules() {
        JavaClasses beyond = new ClassFileImporter().importClasses(DataViolationSample.class);
        assertBreaks(THE_DATA_DIRECTORY_IS_ADMINISTRATION, beyond,
                "DataViolationSample", "org.wirechat.server.storage.PostgresStore", "org.wirechat.server.core.Chat");
        JavaClasses below = new ClassFileImporter().importClasses(DataUseViolationSample.class);
        assertBreaks(ONLY_THE_BOOT_CODE_ADMINISTERS_THE_DATA_DIRECTORY, below,
                "DataUseViolationSample", "org.wirechat.server.data.DataDirectory");
    }

    @Test
    void mainSourcesNameClassesByTheirImports() throws IOException {
        assertThat(qualifiedNames(Path.of("src/main/java"))).as("fully qualified names in src/main/java").isEmpty();
    }

    @Test
    void aFullyQualifiedNameInCodeIsFound(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("Sample.java"), String.join("\n", "package x;", "import java.util.List;",
                "import ch.qos.logback.classic.Logger;", "/** {@link java.util.Map} in a comment */", "class Sample {",
                "    java.util.Map<String, List<String>> m = new java.util.HashMap<>();", "    String s = \"java.util.Set\";",
                "    org.slf4j.Logger log; // another Logger is imported", "    java.util.List<String> l; // List is imported: no excuse",
                "}"));
        assertThat(qualifiedNames(dir)).containsExactly( // line 6 twice: Map and HashMap
                "Sample.java:6: java.util.Map<String, List<String>> m = new java.util.HashMap<>();",
                "Sample.java:6: java.util.Map<String, List<String>> m = new java.util.HashMap<>();",
                "Sample.java:9: java.util.List<String> l; // List is imported: no excuse");
    }

    @Test
    void theCoreStandsAlone() {
        THE_CORE_STANDS_ALONE.check(main);
    }

    @Test
    void ourRe2jBridgeUsesOnlyRe2j() {
        JavaClasses bridge = new ClassFileImporter().importPackages("com.google.re2j");
        assertThat(bridge.contain(OUR_RE2J_BRIDGE)).as("the bridge is where the rule looks").isTrue();
        OUR_RE2J_BRIDGE_USES_ONLY_RE2J.check(bridge);
    }

    @Test
    void aClassInRe2jsPackageThatUsesOursBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(BridgeViolationSample.class);
        assertBreaks(re2jBridgeUsesOnlyRe2j(BridgeViolationSample.class.getName()), bad,
                "BridgeViolationSample", "org.wirechat.server.storage.SqliteStore");
    }

    @Test
    void transportsAreApart() {
        TRANSPORTS_ARE_APART.check(main);
    }

    @Test
    void aCoreClassThatSpeaksTheProtocolOrNamesAStoreBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(CoreViolationSample.class);
        assertBreaks(THE_CORE_STANDS_ALONE, bad,
                "CoreViolationSample", "org.wirechat.protocol.ErrorCode", "org.wirechat.server.storage.SqliteStore", "java.sql.Connection");
    }

    @Test
    void thePortsStandAlone() {
        THE_PORTS_STAND_ALONE.check(main);
    }

    @Test
    void theRulesArePure() {
        THE_RULES_ARE_PURE.check(main);
    }

    @Test
    void aRuleThatReadsTheDatabaseOrUsesTheCoreBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(RulesViolationSample.class);
        assertBreaks(THE_RULES_ARE_PURE, bad,
                "RulesViolationSample", "java.sql.Connection", "org.wirechat.server.core.Chat");
    }

    @Test
    void theStoresSeeOnlyThePorts() {
        STORES_SEE_ONLY_THE_PORTS.check(main);
    }

    @Test
    void aStoreThatDecidesWithTheCoresRulesBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(UpwardViolationSample.class);
        assertBreaks(STORES_SEE_ONLY_THE_PORTS, bad, "UpwardViolationSample", "org.wirechat.server.core.rules.GroupChange");
    }

    @Test
    void theAdmissionIsBelowTheCore() {
        THE_ADMISSION_IS_BELOW_THE_CORE.check(main);
    }

    @Test
    void anAdmissionClassThatUsesTheCoreBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(AdmissionViolationSample.class);
        assertBreaks(THE_ADMISSION_IS_BELOW_THE_CORE, bad, "AdmissionViolationSample", "org.wirechat.server.core.Chat");
    }

    @Test
    void aGrpcClassThatUsesTheWireTransportBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(TransportViolationSample.class);
        assertBreaks(TRANSPORTS_ARE_APART, bad, "TransportViolationSample", "org.wirechat.server.wire.Session");
    }

    @Test
    void theWebTransportOnlyCarriesFrames() {
        THE_WEB_TRANSPORT_ONLY_CARRIES_FRAMES.check(main);
    }

    @Test
    void aWebClassThatUsesTheStoreBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(WebViolationSample.class);
        assertBreaks(THE_WEB_TRANSPORT_ONLY_CARRIES_FRAMES, bad, "WebViolationSample", "org.wirechat.server.storage.SqliteStore");
    }

    @Test
    void noCyclesAmongTheServerPackages() {
        NO_CYCLES_AMONG_THE_SERVER_PACKAGES.check(main);
    }

    @Test
    void aStorageClassThatUsesTheServerAboveItBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(UpwardViolationSample.class);
        assertBreaks(STORAGE_USES_NOTHING_ABOVE_IT, bad,
                "UpwardViolationSample", "org.wirechat.server.core.auth.Tokens", "org.wirechat.server.cluster.LocalCluster");
    }

    @Test
    void aClassThatAsksWhichStoreItHasBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(SeamViolationSample.class);
        assertBreaks(ONLY_THE_BOOT_CODE_KNOWS_WHICH_STORE, bad, "SeamViolationSample", "PostgresStore");
    }

    @Test
    void aCycleBetweenServerPackagesBreaksTheRule() {
        // storage → cluster (the sample) and cluster → storage (the other sample names the SqliteStore)
        JavaClasses storageAndCluster = new ClassFileImporter().importClasses(UpwardViolationSample.class, LocalCluster.class,
                StoreUsingClusterSample.class, SqliteStore.class);
        assertBreaks(NO_CYCLES_AMONG_THE_SERVER_PACKAGES, storageAndCluster, "Cycle", "server.storage", "server.cluster");
        // root → wire from a class other than the boot code is not excused: the wire transport uses the root back
        JavaClasses rootAndWire = new ClassFileImporter().importClasses(SeamViolationSample.class, Session.class, Answerer.class,
                ResponseFit.class);
        assertBreaks(NO_CYCLES_AMONG_THE_SERVER_PACKAGES, rootAndWire, "Cycle", "SeamViolationSample");
    }

    @Test
    void aProtocolClassThatUsesTheServerBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(LayeringViolationSample.class);
        assertBreaks(PROTOCOL_STANDS_ALONE, bad, "LayeringViolationSample", "org.wirechat.server.");
    }

    /** The rule, checked on {@code classes} (samples that break it), fails naming each of {@code named}. */
    private static void assertBreaks(ArchRule rule, JavaClasses classes, String... named) {
        var failure = assertThatThrownBy(() -> rule.check(classes)).isInstanceOf(AssertionError.class);
        for (String n : named) {
            failure.hasMessageContaining(n);
        }
    }
}
