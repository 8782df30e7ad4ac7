package dev.cggm.tests;

import dev.cggm.api.v1.CreateExtractionRequest;
import dev.cggm.api.v1.CreateRunRequest;
import dev.cggm.api.v1.DatasetFormat;
import dev.cggm.api.v1.ExtractionOptions;
import dev.cggm.api.v1.FeatureServiceGrpc;
import dev.cggm.api.v1.ListFeatureSetsRequest;
import dev.cggm.api.v1.ListRunsRequest;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.server.CggmServer;
import dev.cggm.server.ServerConfig;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.cggm.tests.GrpcTrainingTest.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's boundaries: bearer tokens on everything but health (reflection included), the
 * token file's checks, TLS with a self-signed certificate made here, the message size limit,
 * and client paths that try to leave the data directory.
 */
class GrpcSecurityTest {
    @Test
    void healthNeedsNoTokenEverythingElseDoes(@TempDir Path tmp) throws Exception {
        CggmServer server = GrpcFixtures.start(tmp);
        ManagedChannel channel = GrpcFixtures.channel(server.port());
        try {
            var health = HealthGrpc.newBlockingStub(channel);
            for (String service : List.of("", "cggm.v1.TrainingService", "cggm.v1.FeatureService")) {
                assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                        health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus());
            }
            var anonymous = TrainingServiceGrpc.newBlockingStub(channel);
            assertStatus(Status.Code.UNAUTHENTICATED, "missing", () -> anonymous.listRuns(ListRunsRequest.getDefaultInstance()));
            assertStatus(Status.Code.UNAUTHENTICATED, "missing", () -> FeatureServiceGrpc.newBlockingStub(channel)
                    .listFeatureSets(ListFeatureSetsRequest.getDefaultInstance()));
            for (String wrong : List.of("wrong-token-0123456789", GrpcFixtures.TOKEN + "x", "")) {
                var stub = TrainingServiceGrpc.newBlockingStub(GrpcFixtures.authed(channel, wrong));
                assertStatus(Status.Code.UNAUTHENTICATED, "invalid", () -> stub.listRuns(ListRunsRequest.getDefaultInstance()));
            }
            assertStatus(Status.Code.UNAUTHENTICATED, "invalid", () -> TrainingServiceGrpc.newBlockingStub(
                    basic(channel)).listRuns(ListRunsRequest.getDefaultInstance()));
            assertEquals(0, GrpcFixtures.training(channel).listRuns(ListRunsRequest.getDefaultInstance()).getRunsCount());

            // reflection: lists the services with the token, UNAUTHENTICATED without
            assertStatus(Status.Code.UNAUTHENTICATED, "missing", () -> listServices(channel));
            List<String> services = listServices(GrpcFixtures.authed(channel, GrpcFixtures.TOKEN));
            assertTrue(services.containsAll(List.of("cggm.v1.TrainingService", "cggm.v1.FeatureService",
                    "grpc.health.v1.Health")), services.toString());
        } finally {
            channel.shutdownNow();
            server.shutdown();
        }
    }

    @Test
    void theTokenFileMustExistHoldATokenAndBePrivate(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Path token = tmp.resolve("token");
        assertTrue(assertThrows(NoSuchFileException.class, () -> CggmServer.start(ServerConfig.defaults(0, data, token)))
                .getMessage().contains("token file not found"));
        Files.writeString(token, "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        assertTrue(assertThrows(IOException.class, () -> CggmServer.start(ServerConfig.defaults(0, data, token)))
                .getMessage().contains("is empty"));
        Files.writeString(token, "short\n");
        assertTrue(assertThrows(IOException.class, () -> CggmServer.start(ServerConfig.defaults(0, data, token)))
                .getMessage().contains("at least 16"));
        Files.writeString(token, GrpcFixtures.TOKEN + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(assertThrows(IOException.class, () -> CggmServer.start(ServerConfig.defaults(0, data, token)))
                .getMessage().contains("chmod 600"));
        // readable by the group (0640) or writable by it (0620) is refused too: owner only, as README says
        for (String open : List.of("rw-r-----", "rw--w----")) {
            Files.setPosixFilePermissions(token, PosixFilePermissions.fromString(open));
            String m = assertThrows(IOException.class, () -> CggmServer.start(ServerConfig.defaults(0, data, token)))
                    .getMessage();
            assertTrue(m.contains("other than its owner") && m.contains(open) && m.contains("chmod 600"), m);
        }
        for (String owner : List.of("rw-------", "r--------")) {
            Files.setPosixFilePermissions(token, PosixFilePermissions.fromString(owner));
            CggmServer.start(ServerConfig.defaults(0, data, token)).shutdown();
        }
    }

    @Test
    void tlsWithASelfSignedCertificate(@TempDir Path tmp) throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        selfSigned(cert, key);
        CggmServer server = CggmServer.start(ServerConfig.defaults(0, GrpcFixtures.dataDir(tmp), GrpcFixtures.tokenFile(tmp))
                .withTls(cert, key));
        ManagedChannel tls = Grpc.newChannelBuilder("localhost:" + server.port(),
                TlsChannelCredentials.newBuilder().trustManager(cert.toFile()).build()).build();
        ManagedChannel plain = GrpcFixtures.channel(server.port());
        try {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                    HealthGrpc.newBlockingStub(tls).check(HealthCheckRequest.getDefaultInstance()).getStatus());
            assertEquals(0, GrpcFixtures.training(tls).listRuns(ListRunsRequest.getDefaultInstance()).getRunsCount());
            assertStatus(Status.Code.UNAUTHENTICATED, "missing",
                    () -> TrainingServiceGrpc.newBlockingStub(tls).listRuns(ListRunsRequest.getDefaultInstance()));
            assertStatus(Status.Code.UNAVAILABLE, "", () -> HealthGrpc.newBlockingStub(plain)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
        } finally {
            tls.shutdownNow();
            plain.shutdownNow();
            server.shutdown();
        }
    }

    @Test
    void requestsAboveTheMessageLimitAreRefusedAndTheServerGoesOn(@TempDir Path tmp) throws Exception {
        CggmServer server = CggmServer.start(ServerConfig.defaults(0, GrpcFixtures.dataDir(tmp), GrpcFixtures.tokenFile(tmp))
                .withMaxMessageBytes(64 << 10));
        ManagedChannel channel = GrpcFixtures.channel(server.port());
        try {
            var stub = GrpcFixtures.training(channel);
            String huge = "x".repeat(100 << 10);
            assertStatus(Status.Code.RESOURCE_EXHAUSTED, "", () -> GrpcFixtures.create(stub, GrpcFixtures.tiny(1)
                    .setFeatures(huge)));
            assertEquals(0, stub.listRuns(ListRunsRequest.getDefaultInstance()).getRunsCount());
            // under the limit but absurd: a precise INVALID_ARGUMENT
            assertStatus(Status.Code.INVALID_ARGUMENT, "options.features:", () -> GrpcFixtures.create(stub,
                    GrpcFixtures.tiny(1).setFeatures("y".repeat(5000))));
        } finally {
            channel.shutdownNow();
            server.shutdown();
        }
    }

    @Test
    void clientPathsCannotLeaveTheDataDirectory(@TempDir Path tmp) throws Exception {
        CggmServer server = GrpcFixtures.start(tmp);
        ManagedChannel channel = GrpcFixtures.channel(server.port());
        Files.createDirectories(tmp.resolve("outside"));
        try {
            var training = GrpcFixtures.training(channel);
            var features = GrpcFixtures.features(channel);
            for (String path : List.of("/etc", "../outside", "features/../../outside", "./../outside")) {
                assertStatus(Status.Code.INVALID_ARGUMENT, "options.features:",
                        () -> GrpcFixtures.create(training, GrpcFixtures.tiny(1).setFeatures(path)));
                ExtractionOptions.Builder o = ExtractionOptions.newBuilder().setDataset("datasets/x")
                        .setFormat(DatasetFormat.DATASET_FORMAT_DEMO);
                assertStatus(Status.Code.INVALID_ARGUMENT, "options.dataset:", () -> features.createExtraction(
                        CreateExtractionRequest.newBuilder().setOptions(o.clone().setDataset(path)).build()));
                assertStatus(Status.Code.INVALID_ARGUMENT, "options.text_encoder:", () -> features.createExtraction(
                        CreateExtractionRequest.newBuilder().setOptions(o.clone().setTextEncoder(path + "/m.onnx")).build()));
                assertStatus(Status.Code.INVALID_ARGUMENT, "options.tokenizer:", () -> features.createExtraction(
                        CreateExtractionRequest.newBuilder().setOptions(o.clone().setTokenizer(path)).build()));
            }
            // and what the server says never shows where its data directory is
            var e = assertThrows(io.grpc.StatusRuntimeException.class, () -> training.createRun(CreateRunRequest
                    .newBuilder().setOptions(GrpcFixtures.tiny(1).setFeatures("features/none")).build()));
            assertTrue(!e.getStatus().getDescription().contains(tmp.toRealPath().toString()), e.getStatus().toString());
        } finally {
            channel.shutdownNow();
            server.shutdown();
        }
    }

    /** A channel presenting the right token with the wrong scheme. */
    private static Channel basic(Channel channel) {
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                "Basic " + GrpcFixtures.TOKEN);
        return io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
    }

    private static List<String> listServices(Channel channel) throws Exception {
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
                new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        result.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    /** A self-signed RSA certificate for localhost / 127.0.0.1 (PEM), and its PKCS#8 key (PEM). */
    static void selfSigned(Path certFile, Path keyFile) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair kp = gen.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        byte[] der = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())).getEncoded();
        Files.writeString(certFile, pem("CERTIFICATE", der), StandardCharsets.US_ASCII);
        Files.writeString(keyFile, pem("PRIVATE KEY", kp.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
