// The oneDNN engine, the error text and the activation mapping (onednn.h).
// libgomp (oneDNN's threading runtime); clang here has no omp.h.
extern void omp_set_num_threads(int n);
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include "onednn.h"

static __thread char error_text[256];

const char *limn_engine_error(void) { return error_text; }

int limn_fail(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(error_text, sizeof(error_text), format, args);
    va_end(args);
    return -1;
}

int limn_dnnl_fail(const char *what, dnnl_status_t status) {
    return limn_fail("oneDNN %s failed (status %d)", what, (int) status);
}

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
// conv.c keeps its own bounded plans; oneDNN's primitive cache (1024 by default)
// would also keep every size ever seen, and a batch of photos grows without end.
static void engine_init(void) {
    dnnl_set_primitive_cache_capacity(0);
    dnnl_engine_create(&engine, dnnl_cpu, 0);
}

dnnl_engine_t limn_dnnl_engine(void) {
    pthread_once(&engine_once, engine_init);
    return engine;
}

void limn_engine_set_threads(int n) { omp_set_num_threads(n > 0 ? n : 1); }

dnnl_alg_kind_t limn_dnnl_activation(LimnActivation act, float alpha, float *dnnl_alpha) {
    *dnnl_alpha = 0;
    switch (act) {
    case LIMN_ACT_RELU: return dnnl_eltwise_relu;
    case LIMN_ACT_LEAKY_RELU: *dnnl_alpha = alpha; return dnnl_eltwise_relu;
    case LIMN_ACT_SILU: *dnnl_alpha = 1; return dnnl_eltwise_swish;
    case LIMN_ACT_GELU: return dnnl_eltwise_gelu_erf;
    case LIMN_ACT_SIGMOID: return dnnl_eltwise_logistic;
    case LIMN_ACT_TANH: return dnnl_eltwise_tanh;
    default: return dnnl_alg_kind_undef;
    }
}

const char *limn_engine_isa(void) {
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_sse41: return "sse41";
    default: return "other";
    }
}
