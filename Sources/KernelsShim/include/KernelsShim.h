#ifndef SWITCHYARD_KERNELS_SHIM_H
#define SWITCHYARD_KERNELS_SHIM_H

/// Software prefetch into every cache level. Swift has no prefetch of its own, and clang's
/// `_mm_prefetch` is a macro the importer drops; this inline function reaches
/// `__builtin_prefetch` and compiles to one `prefetcht0` (a no-op hint on a bad address).
static inline __attribute__((always_inline)) void switchyard_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#if defined(__x86_64__)
#include <cpuid.h>

/// Whether the CPU has AVX-512 F, BW, VL, DQ and VNNI (what the KernelsAVX512 target is
/// compiled for) and the operating system saves the state they use: XCR0 must enable the
/// SSE, AVX, opmask and both ZMM components (bits 1, 2, 5, 6, 7), or the first instruction
/// that touches a mask or a zmm register faults even on a CPU that lists the feature.
static inline int switchyard_has_avx512_vnni(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0xE6u) != 0xE6u) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const unsigned int f = 1u << 16, dq = 1u << 17, bw = 1u << 30, vl = 1u << 31, vnni = 1u << 11;
    return (b & (f | dq | bw | vl)) == (f | dq | bw | vl) && (c & vnni) != 0;
}
#endif

#if defined(__x86_64__) && defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>

/// Intrinsics whose immediate operand makes them macros in clang's headers, which the Swift
/// importer drops. Only the AVX2 kernels (built with -mavx2 -mf16c) see these.

/// Each lane rounded to the nearest half-precision value (ties to even), as ggml's F16 stores do.
static inline __attribute__((always_inline)) __m256 switchyard_round_to_half(__m256 x) {
    return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}

/// Eight floats as IEEE halves (round to nearest even), the conversion ggml's F16C builds do.
static inline __attribute__((always_inline)) __m128i switchyard_to_half8(__m256 x) {
    return _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT);
}

/// A half's value as a float. The empty `asm` keeps the half in a register of its own (`vmovd`,
/// which writes the whole register): without it the compiler may insert the half with
/// `vpinsrw` into whatever register is at hand (the AVX-512 build picked live accumulators),
/// a false dependency that chains every block of a row to the previous one.
static inline __attribute__((always_inline)) float switchyard_half_to_float(unsigned short bits) {
    __m128i v = _mm_cvtsi32_si128(bits);
    __asm__("" : "+x"(v));
    return _mm_cvtss_f32(_mm_cvtph_ps(v));
}

/// All-ones lanes where `a > b` (ordered, quiet), zero elsewhere.
static inline __attribute__((always_inline)) __m256 switchyard_greater_than(__m256 a, __m256 b) {
    return _mm256_cmp_ps(a, b, _CMP_GT_OQ);
}

/// All-ones lanes where `a <= b` (ordered, quiet), zero elsewhere.
static inline __attribute__((always_inline)) __m256 switchyard_less_or_equal(__m256 a, __m256 b) {
    return _mm256_cmp_ps(a, b, _CMP_LE_OQ);
}
/// Each lane rounded to the nearest integer, ties to even (`_mm256_round_ps(x, _MM_ROUND_NEAREST)`).
static inline __attribute__((always_inline)) __m256 switchyard_round_nearest(__m256 x) {
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/// The upper 128 bits of a 256-bit integer vector (`_mm256_extracti128_si256(x, 1)`).
static inline __attribute__((always_inline)) __m128i switchyard_high_half_si256(__m256i x) {
    return _mm256_extracti128_si256(x, 1);
}
#endif

#if defined(__x86_64__) && defined(__AVX512VNNI__) && defined(__AVX512VL__)
#include <immintrin.h>
/// VNNI's dot products, macros in clang's headers (which the Swift importer drops). Only the
/// AVX-512 kernels (built with -mavx512vnni -mavx512vl) see these.

/// `s` plus, in each int32 lane, the four products of unsigned bytes of `a` with the signed
/// bytes of `b` in that lane (`vpdpbusd`; no intermediate saturation, unlike `maddubs`).
static inline __attribute__((always_inline)) __m256i switchyard_dpbusd(__m256i s, __m256i a, __m256i b) {
    return _mm256_dpbusd_epi32(s, a, b);
}

/// `s` plus, in each int32 lane, the two products of the int16 lanes of `a` and `b` (`vpdpwssd`).
static inline __attribute__((always_inline)) __m256i switchyard_dpwssd(__m256i s, __m256i a, __m256i b) {
    return _mm256_dpwssd_epi32(s, a, b);
}
#endif

#endif
