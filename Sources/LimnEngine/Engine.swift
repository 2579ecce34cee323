// CDNNL is imported only for its link directive: CLimnEngine's C calls oneDNN,
// and a C target does not link a system library's module by itself.
internal import CDNNL
import CLimnEngine

/// Process-wide settings of the compute kernels.
package enum Engine {
    /// Threads oneDNN may use for calls made from the current thread (at least 1).
    package static func setThreads(_ n: Int) {
        limn_engine_set_threads(Int32(n))
    }

    /// Frees the tensor buffers and convolution plans kept for reuse: between the
    /// images of a batch, so memory does not grow with the sizes the batch has seen.
    package static func releaseCachedBuffers() {
        BufferPool.shared.drain()
        limn_conv_release_idle()
    }

    /// The instruction set oneDNN chose at run time ("avx512_core", "avx2", ...).
    package static var instructionSet: String { String(cString: limn_engine_isa()) }
}
