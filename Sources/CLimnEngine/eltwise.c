// Stand-alone activations through oneDNN's JIT eltwise kernels (vectorised
// exp/tanh/erf); limn_activation in kernels.c is the plain reference.
#include "onednn.h"

int limn_eltwise(float *x, size_t n, LimnActivation act, float alpha) {
    if (act == LIMN_ACT_NONE || n == 0) return 0;
    float dnnl_alpha;
    dnnl_alg_kind_t kind = limn_dnnl_activation(act, alpha, &dnnl_alpha);
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = { (dnnl_dim_t) n };
    dnnl_eltwise_desc_t ed;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    dnnl_memory_t mem;
    dnnl_stream_t s;
    dnnl_engine_t engine = limn_dnnl_engine();
    // oneDNN's primitive cache makes re-creating the same primitive cheap.
    if (dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a) ||
        dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, kind, &md, dnnl_alpha, 0.0f) ||
        dnnl_primitive_desc_create(&pd, &ed, NULL, engine, NULL)) {
        limn_activation(x, n, act, alpha);
        return 0;
    }
    dnnl_status_t st = dnnl_primitive_create(&prim, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) { limn_activation(x, n, act, alpha); return 0; }
    dnnl_memory_create(&mem, &md, engine, x);
    dnnl_stream_create(&s, engine, dnnl_stream_default_flags);
    dnnl_exec_arg_t args[2] = { { DNNL_ARG_SRC, mem }, { DNNL_ARG_DST, mem } };
    st = dnnl_primitive_execute(prim, s, 2, args);
    if (st == dnnl_success) st = dnnl_stream_wait(s);
    dnnl_stream_destroy(s);
    dnnl_memory_destroy(mem);
    dnnl_primitive_destroy(prim);
    return st == dnnl_success ? 0 : -1;
}
