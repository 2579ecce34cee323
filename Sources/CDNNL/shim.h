// oneDNN's C API (Debian libdnnl-dev), as a system library like libvips.
#include <oneapi/dnnl/dnnl.h>
