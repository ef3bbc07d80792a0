#ifndef MLM_COPENSSL_SHIM_H
#define MLM_COPENSSL_SHIM_H
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but they are kept,
   fast and allocation-free, which is why SHA256Hasher uses them for many short messages. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>

/* The GCM tag controls are macros Swift does not import; these name them. */
static inline int mlm_gcm_get_tag(EVP_CIPHER_CTX *context, unsigned char *tag16) {
    return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, tag16);
}

static inline int mlm_gcm_set_tag(EVP_CIPHER_CTX *context, unsigned char *tag16) {
    return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, tag16);
}
#endif
