#ifndef SWITCHYARD_KERNELS_SHIM_H
#define SWITCHYARD_KERNELS_SHIM_H

/// Software prefetch into every cache level. Swift has no prefetch of its own, and clang's
/// `_mm_prefetch` is a macro the importer drops; this inline function reaches
/// `__builtin_prefetch` and compiles to one `prefetcht0` (a no-op hint on a bad address).
static inline __attribute__((always_inline)) void switchyard_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
