#include "CurlShim.h"

#include <dlfcn.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

// libcurl's own signatures, with its handles as void pointers. setopt and getinfo are variadic
// in libcurl; calling them through a pointer of the variadic type keeps the calling convention.
typedef int (*global_init_fn)(long flags);
typedef void *(*easy_init_fn)(void);
typedef void (*easy_cleanup_fn)(void *);
typedef void (*easy_reset_fn)(void *);
typedef int (*easy_setopt_fn)(void *, int, ...);
typedef int (*easy_getinfo_fn)(void *, int, ...);
typedef const char *(*easy_strerror_fn)(int);
typedef void *(*slist_append_fn)(void *, const char *);
typedef void (*slist_free_all_fn)(void *);
typedef void *(*multi_init_fn)(void);
typedef int (*multi_setopt_fn)(void *, int, ...);
typedef int (*multi_handle_fn)(void *, void *);
typedef int (*multi_perform_fn)(void *, int *);
typedef int (*multi_poll_fn)(void *, void *, unsigned int, int, int *);
typedef int (*multi_wakeup_fn)(void *);

struct curl_message {
    int msg;        // CURLMSG_DONE == 1
    void *easy;
    union {
        void *whatever;
        int result;
    } data;
};
typedef struct curl_message *(*multi_info_read_fn)(void *, int *);

static struct {
    easy_init_fn easy_init;
    easy_cleanup_fn easy_cleanup;
    easy_reset_fn easy_reset;
    easy_setopt_fn easy_setopt;
    easy_getinfo_fn easy_getinfo;
    easy_strerror_fn easy_strerror;
    slist_append_fn slist_append;
    slist_free_all_fn slist_free_all;
    multi_init_fn multi_init;
    multi_setopt_fn multi_setopt;
    multi_handle_fn multi_add_handle;
    multi_handle_fn multi_remove_handle;
    multi_perform_fn multi_perform;
    multi_poll_fn multi_poll;
    multi_wakeup_fn multi_wakeup;
    multi_info_read_fn multi_info_read;
} curl;

static void *open_library(const char *path, char *error, size_t error_size) {
    if (path != NULL) {
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (h == NULL) snprintf(error, error_size, "%s", dlerror());
        return h;
    }
#if defined(__APPLE__)
    static const char *names[] = {"/usr/lib/libcurl.4.dylib", "libcurl.4.dylib", "libcurl.dylib", NULL};
#else
    static const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", NULL};
#endif
    for (int i = 0; names[i] != NULL; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (h != NULL) return h;
        snprintf(error, error_size, "%s", dlerror());
    }
    return NULL;
}

#define LOOKUP(field, name)                                                        \
    do {                                                                           \
        *(void **)(&curl.field) = dlsym(h, name);                                  \
        if (curl.field == NULL) {                                                  \
            snprintf(error, error_size, "the library has no %s", name);            \
            return 1;                                                              \
        }                                                                          \
    } while (0)

int acurl_load(const char *path, char *error, size_t error_size) {
    void *h = open_library(path, error, error_size);
    if (h == NULL) return 1;
    global_init_fn global_init;
    *(void **)(&global_init) = dlsym(h, "curl_global_init");
    if (global_init == NULL) {
        snprintf(error, error_size, "the library has no curl_global_init");
        return 1;
    }
    LOOKUP(easy_init, "curl_easy_init");
    LOOKUP(easy_cleanup, "curl_easy_cleanup");
    LOOKUP(easy_reset, "curl_easy_reset");
    LOOKUP(easy_setopt, "curl_easy_setopt");
    LOOKUP(easy_getinfo, "curl_easy_getinfo");
    LOOKUP(easy_strerror, "curl_easy_strerror");
    LOOKUP(slist_append, "curl_slist_append");
    LOOKUP(slist_free_all, "curl_slist_free_all");
    LOOKUP(multi_init, "curl_multi_init");
    LOOKUP(multi_setopt, "curl_multi_setopt");
    LOOKUP(multi_add_handle, "curl_multi_add_handle");
    LOOKUP(multi_remove_handle, "curl_multi_remove_handle");
    LOOKUP(multi_perform, "curl_multi_perform");
    LOOKUP(multi_poll, "curl_multi_poll");     // 7.66
    LOOKUP(multi_wakeup, "curl_multi_wakeup"); // 7.68
    LOOKUP(multi_info_read, "curl_multi_info_read");
    if (global_init(3L /* CURL_GLOBAL_ALL */) != 0) {
        snprintf(error, error_size, "curl_global_init failed");
        return 1;
    }
    return 0;
}

void *acurl_easy_init(void) { return curl.easy_init(); }
void acurl_easy_cleanup(void *easy) { curl.easy_cleanup(easy); }
void acurl_easy_reset(void *easy) { curl.easy_reset(easy); }
int acurl_easy_setopt_long(void *easy, int option, long value) { return curl.easy_setopt(easy, option, value); }
int acurl_easy_setopt_ptr(void *easy, int option, const void *value) { return curl.easy_setopt(easy, option, value); }
int acurl_easy_setopt_off(void *easy, int option, int64_t value) { return curl.easy_setopt(easy, option, (int64_t)value); }
int acurl_easy_getinfo_long(void *easy, int info, long *value) { return curl.easy_getinfo(easy, info, value); }
int acurl_easy_getinfo_string(void *easy, int info, const char **value) { return curl.easy_getinfo(easy, info, value); }
const char *acurl_easy_strerror(int code) { return curl.easy_strerror(code); }

int acurl_easy_set_write(void *easy, acurl_data_callback callback, void *context) {
    int r = curl.easy_setopt(easy, 20011 /* CURLOPT_WRITEFUNCTION */, callback);
    return r != 0 ? r : curl.easy_setopt(easy, 10001 /* CURLOPT_WRITEDATA */, context);
}

int acurl_easy_set_header(void *easy, acurl_data_callback callback, void *context) {
    int r = curl.easy_setopt(easy, 20079 /* CURLOPT_HEADERFUNCTION */, callback);
    return r != 0 ? r : curl.easy_setopt(easy, 10029 /* CURLOPT_HEADERDATA */, context);
}

int acurl_easy_set_prereq(void *easy, acurl_prereq_callback callback, void *context) {
    int r = curl.easy_setopt(easy, 20312 /* CURLOPT_PREREQFUNCTION */, callback);
    return r != 0 ? r : curl.easy_setopt(easy, 10313 /* CURLOPT_PREREQDATA */, context);
}

// libcurl's struct curl_sockaddr.
struct curl_sockaddr_view {
    int family;
    int socktype;
    int protocol;
    unsigned int addrlen;
    struct sockaddr addr;
};

static int is_link_local(const struct sockaddr *a) {
    if (a->sa_family == AF_INET) {
        uint32_t ip = ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr);
        return (ip >> 16) == 0xA9FE; // 169.254.0.0/16
    }
    if (a->sa_family == AF_INET6) {
        const struct in6_addr *v6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
        const uint8_t *b = v6->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(v6)) return b[12] == 169 && b[13] == 254;
        return b[0] == 0xFE && (b[1] & 0xC0) == 0x80; // fe80::/10
    }
    return 1;
}

static int is_private_or_loopback(const struct sockaddr *a) {
    if (a->sa_family == AF_INET) {
        uint32_t ip = ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr);
        return (ip >> 24) == 127 || (ip >> 24) == 10 || (ip >> 24) == 0 || (ip >> 20) == 0xAC1 /* 172.16/12 */
            || (ip >> 16) == 0xC0A8 /* 192.168/16 */ || (ip >> 22) == 0x191 /* 100.64/10 */;
    }
    if (a->sa_family == AF_INET6) {
        const struct in6_addr *v6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
        const uint8_t *b = v6->s6_addr;
        if (IN6_IS_ADDR_LOOPBACK(v6) || IN6_IS_ADDR_UNSPECIFIED(v6)) return 1;
        if ((b[0] & 0xFE) == 0xFC) return 1; // fc00::/7
        if (IN6_IS_ADDR_V4MAPPED(v6)) {
            struct sockaddr_in v4 = {0};
            v4.sin_family = AF_INET;
            memcpy(&v4.sin_addr, b + 12, 4);
            return is_private_or_loopback((const struct sockaddr *)&v4) || is_link_local((const struct sockaddr *)&v4);
        }
        return 0;
    }
    return 1;
}

static int refused_by(const struct sockaddr *a, int policy) {
    return (policy >= ACURL_ADDRESSES_NOT_LINK_LOCAL && is_link_local(a))
        || (policy == ACURL_ADDRESSES_PUBLIC && is_private_or_loopback(a));
}

static int guarded_open_socket(void *context, int purpose, struct curl_sockaddr_view *address) {
    (void)purpose;
    acurl_address_guard *guard = context;
    const struct sockaddr *a = &address->addr;
    if (refused_by(a, guard->policy)) {
        guard->refused = 1;
        return -1; // CURL_SOCKET_BAD
    }
    return socket(address->family, address->socktype, address->protocol);
}

int acurl_host_allowed(const char *host, int policy) {
    struct in_addr v4;
    struct in6_addr v6;
    // A number the resolver reads but a person would not recognise as an address is refused:
    // it only ever serves to slip past a check that reads dotted quads.
    if (inet_aton(host, &v4) && inet_pton(AF_INET, host, &v4) != 1) return 2;
    if (inet_pton(AF_INET6, host, &v6) == 1 && IN6_IS_ADDR_V4MAPPED(&v6)) return 2;
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &found) != 0 || found == NULL) return -1;
    int allowed = 1;
    for (struct addrinfo *p = found; p != NULL; p = p->ai_next) {
        if (refused_by(p->ai_addr, policy)) { allowed = 0; break; }
    }
    freeaddrinfo(found);
    return allowed;
}

int acurl_easy_set_address_guard(void *easy, acurl_address_guard *guard) {
    int r = curl.easy_setopt(easy, 20163 /* CURLOPT_OPENSOCKETFUNCTION */, guarded_open_socket);
    return r != 0 ? r : curl.easy_setopt(easy, 10164 /* CURLOPT_OPENSOCKETDATA */, guard);
}

void *acurl_slist_append(void *list, const char *text) { return curl.slist_append(list, text); }
void acurl_slist_free_all(void *list) { curl.slist_free_all(list); }

void *acurl_multi_init(void) { return curl.multi_init(); }
int acurl_multi_setopt_long(void *multi, int option, long value) { return curl.multi_setopt(multi, option, value); }
int acurl_multi_add(void *multi, void *easy) { return curl.multi_add_handle(multi, easy); }
int acurl_multi_remove(void *multi, void *easy) { return curl.multi_remove_handle(multi, easy); }
int acurl_multi_perform(void *multi, int *running) { return curl.multi_perform(multi, running); }
int acurl_multi_poll(void *multi, int timeout_ms) {
    int ready = 0;
    return curl.multi_poll(multi, NULL, 0, timeout_ms, &ready);
}
int acurl_multi_wakeup(void *multi) { return curl.multi_wakeup(multi); }

void *acurl_multi_next_done(void *multi, int *result) {
    int left = 0;
    struct curl_message *m;
    while ((m = curl.multi_info_read(multi, &left)) != NULL) {
        if (m->msg == 1 /* CURLMSG_DONE */) {
            *result = m->data.result;
            return m->easy;
        }
    }
    return NULL;
}
