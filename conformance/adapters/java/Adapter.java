// A sealmail stdio adapter in Java 17 with the JDK only (protocol: conformance/FRAMEWORK.md, "Adapters in any language").
//
//   sealmail conformance run netcore-email --client-cmd 'java Adapter.java netcore-email'   (or ncp-mailer, netcore-ce)
//
// SEALMAIL_BROKEN=reuse-iv makes one deliberate mistake: netcore-email reuses its first IV (fails NE-IV-FRESH).
// The JDK has no JSON library, so the small reader and writer at the end of this file stand in for one.

import java.io.*;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.*;
import java.security.SecureRandom;
import java.time.*;
import java.time.format.DateTimeFormatter;
import java.util.*;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.*;
import static java.nio.charset.StandardCharsets.UTF_8;

public class Adapter {
    static final String BROKEN = System.getenv().getOrDefault("SEALMAIL_BROKEN", "");
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final SecureRandom RANDOM = new SecureRandom();

    interface Provider { Object call(String method, Map<String, Object> params) throws Exception; }

    /** Thrown for an error answer: the adapter's client failed (the suite's "raised"). */
    static class ClientError extends Exception {
        final int code;
        ClientError(int code, String message) { super(message); this.code = code; }
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws IOException {
        var in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
        var out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, UTF_8);
        Provider provider = null;
        for (String line; (line = in.readLine()) != null; ) {
            var request = (Map<String, Object>) Json.parse(line);
            var params = (Map<String, Object>) request.get("params");
            var answer = new LinkedHashMap<String, Object>(Map.of("jsonrpc", "2.0"));
            answer.put("id", request.get("id"));
            try {
                if ("init".equals(request.get("method"))) {
                    var baseUrl = ((String) params.get("base_url")).replaceAll("/$", "");
                    provider = start(args.length > 0 ? args[0] : "", baseUrl, (Map<String, Object>) params.get("config"));
                    answer.put("result", null);
                } else {
                    answer.put("result", provider.call((String) request.get("method"), params));
                }
            } catch (Exception error) {
                var code = error instanceof ClientError c ? c.code : 1;
                answer.put("error", Map.of("code", code, "message", String.valueOf(error.getMessage())));
            }
            out.println(Json.write(answer));
        }
    }

    static Provider start(String provider, String baseUrl, Map<String, Object> config) {
        return switch (provider) {
            case "netcore-email" -> new NetcoreEmail(baseUrl, config);
            case "ncp-mailer" -> new NcpMailer(baseUrl, config);
            case "netcore-ce" -> new NetcoreCe(baseUrl, config);
            default -> throw new IllegalArgumentException("usage: java Adapter.java netcore-email|ncp-mailer|netcore-ce");
        };
    }

    /** Send a request; the parsed JSON body of a 2xx answer, a ClientError otherwise. */
    static Object send(HttpRequest.Builder request) throws Exception {
        var response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        if (response.statusCode() >= 300) {
            var text = response.body();
            throw new ClientError(response.statusCode(), "HTTP " + response.statusCode() + ": " + text.substring(0, Math.min(300, text.length())));
        }
        return response.body().isEmpty() ? null : Json.parse(response.body());
    }

    static byte[] random(int size) {
        var bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    static String base64(byte[] bytes) { return Base64.getEncoder().encodeToString(bytes); }

    /** Netcore Email v6: AES-256-GCM, a fresh key and IV per request, base64(ciphertext || tag). */
    record NetcoreEmail(String baseUrl, Map<String, Object> config, byte[] firstIv) implements Provider {
        NetcoreEmail(String baseUrl, Map<String, Object> config) { this(baseUrl, config, random(12)); }

        public Object call(String method, Map<String, Object> params) throws Exception {
            if (!method.equals("send")) throw new ClientError(-32601, "no method " + method);
            byte[] key = random(32), iv = BROKEN.equals("reuse-iv") ? firstIv : random(12);
            var cipher = Cipher.getInstance("AES/GCM/NoPadding");          // Java appends the 16-byte tag
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            var sealed = cipher.doFinal(Json.write(params.get("message")).getBytes(UTF_8));
            return send(HttpRequest.newBuilder(URI.create(baseUrl + "/v6/mail/send"))
                .header("Authorization", "Bearer " + config.get("api_key"))
                .header("Content-Type", "application/json")
                .header("X-Encryption", "1").header("X-Encryption-Version", "2")
                .header("X-AES-KEY", base64(key)).header("X-AES-IV", base64(iv))
                .POST(HttpRequest.BodyPublishers.ofString(base64(sealed))));
        }
    }

    /** NAVER Cloud Outbound Mailer: every request signed with HMAC-SHA256 over "METHOD URI\nTIMESTAMP\nACCESSKEY". */
    record NcpMailer(String baseUrl, Map<String, Object> config) implements Provider {
        static String encode(Object text) {                                // RFC 3986: unreserved characters kept
            return URLEncoder.encode(String.valueOf(text), UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
        }

        @SuppressWarnings("unchecked")
        public Object call(String method, Map<String, Object> params) throws Exception {
            var id = encode(params.get("request_id"));
            return switch (method) {
                case "send" -> request("POST", "/mails", Map.of(), Json.write(params.get("mail")));
                case "request_status" -> request("GET", "/mails/requests/" + id + "/status", Map.of(), null);
                case "list_mails" -> request("GET", "/mails/requests/" + id + "/mails", (Map<String, Object>) params.get("query"), null);
                default -> throw new ClientError(-32601, "no method " + method);
            };
        }

        Object request(String method, String path, Map<String, Object> query, String body) throws Exception {
            var pairs = new StringJoiner("&");
            query.forEach((name, value) -> {
                for (var item : value instanceof List<?> list ? list : List.of(value)) pairs.add(encode(name) + "=" + encode(item));
            });
            var uri = "/api/v1" + path + (pairs.length() > 0 ? "?" + pairs : "");   // signed exactly as sent
            var timestamp = String.valueOf(System.currentTimeMillis());        // epoch milliseconds, per request
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(((String) config.get("secret_key")).getBytes(UTF_8), "HmacSHA256"));
            var signature = base64(mac.doFinal((method + " " + uri + "\n" + timestamp + "\n" + config.get("access_key")).getBytes(UTF_8)));
            var request = HttpRequest.newBuilder(URI.create(baseUrl + uri))
                .header("x-ncp-apigw-timestamp", timestamp)
                .header("x-ncp-iam-access-key", (String) config.get("access_key"))
                .header("x-ncp-apigw-signature-v2", signature);
            if (body == null) return send(request.GET());
            return send(request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body, UTF_8)));
        }
    }

    /** Netcore CE activity upload: 11256 CBC base64, 11257 CBC hex (shared key and IV strings), 11258 GCM. */
    record NetcoreCe(String baseUrl, Map<String, Object> config) implements Provider {
        static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        static final DateTimeFormatter UTC_Z = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'");

        static String randomText(int length) {
            var text = new StringBuilder();
            for (int i = 0; i < length; i++) text.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
            return text.toString();
        }

        @SuppressWarnings("unchecked")
        public Object call(String method, Map<String, Object> params) throws Exception {
            if (method.equals("generate_key_and_iv")) return List.of(randomText(32), randomText(16));
            if (!method.equals("upload")) throw new ClientError(-32601, "no method " + method);
            var activities = new ArrayList<Object>();
            for (var item : (List<Map<String, Object>>) params.get("events")) {
                var activity = new LinkedHashMap<String, Object>();
                activity.put("asset_id", config.get("asset"));
                activity.put("activity_name", item.get("name"));
                activity.put("timestamp", OffsetDateTime.parse((String) item.get("occurred_at")).atZoneSameInstant(ZoneOffset.UTC).format(UTC_Z));
                activity.put("identity", item.get("identity"));
                activity.put("activity_source", item.get("source"));
                activity.put("activity_params", item.get("params"));
                activities.add(activity);
            }
            var ecode = ((Number) params.get("ecode")).intValue();
            var body = Json.write(Map.of("encryptedRequest", encrypt(Json.write(activities).getBytes(UTF_8), ecode)));
            var reply = send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/activity/upload"))
                .header("Content-Type", "application/json").header("x-eCode", String.valueOf(ecode))
                .header("x-asset", (String) config.get("asset")).header("Authorization", "Bearer " + config.get("api_key"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
            if (!(reply instanceof Map<?, ?> map) || !"success".equals(map.get("status"))) throw new ClientError(1, "no success body: " + Json.write(reply));
            return reply;
        }

        String encrypt(byte[] plaintext, int ecode) throws Exception {
            if (ecode == 11258) {
                var nonce = random(12);                                            // fresh for every upload
                var cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Base64.getDecoder().decode((String) config.get("gcm_key")), "AES"), new GCMParameterSpec(128, nonce));
                var sealed = cipher.doFinal(plaintext);
                var joined = Arrays.copyOf(nonce, nonce.length + sealed.length);   // nonce || ciphertext || tag
                System.arraycopy(sealed, 0, joined, nonce.length, sealed.length);
                return base64(joined);
            }
            var cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");               // PKCS#7 for 16-byte blocks
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(((String) config.get("key")).getBytes(UTF_8), "AES"),
                new IvParameterSpec(((String) config.get("iv")).getBytes(UTF_8)));
            var sealed = cipher.doFinal(plaintext);
            return ecode == 11257 ? HexFormat.of().formatHex(sealed) : base64(sealed);
        }
    }

    /** Just enough JSON (RFC 8259) for the protocol: objects as LinkedHashMap, arrays as List, numbers as Long or Double. */
    static final class Json {
        private final String text;
        private int at;

        private Json(String text) { this.text = text; }

        static Object parse(String text) {
            var json = new Json(text);
            var value = json.value();
            json.space();
            if (json.at != text.length()) throw new IllegalArgumentException("trailing characters at " + json.at);
            return value;
        }

        private void space() { while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) at++; }

        private boolean eat(char c) { space(); if (at < text.length() && text.charAt(at) == c) { at++; return true; } return false; }

        private void expect(char c) { if (!eat(c)) throw new IllegalArgumentException("expected '" + c + "' at " + at); }

        private Object value() {
            space();
            if (eat('{')) {
                var map = new LinkedHashMap<String, Object>();
                if (eat('}')) return map;
                do { space(); var key = string(); expect(':'); map.put(key, value()); } while (eat(','));
                expect('}');
                return map;
            }
            if (eat('[')) {
                var list = new ArrayList<Object>();
                if (eat(']')) return list;
                do list.add(value()); while (eat(','));
                expect(']');
                return list;
            }
            if (text.startsWith("\"", at)) return string();
            for (var literal : List.of("true", "false", "null")) {
                if (text.startsWith(literal, at)) { at += literal.length(); return literal.equals("null") ? null : literal.equals("true"); }
            }
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
            var number = text.substring(start, at);
            if (number.isEmpty()) throw new IllegalArgumentException("unexpected character at " + at);
            return number.matches("-?\\d+") ? (Object) Long.parseLong(number) : (Object) Double.parseDouble(number);
        }

        private String string() {
            expect('"');
            var out = new StringBuilder();
            for (char c; (c = text.charAt(at++)) != '"'; ) {
                if (c != '\\') { out.append(c); continue; }
                char e = text.charAt(at++);
                switch (e) {
                    case 'b' -> out.append('\b'); case 'f' -> out.append('\f'); case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r'); case 't' -> out.append('\t');
                    case 'u' -> { out.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; }
                    default -> out.append(e);
                }
            }
            return out.toString();
        }

        static String write(Object value) {
            if (value == null) return "null";
            if (value instanceof String s) {
                var out = new StringBuilder("\"");
                for (char c : s.toCharArray()) {
                    if (c == '"' || c == '\\') out.append('\\').append(c);
                    else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
                return out.append('"').toString();
            }
            if (value instanceof Map<?, ?> map) {
                var out = new StringJoiner(",", "{", "}");
                map.forEach((k, v) -> out.add(write(String.valueOf(k)) + ":" + write(v)));
                return out.toString();
            }
            if (value instanceof Collection<?> list) {
                var out = new StringJoiner(",", "[", "]");
                list.forEach(v -> out.add(write(v)));
                return out.toString();
            }
            return String.valueOf(value);   // Boolean, Long, Double
        }
    }
}
