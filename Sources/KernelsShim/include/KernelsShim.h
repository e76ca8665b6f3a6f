#ifndef SWITCHYARD_KERNELS_SHIM_H
#define SWITCHYARD_KERNELS_SHIM_H

/// Software prefetch into every cache level. Swift has no prefetch of its own, and clang's
/// `_mm_prefetch` is a macro the importer drops; this inline function reaches
/// `__builtin_prefetch` and compiles to one `prefetcht0` (a no-op hint on a bad address).
static inline __attribute__((always_inline)) void switchyard_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#if defined(__x86_64__) && defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>

/// Intrinsics whose immediate operand makes them macros in clang's headers, which the Swift
/// importer drops. Only the AVX2 kernels (built with -mavx2 -mf16c) see these.

/// Each lane rounded to the nearest half-precision value (ties to even), as ggml's F16 stores do.
static inline __attribute__((always_inline)) __m256 switchyard_round_to_half(__m256 x) {
    return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}

/// All-ones lanes where `a > b` (ordered, quiet), zero elsewhere.
static inline __attribute__((always_inline)) __m256 switchyard_greater_than(__m256 a, __m256 b) {
    return _mm256_cmp_ps(a, b, _CMP_GT_OQ);
}

/// All-ones lanes where `a <= b` (ordered, quiet), zero elsewhere.
static inline __attribute__((always_inline)) __m256 switchyard_less_or_equal(__m256 a, __m256 b) {
    return _mm256_cmp_ps(a, b, _CMP_LE_OQ);
}
/// The upper 128 bits of a 256-bit integer vector (`_mm256_extracti128_si256(x, 1)`).
static inline __attribute__((always_inline)) __m128i switchyard_high_half_si256(__m256i x) {
    return _mm256_extracti128_si256(x, 1);
}
#endif

#endif
