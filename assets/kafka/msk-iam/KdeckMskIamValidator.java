// The server side of MSK IAM for kdeck's tests: a Kafka OAUTHBEARER validator that checks an MSK
// IAM token the way MSK does — the SigV4 presigned URL of kafka-cluster:Connect — against one test
// key. Compiled by scripts/kafka-iam.sh with the JDK and the broker's own jars; not shipped.
//
// JAAS options (listener.name.iam.oauthbearer.sasl.jaas.config):
//   accessKeyId, secretAccessKey, region   the one identity it accepts and the region it is in
//   sessionToken                           optional: then X-Amz-Security-Token must match
// Every refusal is logged to the broker's stderr (logs/stdout.log) with its reason.

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;

import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

public class KdeckMskIamValidator implements AuthenticateCallbackHandler {
    private static final DateTimeFormatter AMZ_DATE =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final long MAX_SKEW_SECONDS = 300;

    private String accessKeyId;
    private String secretAccessKey;
    private String region;
    private String sessionToken;

    @Override
    public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> entries) {
        Map<String, ?> options = entries.get(0).getOptions();
        accessKeyId = (String) options.get("accessKeyId");
        secretAccessKey = (String) options.get("secretAccessKey");
        region = (String) options.get("region");
        sessionToken = (String) options.get("sessionToken");
        if (accessKeyId == null || secretAccessKey == null || region == null) {
            throw new IllegalArgumentException("KdeckMskIamValidator needs accessKeyId, secretAccessKey and region");
        }
    }

    @Override
    public void close() {}

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback c : callbacks) {
            if (!(c instanceof OAuthBearerValidatorCallback)) {
                throw new UnsupportedCallbackException(c);
            }
            OAuthBearerValidatorCallback v = (OAuthBearerValidatorCallback) c;
            try {
                v.token(validate(v.tokenValue()));
            } catch (Refused e) {
                System.err.println("KdeckMskIamValidator: refused: " + e.getMessage());
                v.error("invalid_token", null, null);
            }
        }
    }

    static final class Refused extends Exception {
        Refused(String why) { super(why); }
    }

    private OAuthBearerToken validate(String token) throws Refused {
        String url;
        try {
            url = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Refused("not base64url");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            throw new Refused("not a URL");
        }
        String host = "kafka." + region + ".amazonaws.com";
        if (!"https".equals(uri.getScheme()) || !host.equals(uri.getHost()) || !"/".equals(uri.getRawPath())) {
            throw new Refused("not https://" + host + "/");
        }
        Map<String, String> query = new TreeMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0) throw new Refused("query parameter without a value");
            query.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                      URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        expect(query, "Action", "kafka-cluster:Connect");
        expect(query, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
        expect(query, "X-Amz-SignedHeaders", "host");
        String date = need(query, "X-Amz-Date");
        String scope = date.substring(0, 8) + "/" + region + "/kafka-cluster/aws4_request";
        expect(query, "X-Amz-Credential", accessKeyId + "/" + scope);
        if (sessionToken != null) expect(query, "X-Amz-Security-Token", sessionToken);
        long expires;
        try {
            expires = Long.parseLong(need(query, "X-Amz-Expires"));
        } catch (NumberFormatException e) {
            throw new Refused("X-Amz-Expires is not a number");
        }
        if (expires <= 0 || expires > 900) throw new Refused("X-Amz-Expires out of range: " + expires);
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(date));
        } catch (Exception e) {
            throw new Refused("bad X-Amz-Date");
        }
        Instant now = Instant.now();
        if (now.isAfter(signedAt.plusSeconds(expires))) throw new Refused("token expired at " + signedAt.plusSeconds(expires));
        if (signedAt.isAfter(now.plusSeconds(MAX_SKEW_SECONDS))) throw new Refused("token signed in the future");
        String signature = need(query, "X-Amz-Signature");

        // SigV4: everything but the signature (and the User-Agent appended after signing) is signed
        StringBuilder canonicalQuery = new StringBuilder();
        for (Map.Entry<String, String> e : query.entrySet()) {
            if (Set.of("X-Amz-Signature", "User-Agent").contains(e.getKey())) continue;
            if (canonicalQuery.length() > 0) canonicalQuery.append('&');
            canonicalQuery.append(encode(e.getKey())).append('=').append(encode(e.getValue()));
        }
        // the payload hash of an empty body, as AWS's signers presign it
        String canonical = "GET\n/\n" + canonicalQuery + "\nhost:" + host + "\n\nhost\n" + hex(sha256(""));
        String toSign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex(sha256(canonical));
        byte[] key = hmac(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), date.substring(0, 8));
        key = hmac(key, region);
        key = hmac(key, "kafka-cluster");
        key = hmac(key, "aws4_request");
        String expected = hex(hmac(key, toSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new Refused("signature does not match");
        }
        final long start = now.toEpochMilli();
        final long lifetime = signedAt.plusSeconds(expires).toEpochMilli();
        final String principal = accessKeyId;
        return new OAuthBearerToken() {
            public String value() { return token; }
            public Set<String> scope() { return Set.of(); }
            public long lifetimeMs() { return lifetime; }
            public String principalName() { return principal; }
            public Long startTimeMs() { return start; }
        };
    }

    private static void expect(Map<String, String> q, String k, String want) throws Refused {
        if (!want.equals(q.get(k))) throw new Refused(k + " is not " + want);
    }

    private static String need(Map<String, String> q, String k) throws Refused {
        String v = q.get(k);
        if (v == null || v.isEmpty()) throw new Refused("no " + k);
        return v;
    }

    /** AWS URI encoding: unreserved characters stay, everything else %XX. */
    private static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append(String.format("%%%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder out = new StringBuilder();
        for (byte x : b) out.append(String.format("%02x", x));
        return out.toString();
    }
}
