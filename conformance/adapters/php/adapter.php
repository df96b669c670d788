<?php
// A sealmail stdio adapter in plain PHP 8 (php-cli, OpenSSL), written from conformance/FRAMEWORK.md alone.
//
//   sealmail conformance run netcore-ce --client-cmd 'php adapter.php netcore-ce'   (or netcore-email, ncp-mailer)
//
// SEALMAIL_BROKEN=reuse-iv (netcore-email) sends every request with the same IV: fails NE-IV-FRESH only.

declare(strict_types=1);

final class ClientFailed extends Exception {}

const BROKEN_ENV = 'SEALMAIL_BROKEN';

/** POST or GET with PHP's http stream; the decoded JSON of a 2xx answer, ClientFailed otherwise. */
function http(string $method, string $url, array $headers, ?string $body = null): mixed {
    $context = stream_context_create(['http' => [
        'method' => $method, 'header' => implode("\r\n", $headers), 'content' => $body ?? '', 'ignore_errors' => true,
    ]]);
    $text = @file_get_contents($url, false, $context);
    if ($text === false) throw new ClientFailed("no answer from $url");
    $status = (int) explode(' ', $http_response_header[0] ?? 'HTTP/1.0 0')[1];
    if ($status < 200 || $status >= 300) throw new ClientFailed("HTTP $status: " . substr($text, 0, 300), $status);
    return json_decode($text);
}

function to_json(mixed $value): string {
    return json_encode($value, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
}

/** Netcore Email v6: AES-256-GCM, fresh key and IV per request, base64(ciphertext || tag). */
function netcore_email(string $base, object $config): array {
    $first_iv = random_bytes(12);
    return ['send' => function (object $params) use ($base, $config, $first_iv) {
        $key = random_bytes(32);
        $iv = getenv(BROKEN_ENV) === 'reuse-iv' ? $first_iv : random_bytes(12);
        $sealed = openssl_encrypt(to_json($params->message), 'aes-256-gcm', $key, OPENSSL_RAW_DATA, $iv, $tag);
        return http('POST', "$base/v6/mail/send", [
            "Authorization: Bearer {$config->api_key}", 'Content-Type: application/json',
            'X-Encryption: 1', 'X-Encryption-Version: 2',
            'X-AES-KEY: ' . base64_encode($key), 'X-AES-IV: ' . base64_encode($iv),
        ], base64_encode($sealed . $tag));
    }];
}

/** NAVER Cloud Outbound Mailer: HMAC-SHA256 over "METHOD URI\nTIMESTAMP\nACCESSKEY", the URI exactly as sent. */
function ncp_mailer(string $base, object $config): array {
    $call = function (string $method, string $path, ?object $query = null, mixed $mail = null) use ($base, $config) {
        $pairs = [];
        foreach ((array) ($query ?? []) as $name => $value) {
            foreach (is_array($value) ? $value : [$value] as $item) $pairs[] = rawurlencode((string) $name) . '=' . rawurlencode((string) $item);
        }
        $uri = "/api/v1$path" . ($pairs ? '?' . implode('&', $pairs) : '');
        $timestamp = (string) (int) floor(microtime(true) * 1000);                 // epoch milliseconds, read per request
        $signature = base64_encode(hash_hmac('sha256', "$method $uri\n$timestamp\n{$config->access_key}", $config->secret_key, true));
        $headers = ["x-ncp-apigw-timestamp: $timestamp", "x-ncp-iam-access-key: {$config->access_key}", "x-ncp-apigw-signature-v2: $signature"];
        if ($mail === null) return http($method, $base . $uri, $headers);
        return http($method, $base . $uri, [...$headers, 'Content-Type: application/json'], to_json($mail));
    };
    return [
        'send' => fn (object $p) => $call('POST', '/mails', null, $p->mail),
        'request_status' => fn (object $p) => $call('GET', '/mails/requests/' . rawurlencode($p->request_id) . '/status'),
        'list_mails' => fn (object $p) => $call('GET', '/mails/requests/' . rawurlencode($p->request_id) . '/mails', $p->query),
    ];
}

/** Netcore CE activity upload: 11256 CBC base64, 11257 CBC hex (the shared strings are key and IV), 11258 GCM. */
function netcore_ce(string $base, object $config): array {
    $text = function (int $length): string {
        $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
        $out = '';
        for ($i = 0; $i < $length; $i++) $out .= $alphabet[random_int(0, strlen($alphabet) - 1)];
        return $out;
    };
    $encrypt = function (string $plaintext, int $ecode) use ($config): string {
        if ($ecode === 11258) {
            $nonce = random_bytes(12);
            $sealed = openssl_encrypt($plaintext, 'aes-256-gcm', base64_decode($config->gcm_key), OPENSSL_RAW_DATA, $nonce, $tag);
            return base64_encode($nonce . $sealed . $tag);
        }
        $sealed = openssl_encrypt($plaintext, 'aes-256-cbc', $config->key, OPENSSL_RAW_DATA, $config->iv);  // PKCS#7
        return $ecode === 11257 ? bin2hex($sealed) : base64_encode($sealed);
    };
    return [
        'generate_key_and_iv' => fn (object $p) => [$text(32), $text(16)],
        'upload' => function (object $p) use ($base, $config, $encrypt) {
            $activities = array_map(fn (object $e) => [
                'asset_id' => $config->asset,
                'activity_name' => $e->name,
                'timestamp' => (new DateTimeImmutable($e->occurred_at))->setTimezone(new DateTimeZone('UTC'))->format('Y-m-d\TH:i:s\Z'),
                'identity' => $e->identity,
                'activity_source' => $e->source,
                'activity_params' => $e->params,
            ], $p->events);
            $reply = http('POST', "$base/v1/activity/upload", [
                'Content-Type: application/json', "x-eCode: {$p->ecode}", "x-asset: {$config->asset}", "Authorization: Bearer {$config->api_key}",
            ], to_json(['encryptedRequest' => $encrypt(to_json($activities), $p->ecode)]));
            if (($reply->status ?? null) !== 'success') throw new ClientFailed('no success body: ' . to_json($reply));
            return $reply;
        },
    ];
}

// The JSON-RPC loop: one request per line on stdin, one answer per line on stdout, until stdin closes.
$methods = [];
while (($line = fgets(STDIN)) !== false) {
    $request = json_decode($line);
    try {
        if ($request->method === 'init') {
            $make = ['netcore-email' => 'netcore_email', 'ncp-mailer' => 'ncp_mailer', 'netcore-ce' => 'netcore_ce'][$argv[1] ?? ''] ?? null;
            if ($make === null) throw new ClientFailed('usage: php adapter.php netcore-email|ncp-mailer|netcore-ce', -32602);
            $methods = $make(rtrim($request->params->base_url, '/'), $request->params->config);
            $answer = ['result' => null];
        } elseif (isset($methods[$request->method])) {
            $answer = ['result' => $methods[$request->method]($request->params)];
        } else {
            throw new ClientFailed("no method {$request->method}", -32601);
        }
    } catch (Throwable $error) {
        $answer = ['error' => ['code' => $error->getCode() ?: 1, 'message' => $error->getMessage()]];
    }
    fwrite(STDOUT, to_json(['jsonrpc' => '2.0', 'id' => $request->id] + $answer) . "\n");
}
