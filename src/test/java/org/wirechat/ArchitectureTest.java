package org.wirechat;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.protocol.LayeringViolationSample;

/**
 * The layering, checked on the compiled classes: the protocol depends on nothing of ours (nor on any
 * library); clients — the terminal and desktop clients and the load generator — never use the server;
 * the server never uses a client; storage speaks in its own records, not the protocol's; the launchers use
 * nothing of ours but by name. The last test shows a
 * rule failing on a class that breaks it, so the rules are known to bite.
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
            .that().resideInAnyPackage("org.wirechat.protocol..", "org.wirechat.server.storage..", "org.wirechat.server.auth..",
                    "org.wirechat.server.inbox..", "org.wirechat.client", "org.wirechat.client.terminal..",
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
            .that().resideInAnyPackage("org.wirechat.server.storage..", "org.wirechat.server.auth..", "org.wirechat.server.inbox..",
                    "org.wirechat.server.cluster..", "org.wirechat.server.abuse..")
            .should().dependOnClassesThat().resideInAnyPackage("org.wirechat.server.wire..", "org.wirechat.server.grpc..")
            .because("transports depend on the core, never the other way");

    @BeforeAll
    static void importMain() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.wirechat");
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
    void aProtocolClassThatUsesTheServerBreaksTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(LayeringViolationSample.class);
        assertThatThrownBy(() -> PROTOCOL_STANDS_ALONE.check(bad)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("LayeringViolationSample").hasMessageContaining("org.wirechat.server.");
    }
}
