/*
 * In-process TLS settings (LIFTED_TLS_CERT / LIFTED_TLS_KEY).
 *
 * One policy for every listener: TLS 1.2 and 1.3 only, forward-secret
 * AEAD suites for 1.2, no renegotiation, no compression, no session
 * tickets (each worker would have its own ticket key, so a ticket from
 * one worker could not be resumed by another anyway).  The record layer
 * itself runs inside the connection guard (guard.c), which keeps its
 * request limits in front of evhttp with TLS as without.
 */
#ifndef LIFTED_TLS_H
#define LIFTED_TLS_H

#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;

/*
 * Reads the PEM certificate chain at cert_path and the PEM private key at
 * key_path and returns a server context with the policy above.  NULL on
 * failure, with the reason (file, OpenSSL's message) in err.  Caller frees
 * with SSL_CTX_free.
 */
SSL_CTX *tls_context_new(const char *cert_path, const char *key_path, char *err,
                         size_t errlen);

#endif
