package dev.cggm.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;

/**
 * Bearer-token authentication of every call except health checking: a call without
 * {@code authorization: Bearer <token>} metadata, or with another token, is closed with
 * UNAUTHENTICATED before it reaches a service. Installed on the whole server, so a service added
 * later is protected by default; reflection needs the token too.
 */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String SCHEME = "Bearer ";

    private final BearerToken token;

    AuthInterceptor(BearerToken token) {
        this.token = token;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String value = headers.get(AUTHORIZATION);
        String problem = null;
        if (value == null) {
            problem = "missing 'authorization: Bearer <token>' metadata";
        } else if (!value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                || !token.matches(value.substring(SCHEME.length()).strip())) {
            problem = "invalid bearer token";
        }
        if (problem != null) {
            call.close(Status.UNAUTHENTICATED.withDescription(problem), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }
}
