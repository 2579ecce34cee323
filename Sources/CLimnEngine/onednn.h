// What the oneDNN-backed files share, private to CLimnEngine: the one engine,
// the thread's error text, and how Limn's activations map to oneDNN's.
#ifndef LIMN_ONEDNN_H
#define LIMN_ONEDNN_H

#include <oneapi/dnnl/dnnl.h>
#include "limnengine.h"

// The CPU engine every primitive runs on, created on first use.
dnnl_engine_t limn_dnnl_engine(void);

// Sets limn_engine_error()'s text (printf format) and returns -1.
int limn_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

// Sets the text "oneDNN <what> failed (status N)" and returns -1.
int limn_dnnl_fail(const char *what, dnnl_status_t status);

// The oneDNN eltwise algorithm of `act` and its alpha (`alpha`: the activation's own
// parameter, the LeakyReLU slope); dnnl_alg_kind_undef for LIMN_ACT_NONE.
dnnl_alg_kind_t limn_dnnl_activation(LimnActivation act, float alpha, float *dnnl_alpha);

#endif
