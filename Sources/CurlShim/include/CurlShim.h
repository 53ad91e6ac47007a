#ifndef AITOEARN_CURL_SHIM_H
#define AITOEARN_CURL_SHIM_H

// The few libcurl entry points the HTTP client uses, loaded with dlopen on first use, so that
// building needs no libcurl headers and starting the process does not pay for libcurl.
// Handles are opaque pointers; option and info numbers are libcurl's stable ABI values.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads libcurl from `path` (or the platform's usual names when NULL) and initialises it.
/// Returns 0 on success; otherwise writes a reason into `error`.
int acurl_load(const char *path, char *error, size_t error_size);

void *acurl_easy_init(void);
void acurl_easy_cleanup(void *easy);
/// Every option back to its default; the handle keeps its caches (7.12.1).
void acurl_easy_reset(void *easy);
int acurl_easy_setopt_long(void *easy, int option, long value);
int acurl_easy_setopt_ptr(void *easy, int option, const void *value);
int acurl_easy_setopt_off(void *easy, int option, int64_t value);
int acurl_easy_getinfo_long(void *easy, int info, long *value);
int acurl_easy_getinfo_string(void *easy, int info, const char **value);
const char *acurl_easy_strerror(int code);

typedef size_t (*acurl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*acurl_prereq_callback)(void *context, char *primary_ip, char *local_ip, int primary_port, int local_port);
int acurl_easy_set_write(void *easy, acurl_data_callback callback, void *context);
int acurl_easy_set_header(void *easy, acurl_data_callback callback, void *context);
/// Called once a connection is ready, just before the request is sent (libcurl >= 7.80).
int acurl_easy_set_prereq(void *easy, acurl_prereq_callback callback, void *context);

/// Which addresses a transfer may connect to: every address, all but link-local ones, or public
/// ones only. `refused` is set when a connection was refused for its address.
typedef struct {
    int policy;
    int refused;
} acurl_address_guard;
#define ACURL_ADDRESSES_ANY 0
#define ACURL_ADDRESSES_NOT_LINK_LOCAL 1
#define ACURL_ADDRESSES_PUBLIC 2
/// Checks each address libcurl is about to connect to (after DNS, on every redirect) against `guard`.
int acurl_easy_set_address_guard(void *easy, acurl_address_guard *guard);
/// For a request a proxy will make: 1 when every address `host` resolves to passes `policy`, 0
/// when one does not, 2 when the host is written as a number in a form other than a dotted quad
/// or plain IPv6 (2852039166, 0xa9fea9fe, ::ffff:a.b.c.d), -1 when it does not resolve. Blocks on DNS.
int acurl_host_allowed(const char *host, int policy);

void *acurl_slist_append(void *list, const char *text);
void acurl_slist_free_all(void *list);

void *acurl_multi_init(void);
int acurl_multi_setopt_long(void *multi, int option, long value);
int acurl_multi_add(void *multi, void *easy);
int acurl_multi_remove(void *multi, void *easy);
int acurl_multi_perform(void *multi, int *running);
int acurl_multi_poll(void *multi, int timeout_ms);
int acurl_multi_wakeup(void *multi);
/// The next finished transfer (NULL when none), with its libcurl result code.
void *acurl_multi_next_done(void *multi, int *result);

// Easy options (CURLOPT_*).
#define ACURLOPT_ERRORBUFFER 10010
#define ACURLOPT_URL 10002
#define ACURLOPT_PROXY 10004
#define ACURLOPT_HTTPHEADER 10023
#define ACURLOPT_CUSTOMREQUEST 10036
#define ACURLOPT_POST 47
#define ACURLOPT_FOLLOWLOCATION 52
#define ACURLOPT_MAXREDIRS 68
#define ACURLOPT_FRESH_CONNECT 74
#define ACURLOPT_FORBID_REUSE 75
#define ACURLOPT_HTTPGET 80
#define ACURLOPT_NOSIGNAL 99
#define ACURLOPT_BUFFERSIZE 98
#define ACURLOPT_POSTFIELDSIZE_LARGE 30120
#define ACURLOPT_TIMEOUT_MS 155
#define ACURLOPT_CONNECTTIMEOUT_MS 156
#define ACURLOPT_COPYPOSTFIELDS 10165
#define ACURLOPT_NOPROXY 10177
#define ACURLOPT_PIPEWAIT 237
#define ACURLOPT_PROTOCOLS_STR 10318
#define ACURLOPT_REDIR_PROTOCOLS_STR 10319
// Bitmask forms for libcurl before 7.85 (CURLPROTO_HTTP | CURLPROTO_HTTPS = 3).
#define ACURLOPT_PROTOCOLS 181
#define ACURLOPT_REDIR_PROTOCOLS 182

// Multi options (CURLMOPT_*).
#define ACURLMOPT_PIPELINING 3
#define ACURLMOPT_MAXCONNECTS 6

// Info (CURLINFO_*).
#define ACURLINFO_RESPONSE_CODE 0x200002
#define ACURLINFO_EFFECTIVE_URL 0x100001
#define ACURLINFO_HTTP_CONNECTCODE 0x200016

// Result codes (CURLcode) the client tells apart.
#define ACURLE_OK 0
#define ACURLE_UNSUPPORTED_PROTOCOL 1
#define ACURLE_URL_MALFORMAT 3
#define ACURLE_COULDNT_RESOLVE_PROXY 5
#define ACURLE_COULDNT_RESOLVE_HOST 6
#define ACURLE_COULDNT_CONNECT 7
#define ACURLE_OUT_OF_MEMORY 27
#define ACURLE_SSL_CONNECT_ERROR 35
#define ACURLE_PEER_FAILED_VERIFICATION 60

#ifdef __cplusplus
}
#endif

#endif
